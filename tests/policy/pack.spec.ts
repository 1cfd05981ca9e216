import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { run, runPolicy } from "../../tools/policy/cli";
import { npmRun, runCli } from "../harness/cli";
import { PolicyPackProcess } from "../../tools/policy/pack";
import { fromRender } from "../../tools/policy/render-input";
import { render } from "../harness/render";
import { tempDir } from "../harness/temp";

/** `npm run policy -- <args>`, in this process. */
const cli = (...args: string[]) => runCli(run, args);
const BAD = path.join("tests", "policy", "fixtures", "bad");

/** The real pack, spawned and asked over its analyzer gRPC interface, as `pulumi preview --policy-pack policy` asks it. */
describe("the policy pack, run for real over gRPC", function () {

    // One pack process for the stacks, as one `pulumi preview` per stack would each start one.
    let shared: PolicyPackProcess;
    before(async () => {
        shared = await PolicyPackProcess.start();
    });
    after(() => shared?.stop());

    for (const stack of ["dev", "prod", "local"]) {
        it(`finds 0 violations in the ${stack} stack's render${stack === "local" ? " (its node count from policy/config/local.json)" : ""}`, async () => {
            const { diagnostics, resources } = await runPolicy({ stack, sets: [], manifests: [], json: false }, undefined, shared);
            assert.ok(resources.length > 10);
            assert.deepEqual(diagnostics, []);
        });
    }

    it("catches the tutorial copy's mistakes in plain YAML, by rule name, and exits 1", async () => {
        const r = await cli("--manifests", BAD);
        assert.equal(r.status, 1, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.equal(lines.at(-1), "6 violations (6 mandatory), 1 check that could not verify");
        assert.match(lines.find((l) => l.startsWith("advisory require-drain-capacity"))!, /: cannot verify: /);
        assert.deepEqual([...new Set(lines.slice(0, -1).map((l) => l.split(" ").slice(0, 3).join(" ")))].sort(), [
            "advisory require-drain-capacity stack:",
            "mandatory require-non-root Deployment/shop/web:",
            "mandatory require-non-root StatefulSet/default/zk:",
            "mandatory require-pdb-max-unavailable PodDisruptionBudget/shop/web-pdb:",
            "mandatory require-pdb-max-unavailable StatefulSet/default/zk:",
            "mandatory require-pod-anti-affinity Deployment/shop/web:",
            "mandatory require-pod-anti-affinity StatefulSet/default/zk:",
        ]);
        assert.match(r.stderr, /web\.yaml: document 3 is not a Kubernetes object .* skipped/);
    });

    it("prints the same violations as JSON with --json", async () => {
        const r = await cli("--manifests", path.join(BAD, "web.yaml"), "--json");
        assert.equal(r.status, 1);
        const rows = JSON.parse(r.stdout) as Array<{ enforcementLevel: string; policy: string; subject: string; message: string }>;
        assert.deepEqual(rows.map((x) => x.policy).sort(), ["require-non-root", "require-pdb-max-unavailable", "require-pod-anti-affinity"]);
        assert.ok(rows.every((x) => x.enforcementLevel === "mandatory" && / must /.test(` ${x.message}`)));
    });

    it("--help prints the usage and every exit code, and exits 0", async () => {
        const r = npmRun("policy", ["--help"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^usage: npm run policy -- /);
        assert.match(r.stdout, /exit codes: 0 .*; 1 .*; 2 .*; 3 /s);
    });

    it("exits 2 for unparseable YAML, naming the file and line", async () => {
        const dir = tempDir("policy-bad-yaml-");
        fs.writeFileSync(path.join(dir, "broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n");
        const r = await cli("--manifests", dir);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /broken\.yaml:\d+: not valid YAML/);
    });

    it("exits 2 for a stack config the program refuses, with the program's message", async () => {
        const r = await cli("--set", "zookeeper.replicas=4");
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^error: zk-kafka-gke:zookeeper\.replicas must be an odd integer/m);
    });

    it("reports a value a preview cannot know as an advisory 'cannot verify', never a crash or a pass", async () => {
        // The engine sends a preview's unknown values as this sentinel.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's sentinel has no type declaration
        const unknownNumber = (require("@pulumi/policy/proxy") as { unknownNumberValue: string }).unknownNumberValue;
        const resources = fromRender((await render()).resources);
        const zk = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "zk")!;
        (zk.props.spec as Record<string, unknown>).replicas = unknownNumber;
        await shared.configure({ "require-drain-capacity": { nodes: 4 } });
        const diagnostics = await shared.analyze(resources);
        assert.ok(diagnostics.length > 0, "not a silent pass");
        for (const d of diagnostics) {
            assert.equal(d.enforcementLevel, "advisory");
            assert.match(d.message, /^cannot verify: .*\.spec\.replicas can't be known during preview/);
        }
    });

    it("lets the policy config lower a rule to advisory or turn it off", async () => {
        const resources = fromRender((await render({ "zookeeper.replicas": 3, "cluster.nodeCount": 4 })).resources);
        const zk = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "zk")!;
        delete ((zk.props.spec as { template: { spec: Record<string, unknown> } }).template.spec).affinity;
        await shared.configure({ "require-pod-anti-affinity": "advisory", "require-drain-capacity": "disabled" });
        const diagnostics = await shared.analyze(resources);
        assert.deepEqual(diagnostics.map((d) => `${d.enforcementLevel} ${d.policy}`), ["advisory require-pod-anti-affinity"]);
    });
});
