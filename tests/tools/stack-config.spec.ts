import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackConfigError, parsePath, readProgramConfig } from "../../tools/stack-config";
import { tempDir } from "../harness/temp";

function project(files: Record<string, string>): string {
    const dir = tempDir("zk-kafka-gke-config-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
}

const PROJECT = "name: p\nruntime: nodejs\nconfig:\n  namespace:\n    type: string\n    default: ns\n  flag: true\n";

describe("readProgramConfig", () => {
    it("merges Pulumi.yaml defaults, the stack file and --set paths as the engine would pass them", () => {
        const dir = project({
            "Pulumi.yaml": PROJECT,
            "Pulumi.dev.yaml": "config:\n  p:zookeeper:\n    replicas: 3\n    image: zk:3.9\n  gcp:zone: europe-west1-b\n",
        });
        const c = readProgramConfig(dir, "dev", ["zookeeper.replicas=5", "zookeeper.extra.list[1]=x", "p:namespace=other"]);
        assert.equal(c.project, "p");
        assert.deepEqual(c.config, {
            "p:namespace": "other",
            "p:flag": "true",
            "p:zookeeper": JSON.stringify({ replicas: 5, image: "zk:3.9", extra: { list: [null, "x"] } }),
            "gcp:zone": "europe-west1-b",
        });
        assert.deepEqual(c.secretKeys, []);
    });

    it("keeps encrypted values secret and unreadable", () => {
        const dir = project({
            "Pulumi.yaml": PROJECT,
            "Pulumi.dev.yaml": "config:\n  p:token:\n    secure: v1:abc\n  p:nested:\n    user: u\n    password:\n      secure: v1:def\n",
        });
        const c = readProgramConfig(dir, "dev");
        assert.equal(c.config["p:token"], "[secret]");
        assert.deepEqual(JSON.parse(c.config["p:nested"]), { user: "u", password: "[secret]" });
        assert.deepEqual(c.secretKeys.sort(), ["p:nested", "p:token"]);
    });

    it("names the file or argument it cannot use", () => {
        const dir = project({ "Pulumi.yaml": PROJECT, "Pulumi.bad.yaml": "config: [unclosed\n" });
        assert.throws(() => readProgramConfig(dir, "nope"), (e: Error) => e instanceof StackConfigError &&
            /^--stack must name a stack of this project \(bad\), got nope: .*Pulumi\.nope\.yaml does not exist$/.test(e.message));
        // One line with the position, not the parser's caret drawing.
        assert.throws(() => readProgramConfig(dir, "bad"), (e: Error) => /Pulumi\.bad\.yaml is not valid YAML \(line \d+, column \d+\): \S/.test(e.message) && !e.message.includes("\n"));
        const ok = project({ "Pulumi.yaml": PROJECT, "Pulumi.dev.yaml": "config: {}\n" });
        assert.throws(() => readProgramConfig(ok, "dev", ["zookeeper.replicas"]), /--set zookeeper\.replicas must have the form <path>=<value>/);
        assert.throws(() => readProgramConfig(ok, "dev", ["a..b=1"]), /is not a config path/);
    });
});

describe("parsePath", () => {
    it("reads the path syntax of `pulumi config set --path`", () => {
        assert.deepEqual(parsePath("zookeeper.replicas"), ["zookeeper", "replicas"]);
        assert.deepEqual(parsePath("gcp:zone"), ["gcp:zone"]);
        assert.deepEqual(parsePath('cluster.networks[0]["cidr.block"]'), ["cluster", "networks", 0, "cidr.block"]);
        assert.throws(() => parsePath("[0]"), StackConfigError);
    });
});
