import { strict as assert } from "assert";
import { requirePodAntiAffinity } from "../../../policy/rules/require-pod-anti-affinity";
import { Obj, clone, resourceViolations } from "../harness";
import { find, render } from "../../harness/render";

const check = (o: Obj, config = {}) => resourceViolations(requirePodAntiAffinity, o, config);
const term = (o: Obj) => o.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];

describe("policy require-pod-anti-affinity", () => {
    let zk: Obj;
    before(async () => {
        zk = find(await render(), "StatefulSet", "zk");
    });

    it("passes the rendered ZooKeeper and Kafka StatefulSets", async () => {
        assert.deepEqual(check(zk), []);
        assert.deepEqual(check(find(await render(), "StatefulSet", "kafka")), []);
    });

    it("passes a single-replica Deployment, and a zone-spread one", () => {
        assert.deepEqual(check({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "one" }, spec: { replicas: 1, template: { metadata: { labels: { app: "one" } }, spec: {} } } }), []);
        const zonal = clone(zk);
        term(zonal).topologyKey = "topology.kubernetes.io/zone";
        assert.deepEqual(check(zonal), []);
    });

    const mutations: Array<[string, (o: Obj) => void, RegExp]> = [
        ["no affinity at all", (o) => delete o.spec.template.spec.affinity, /must spread with a requiredDuringScheduling/],
        ["preferred only", (o) => {
            const t = term(o);
            o.spec.template.spec.affinity.podAntiAffinity = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: t }] };
        }, /must be required, not only preferred/],
        ["another topologyKey", (o) => (term(o).topologyKey = "kubernetes.io/os"), /must use topologyKey kubernetes\.io\/hostname or topology\.kubernetes\.io\/zone, got kubernetes\.io\/os/],
        ["a selector naming another value (the tutorial copy's bug)", (o) => (term(o).labelSelector = { matchLabels: { app: "zookeeper" } }), /must select the workload's own pods \(.*app=zk.*\), but its selector \(app=zookeeper\) misses them/],
        ["matchExpressions In another value", (o) => (term(o).labelSelector = { matchExpressions: [{ key: "app", operator: "In", values: ["zookeeper"] }] }), /misses them/],
        ["matchExpressions NotIn its own value", (o) => (term(o).labelSelector = { matchExpressions: [{ key: "app", operator: "NotIn", values: ["zk"] }] }), /misses them/],
        ["matchExpressions Exists on a key its pods lack", (o) => (term(o).labelSelector = { matchExpressions: [{ key: "tier", operator: "Exists" }] }), /misses them/],
        ["matchExpressions DoesNotExist on a key its pods carry", (o) => (term(o).labelSelector = { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }), /misses them/],
        ["no labelSelector (selects nothing)", (o) => delete term(o).labelSelector, /misses them/],
        ["namespaces that exclude its own", (o) => (term(o).namespaces = ["elsewhere"]), /misses them/],
        ["a replicated Deployment without anti-affinity", (o) => {
            o.kind = "Deployment";
            delete o.spec.template.spec.affinity;
        }, /must spread/],
    ];
    for (const [what, mutate, expected] of mutations) {
        it(`fails on ${what}`, () => {
            const o = clone(zk);
            mutate(o);
            const found = check(o);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], expected);
        });
    }

    it("takes its topology keys and kinds from config", () => {
        const os = clone(zk);
        term(os).topologyKey = "kubernetes.io/os";
        assert.deepEqual(check(os, { topologyKeys: ["kubernetes.io/os"] }), []);
        const bare = clone(zk);
        delete bare.spec.template.spec.affinity;
        assert.deepEqual(check(bare, { kinds: ["Deployment"] }), [], "StatefulSets not covered");
    });
});
