import { strict as assert } from "assert";
import { requirePodAntiAffinity } from "../../../policy/rules/require-pod-anti-affinity";
import { requireNonRoot } from "../../../policy/rules/require-non-root";
import { requirePdbMaxUnavailable } from "../../../policy/rules/require-pdb-max-unavailable";
import { requireTlsListeners } from "../../../policy/rules/require-tls-listeners";
import { Obj, clone, resourceViolations, stackViolations } from "../harness";
import { find, render } from "../../harness/render";

/**
 * The KRaft controllers (kafka.metadata migration) are guarded by the same rules as the brokers:
 * the rendered quorum passes each, and the mutation each rule exists for fails it.
 */
describe("the policy pack over the KRaft controller quorum", () => {
    let sts: Obj;
    let pdb: Obj;
    let config: Obj;
    before(async () => {
        const migration = await render({ "kafka.metadata": "migration" }, "dev", (await render()).outputs);
        [sts, pdb, config] = [find(migration, "StatefulSet", "kafka-controller"), find(migration, "PodDisruptionBudget", "kafka-controller-pdb"),
            find(migration, "ConfigMap", "kafka-controller-config")];
    });

    it("passes the rendered StatefulSet, PDB and controller.properties", () => {
        for (const policy of [requirePodAntiAffinity, requireNonRoot]) assert.deepEqual(resourceViolations(policy, sts), [], policy.name);
        assert.deepEqual(stackViolations(requirePdbMaxUnavailable, [sts, pdb]), []);
        assert.deepEqual(resourceViolations(requireTlsListeners, config), []);
    });

    it("fails a controller without anti-affinity, running as root, a PDB without maxUnavailable, a clear-text controller listener", () => {
        const spread = clone(sts);
        delete spread.spec.template.spec.affinity;
        assert.match(resourceViolations(requirePodAntiAffinity, spread).join("\n"), /must spread/);
        const root = clone(sts);
        root.spec.template.spec.securityContext.runAsUser = 0;
        assert.match(resourceViolations(requireNonRoot, root).join("\n"), /must not set runAsUser 0/);
        const budget = clone(pdb);
        delete budget.spec.maxUnavailable;
        budget.spec.minAvailable = 2;
        assert.notDeepEqual(stackViolations(requirePdbMaxUnavailable, [sts, budget]), []);
        const clear = clone(config);
        clear.data["server.properties"] = clear.data["server.properties"].replace("CONTROLLER:SSL", "CONTROLLER:PLAINTEXT");
        assert.match(resourceViolations(requireTlsListeners, clear).join("\n"), /CONTROLLER:\/\/:9090 must use TLS/);
    });
});
