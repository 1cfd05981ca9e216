import { strict as assert } from "assert";
import { RenderedStack, find, render } from "../../harness/render";
import { Container, StatefulSet } from "../../harness/kube-types";

type Spread = { maxSkew: number; topologyKey: string; whenUnsatisfiable: string; labelSelector: { matchLabels: Record<string, string> } };
type Pod = { topologySpreadConstraints: Spread[]; affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: Array<{ labelSelector: unknown }> } } };
type Policy = { spec: { egress?: Array<{ to: Array<{ ipBlock?: { cidr: string } }>; ports: Array<{ port: number }> }> } };

const pod = (s: RenderedStack, sts: string) => find<StatefulSet>(s, "StatefulSet", sts).spec.template.spec as unknown as Pod;
const kafkaEnv = (s: RenderedStack) => (find<StatefulSet>(s, "StatefulSet", "kafka").spec.template.spec.containers[0] as Container).env;
const metadataEgress = (s: RenderedStack) => (find<Policy>(s, "NetworkPolicy", "kafka").spec.egress ?? [])
    .filter((e) => e.to.some((t) => t.ipBlock)).map((e) => `${e.to[0].ipBlock!.cidr}:${e.ports[0].port}`);

describe("zones: spread and broker.rack (components/shared/pod.ts, kafka-spec.ts)", () => {
    let gke: RenderedStack;
    let existing: RenderedStack;
    before(async () => {
        // One at a time: each render runs the program in this process's one mock runtime.
        gke = await render();
        existing = await render({ "cluster.mode": "existing" });
    });

    it("on GKE spreads ZooKeeper and Kafka evenly over the zones, strictly, on the labels that select them", () => {
        for (const sts of ["zk", "kafka"]) {
            const { topologySpreadConstraints: [spread, ...more], affinity } = pod(gke, sts);
            assert.deepEqual(more, []);
            assert.deepEqual({ ...spread, labelSelector: undefined },
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: undefined });
            assert.deepEqual(spread.labelSelector, affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector);
            assert.deepEqual(spread.labelSelector, find<StatefulSet>(gke, "StatefulSet", sts).spec.selector);
        }
    });

    it("on GKE gives each broker its zone as broker.rack, from its pod label or GKE's metadata server, which only Kafka may reach", () => {
        const env = Object.fromEntries(kafkaEnv(gke).map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.KAFKA_RACK, "zone");
        assert.deepEqual(env.KAFKA_POD_ZONE, { fieldRef: { fieldPath: "metadata.labels['topology.kubernetes.io/zone']" } });
        assert.equal(env.KAFKA_ZONE_METADATA, "169.254.169.254:80");
        assert.deepEqual(metadataEgress(gke), ["169.254.169.254/32:80", "169.254.169.252/32:988"]);
        assert.deepEqual((find<Policy>(gke, "NetworkPolicy", "zookeeper").spec.egress ?? []).filter((e) => e.to.some((t) => t.ipBlock)), []);
        const spec = find<StatefulSet>(gke, "StatefulSet", "kafka").spec.template.spec as { automountServiceAccountToken?: boolean };
        assert.equal(spec.automountServiceAccountToken, false, "no API token: the zone comes without reading the Node");
    });

    it("on an existing cluster prefers the spread (its nodes may lack zone labels) and sets no rack unless asked", async () => {
        for (const sts of ["zk", "kafka"]) assert.equal(pod(existing, sts).topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
        assert.ok(!kafkaEnv(existing).some((e) => e.name.startsWith("KAFKA_RACK") || e.name.startsWith("KAFKA_ZONE")));
        assert.deepEqual(metadataEgress(existing), []);
        const labelled = await render({ "cluster.mode": "existing", "kafka.rack": "zone" });
        const env = kafkaEnv(labelled).map((e) => e.name);
        assert.ok(env.includes("KAFKA_POD_ZONE") && !env.includes("KAFKA_ZONE_METADATA"), "only the pod label tells the zone there");
    });

    it("kafka.rack none on GKE: no rack, no way to the metadata server", async () => {
        const none = await render({ "kafka.rack": "none" });
        assert.ok(!kafkaEnv(none).some((e) => e.name === "KAFKA_RACK"));
        assert.deepEqual(metadataEgress(none), []);
    });
});
