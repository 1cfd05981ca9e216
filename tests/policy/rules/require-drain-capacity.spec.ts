import { strict as assert } from "assert";
import { requireDrainCapacity } from "../../../policy/rules/require-drain-capacity";
import { Obj, clone, nodePool, stackViolations } from "../harness";
import { render } from "../../harness/render";

const check = (objects: Obj[], config = {}) => stackViolations(requireDrainCapacity, objects, config);

describe("policy require-drain-capacity", () => {
    let kube: Obj[];
    before(async () => {
        kube = (await render()).objects as Obj[];
    });
    const sts = (os: Obj[], name: string) => os.find((o) => o.kind === "StatefulSet" && o.metadata.name === name)!;
    const pdb = (os: Obj[], name: string) => os.find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === name)!;

    it("passes the rendered dev stack's four nodes for three servers and three brokers", () => {
        assert.deepEqual(check([...kube, nodePool(4)]), []);
    });

    it("counts a regional pool's zones, listed or GKE's three", () => {
        assert.deepEqual(check([...kube, nodePool(2, "europe-west1")]), [], "2 x 3 zones");
        assert.deepEqual(check([...kube, nodePool(2, "europe-west1", ["europe-west1-b", "europe-west1-c"])]), [], "2 x 2 zones");
    });

    const failures: Array<[string, () => Obj[], RegExp, string?]> = [
        ["three nodes for three servers", () => [...kube, nodePool(3)], /must hold replicas \(3\) \+ 1 \(zk-pdb maxUnavailable\) = 4 nodes.*got 3 nodes \(3 x 1 zone\)/, "zk-kafka/zk"],
        ["three nodes for three brokers too", () => [...kube, nodePool(3)], /kafka-pdb maxUnavailable/, "zk-kafka/kafka"],
        ["a regional pool of one node per zone", () => [...kube, nodePool(1, "europe-west1")], /got 3 nodes \(1 x 3 zones\)/],
        ["two zones of two nodes for five servers", () => {
            const os = clone(kube);
            sts(os, "zk").spec.replicas = 5;
            return [...os, nodePool(2, "europe-west1", ["europe-west1-b", "europe-west1-c"])];
        }, /replicas \(5\) \+ 1 .* = 6 nodes.*got 4 nodes/],
        ["a PDB that lets two go", () => {
            const os = clone(kube);
            pdb(os, "zk-pdb").spec.maxUnavailable = 2;
            return [...os, nodePool(4)];
        }, /replicas \(3\) \+ 2 \(zk-pdb maxUnavailable\) = 5 nodes/],
        ["a percentage PDB, rounded up", () => {
            const os = clone(kube);
            sts(os, "kafka").spec.replicas = 4;
            pdb(os, "kafka-pdb").spec.maxUnavailable = "50%";
            return [...os, nodePool(5)];
        }, /replicas \(4\) \+ 2 \(kafka-pdb maxUnavailable\) = 6 nodes/],
        ["a hostname-spread Deployment without a PDB", () => [...kube, nodePool(4), {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "web" },
            spec: { replicas: 4, template: { metadata: { labels: { app: "api" } }, spec: { affinity: { podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "api" } }, topologyKey: "kubernetes.io/hostname" }] } } } } },
        }], /replicas \(4\) \+ 1 \(one evicted pod\) = 5 nodes/, "web/api"],
        ["a configured node count too small for a stack without pools", () => kube, /got 3 nodes \(policy config\)/],
    ];
    for (const [what, objects, expected, subject] of failures) {
        it(`fails on ${what}`, () => {
            const found = check(objects(), what.includes("configured") ? { nodes: 3 } : {});
            assert.ok(found.some((v) => expected.test(v.message) && (subject === undefined || v.subject === subject)), JSON.stringify(found));
        });
    }

    it("says it cannot verify, and does not pass silently, when the stack has no node pool", () => {
        assert.throws(() => check(kube), (e: Error) => /^cannot verify: the stack has no GKE NodePool, so the nodes that must hold .*StatefulSet zk-kafka\/zk/.test(e.message) && /StatefulSet zk-kafka\/kafka/.test(e.message));
        assert.deepEqual(check(kube, { nodes: 4 }), [], "unless its config names the nodes");
    });

    it("leaves stacks without hostname-spread workloads alone", () => {
        assert.deepEqual(check(kube.filter((o) => o.kind !== "StatefulSet")), []);
    });
});
