import { strict as assert } from "assert";
import { render } from "../../harness/render";

describe("ExistingCluster", () => {
    it("defaults: registers no GCP resource and uses the ambient kubeconfig through an explicit provider", async () => {
        const s = await render({ "cluster.mode": "existing" });
        assert.deepEqual(s.resources.filter((r) => r.type.startsWith("gcp:")), []);
        const provider = s.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        assert.equal(provider.length, 1);
        assert.deepEqual(provider[0].props, {});
        for (const r of s.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            assert.ok(r.provider?.startsWith(`${provider[0].urn}::`), `${r.name} uses it`);
        }
        assert.equal(s.outputs.mode, "existing");
        assert.equal(s.outputs.kubeconfig, undefined);
        // The PodMonitorings are for GKE's managed Prometheus, and the metrics opt-in elsewhere.
        const names = (r: typeof s) => r.objects.filter((o) => o.kind !== "PodMonitoring").map((o) => `${o.kind}/${o.metadata.name}`).sort();
        assert.deepEqual(names(s), names(await render({ "zookeeper.metrics": false, "kafka.metrics": false })), "the same workloads as on GKE");
        assert.ok(!s.objects.some((o) => o.kind === "PodMonitoring"));
    });

    it("overrides: a context and kubeconfig content, kept secret", async () => {
        const content = "apiVersion: v1\nkind: Config\ncurrent-context: kind-zk-kafka\n";
        const s = await render({ "cluster.mode": "existing", "cluster.context": "kind-zk-kafka", "cluster.kubeconfig": content });
        const provider = s.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.deepEqual(provider.props, { kubeconfig: "[secret]", context: "kind-zk-kafka" });
        assert.equal(s.outputs.kubeconfig, content);
        assert.ok(s.secretOutputs.includes("kubeconfig"));
        assert.equal(s.outputs.clusterName, "kind-zk-kafka");
    });

    it("the shipped local stack targets kind without any GCP config", async () => {
        const s = await render({}, "local");
        assert.deepEqual(s.resources.filter((r) => r.type.startsWith("gcp:")), []);
        assert.equal(s.outputs.clusterName, "kind-zk-kafka");
    });
});
