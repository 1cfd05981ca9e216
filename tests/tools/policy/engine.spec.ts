import { strict as assert } from "assert";
import * as path from "path";
import { Diagnostic, PolicyConfig, evaluate, reconcile } from "../../../tools/policy/engine";
import { PolicyPackProcess } from "../../../tools/policy/pack";
import { fromManifests, manifestFiles } from "../../../tools/policy/inputs";
import { fromRender } from "../../../tools/policy/render-input";
import { render } from "../../harness/render";

const sorted = (ds: Diagnostic[]) => ds.map((d) => `${d.enforcementLevel} ${d.policy} ${d.urn}: ${d.message}`).sort();

/** The in-process door against the pack served over gRPC (the fidelity check): one corpus, both ways. */
describe("the in-process rule engine (tools/policy/engine.ts)", function () {

    it("gives exactly the diagnostics the real pack gives over gRPC, on the dev render and the bad YAML, at any config", async () => {
        const corpus = [
            ...fromRender((await render()).resources),
            ...fromManifests(manifestFiles([path.join("tests", "policy", "fixtures", "bad")]), () => undefined),
        ];
        const configs: PolicyConfig[] = [{}, { "require-drain-capacity": { nodes: 4 } }, { "require-pod-anti-affinity": "advisory", "require-non-root": "disabled" }];
        const pack = await PolicyPackProcess.start();
        try {
            for (const config of configs) {
                await pack.configure(config);
                const overGrpc = await pack.analyze(corpus);
                assert.ok(overGrpc.length >= 4, "the corpus has violations to compare");
                assert.deepEqual(sorted(await evaluate(corpus, config)), sorted(overGrpc), JSON.stringify(config));
            }
        } finally {
            pack.stop();
        }
    });

    it("keeps a rule's own level when its config names only parameters, as the Pulumi engine does", () => {
        const levels = reconcile({ "require-drain-capacity": { nodes: 2 } });
        assert.deepEqual(levels.get("require-drain-capacity"), { level: "mandatory", properties: { nodes: 2, regionalZones: 3 } });
        assert.equal(reconcile({ "require-drain-capacity": { enforcementLevel: "advisory" } }).get("require-drain-capacity")!.level, "advisory");
    });
});
