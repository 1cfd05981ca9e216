import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { policyConfigProblems } from "../../../tools/policy/config-check";
import { runPolicy } from "../../../tools/policy/cli";
import { PROJECT_ROOT } from "../../../tools/runtime";

describe("the policy config is checked before anything runs (tools/policy/config-check.ts, #34.4)", () => {
    it("passes every config the repository ships, and levels alone, and settings within each rule's schema", () => {
        for (const f of fs.readdirSync(path.join(PROJECT_ROOT, "policy", "config"))) {
            assert.deepEqual(policyConfigProblems(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy", "config", f), "utf8"))), [], f);
        }
        assert.deepEqual(policyConfigProblems({ "require-non-root": "advisory", "require-drain-capacity": { enforcementLevel: "disabled", nodes: 4 } }), []);
    });

    it("names the rule and what it allows: an unknown rule (did you mean), a level Pulumi does not know, a setting of the wrong type or unknown", () => {
        assert.deepEqual(policyConfigProblems({ "require-drain-capcity": "mandatory" }), [
            "\"require-drain-capcity\" must be a rule of zk-kafka-guard: did you mean require-drain-capacity? (rules: require-pod-anti-affinity, " +
            "require-pdb-max-unavailable, require-non-root, require-drain-capacity, require-tls-listeners)"]);
        assert.deepEqual(policyConfigProblems({ "require-non-root": "off" }), ["require-non-root: the level must be one of advisory, mandatory, remediate, disabled, got \"off\""]);
        assert.deepEqual(policyConfigProblems({ "require-drain-capacity": { nodes: "four" } }), ["require-drain-capacity.nodes must be integer, got \"four\""]);
        assert.deepEqual(policyConfigProblems({ "require-drain-capacity": { nodes: 0, node: 4 } }), [
            "require-drain-capacity.node must be a setting of require-drain-capacity: did you mean nodes? (settings: nodes, regionalZones)",
            "require-drain-capacity.nodes must be >= 1, got the number 0"]);
        assert.deepEqual(policyConfigProblems({ "require-tls-listeners": { enforcementLevel: "warn" } }), [
            "require-tls-listeners: the level must be one of advisory, mandatory, remediate, disabled, got \"warn\""]);
        assert.deepEqual(policyConfigProblems(["require-non-root"]), ["must be a JSON object of rule name -> level or { enforcementLevel, settings }, got the object [\"require-non-root\"]"]);
    });

    it("the CLI refuses such a file as unusable input, naming it, before it renders or runs a rule", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-")), "bad.json");
        fs.writeFileSync(file, JSON.stringify({ "require-drain-capacity": { nodes: "four" } }));
        await assert.rejects(runPolicy({ stack: "dev", sets: [], manifests: [path.join(PROJECT_ROOT, "tests", "policy", "fixtures", "bad")], json: false, config: file }),
            (e: Error) => e.constructor.name === "PolicyInputError" && e.message === `${file}: require-drain-capacity.nodes must be integer, got "four"`);
    });
});
