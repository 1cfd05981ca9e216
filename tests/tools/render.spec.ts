import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RenderedStack, clone, find, render } from "../harness/render";
import { KubernetesObject, ManifestError, validateObject } from "../../tools/manifests";
import { tempDir } from "../harness/temp";
import { npmRun, runCli } from "../harness/cli";
import { run } from "../../tools/render";

/** `npm run render -- <args>`, in this process. */
const renderCli = (...args: string[]) => runCli(run, args);

type Container = { ports: Array<{ containerPort: unknown }> };
type Spec = { spec: { template: { spec: { containers: Container[] } } } };

describe("offline render", () => {
    let dev: RenderedStack;
    before(async () => {
        dev = await render();
    });

    it("gives every object apiVersion, kind, name and, where namespaced, a namespace", () => {
        for (const o of dev.objects) {
            assert.ok(o.apiVersion && o.kind && o.metadata.name, JSON.stringify(o).slice(0, 60));
            const expected = o.metadata.name.startsWith("node-exporter") ? "monitoring" : "zk-kafka";
            if (o.kind !== "Namespace") assert.equal(o.metadata.namespace, expected, `${o.kind} ${o.metadata.name}`);
        }
    });

    it("renders only objects that pass the Kubernetes OpenAPI schema", () => {
        assert.ok(dev.objects.length >= 6);
        for (const o of dev.objects) validateObject(o);
    });

    it("catches a malformed object and names the object and the field", async () => {
        const sts = clone(find<Spec>(dev, "StatefulSet", "zk"));
        sts.spec.template.spec.containers[0].ports[0].containerPort = "2181";
        assert.throws(() => validateObject(sts), (e: Error) => e instanceof ManifestError &&
            e.message.startsWith("StatefulSet zk-kafka/zk: ") && /containers\[0\]\.ports\[0\]\.containerPort must be integer/.test(e.message));
        const unknownKind = { ...clone(sts), kind: "StatefulSett" } as KubernetesObject;
        assert.throws(() => validateObject(unknownKind), /no Kubernetes schema for apps\/v1 StatefulSett/);
    });

    for (const [set, key] of [["zookeeper.replicas=4", "zookeeper.replicas"], ["cluster.nodeCount=3", "cluster.nodeCount"]]) {
        it(`exits 1 for --set ${set}, naming ${key} on stderr and writing nothing`, async () => {
            const out = tempDir("zk-render-");
            const r = await renderCli("--out", out, "--set", set);
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stderr, new RegExp(`^error: zk-kafka-gke:${key.replace(".", "\\.")} .*must`, "m"));
            assert.deepEqual(fs.readdirSync(out), []);
        });
    }

    it("exits 1 for --set zookeper.replicas=5 and suggests zookeeper", async () => {
        const out = tempDir("zk-render-");
        const r = await renderCli("--out", out, "--set", "zookeper.replicas=5");
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /^error: zk-kafka-gke:zookeper is not a known key; did you mean zookeeper\?/m);
        assert.deepEqual(fs.readdirSync(out), []);
    });

    it("writes no GCP resource to resources.json with --set cluster.mode=existing", async () => {
        const out = tempDir("zk-render-");
        const r = await renderCli("--out", out, "--set", "cluster.mode=existing");
        assert.equal(r.status, 0, r.stderr);
        const types = (JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8")) as Array<{ type: string }>).map((x) => x.type);
        assert.ok(types.includes("kubernetes:apps/v1:StatefulSet"));
        assert.deepEqual(types.filter((t) => t.startsWith("gcp:")), []);
    });

    it("writes manifests.yaml and resources.json for the stack", async () => {
        const out = tempDir("zk-render-");
        const r = await renderCli("--stack", "dev", "--out", out);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /2 {2}kubernetes:apps\/v1:StatefulSet/);
        const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(out, "manifests.yaml"), "utf8")).map((d) => d.toJS());
        assert.deepEqual(docs, JSON.parse(JSON.stringify(dev.objects)));
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
        const ensemble = resources.find((r: { type: string }) => r.type === "zk-kafka-gke:zookeeper:Ensemble");
        assert.ok(ensemble && resources.every((r: { type: string; name: string; props: unknown }) => r.type && r.name && r.props));
        assert.ok(resources.some((r: { parent?: string }) => r.parent === ensemble.urn));
    });

    it("--deployed checks a change against the stack's last outputs, and names a file it cannot use", async () => {
        const dir = tempDir("render-deployed-");
        const outputs = path.join(dir, "outputs.json");
        fs.writeFileSync(outputs, JSON.stringify({ mode: "gke", deployed: dev.outputs.deployed }));
        const shrink = await renderCli("--out", path.join(dir, "out"), "--deployed", outputs, "--set", "kafka.storageSize=10Gi");
        assert.equal(shrink.status, 1, shrink.stderr);
        assert.match(shrink.stderr, /^error: zk-kafka-gke:kafka\.storageSize must be at least 20Gi/m);
        assert.ok(!fs.existsSync(path.join(dir, "out")), "nothing written");
        fs.writeFileSync(path.join(dir, "bad.json"), "[1]");
        for (const file of [path.join(dir, "missing.json"), path.join(dir, "bad.json")]) {
            const r = await renderCli("--out", path.join(dir, "out"), "--deployed", file);
            assert.equal(r.status, 1);
            assert.match(r.stderr, new RegExp(`^error: --deployed ${file.replace(/[/.]/g, "\\$&")} must`, "m"));
        }
    });

    it("--help prints the usage and every exit code, and exits 0; an --out it cannot write is one line naming the path", async () => {
        const help = npmRun("render", ["--help"]);
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /^usage: npm run render -- /);
        assert.match(help.stdout, /exit codes: 0 .*; 1 /);
        const dir = tempDir("render-out-");
        const file = path.join(dir, "a-file");
        fs.writeFileSync(file, "");
        const r = await renderCli("--out", file);
        assert.equal(r.status, 1);
        assert.deepEqual(r.stderr.trim().split("\n"), [`error: --out ${file} must be a directory this user can write, got: ${file} is not a directory`]);
        // A file system that refuses new directories with ENOENT (procfs), where mkdir -p would retry for ever.
        const proc = await renderCli("--out", "/proc/zk-kafka-gke-out");
        assert.equal(proc.status, 1);
        assert.match(proc.stderr.trim().split("\n").at(-1)!, /^error: --out \/proc\/zk-kafka-gke-out must be a directory this user can write, got: (\/proc\/zk-kafka-gke-out: )?E[A-Z]+$/);
        // A wrong option is one line, pointing at --help, not the usage again.
        const bad = await renderCli("--bogus");
        assert.deepEqual(bad.stderr.trim().split("\n").filter((l) => !l.startsWith("warning:")), ["error: Unknown option '--bogus' (npm run render -- --help lists the options)"]);
    });
});

