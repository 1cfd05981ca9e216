import { strict as assert } from "assert";
import { RenderedStack, render } from "../harness/render";
import { criticalPath, upstream } from "../../tools/critical-path";

const awaited = ["kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];

describe("the critical path of a fresh pulumi up", () => {
    let dev: RenderedStack;
    before(async () => {
        dev = await render();
    });

    it("is cluster -> node pool -> one workload's rollout", () => {
        const { chain } = criticalPath(dev.resources);
        const slow = chain.filter((r) => r.type.startsWith("gcp:container/") || awaited.includes(r.type)).map((r) => r.type.split(":").pop());
        assert.deepEqual(slow, ["Cluster", "NodePool", "StatefulSet"]);
        // After the rollout only what takes seconds: the claims' size patches, or the access Job
        // (a few runs of Kafka's tools against running brokers), the users' Secrets after it, and
        // the lag exporter's one small pod once its Secret is there.
        const last = chain.map((r) => awaited.includes(r.type)).lastIndexOf(true);
        const after = [...new Set(chain.slice(last + 1).map((r) => r.type))];
        assert.ok(after.every((t) => ["kubernetes:core/v1:PersistentVolumeClaimPatch", "kubernetes:batch/v1:Job", "kubernetes:core/v1:Secret", "kubernetes:apps/v1:Deployment"].includes(t)),
            `it ends on a rollout, then ${after.join(", ")}`);
    });

    it("ZooKeeper, Kafka and node-exporter come up side by side: none waits for another's rollout", () => {
        const workloads = dev.resources.filter((r) => awaited.includes(r.type));
        assert.deepEqual(workloads.map((r) => r.name).sort(), ["kafka", "node-exporter", "zk"]);
        for (const w of workloads) {
            const before = upstream(dev.resources, w);
            for (const other of workloads.filter((o) => o !== w)) assert.ok(!before.has(other.urn!), `${w.name} does not wait for ${other.name}`);
        }
    });

    it("would show a second rollout if Kafka waited for ZooKeeper's", () => {
        const zk = dev.resources.find((r) => r.name === "zk" && awaited.includes(r.type))!;
        const chained = dev.resources.map((r) => (r.name === "kafka" && awaited.includes(r.type) ? { ...r, dependencies: [...(r.dependencies ?? []), zk.urn!] } : r));
        const rollouts = criticalPath(chained).chain.filter((r) => awaited.includes(r.type)).map((r) => r.name);
        assert.deepEqual(rollouts, ["zk", "kafka"]);
    });
});
