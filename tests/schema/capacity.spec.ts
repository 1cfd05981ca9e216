import { strict as assert } from "assert";
import { capacityProblems, gkeAllocatable, statefulWorkloads } from "../../schema/capacity";
import { rejection, render } from "../harness/render";

const zonal = (nodeCount?: number, machineType = "e2-standard-2") => ({ mode: "gke" as const, nodeCount, regional: false, machineType });
const small = { cpu: "100m", memory: "256Mi" };
const zk = (replicas: number) => statefulWorkloads({ zookeeper: { replicas, ...small }, kafka: { replicas: 1, ...small } }).slice(0, 1);
const both = (zkMem: string, kafkaMem: string, kafkaReplicas = 3) =>
    statefulWorkloads({ zookeeper: { replicas: 3, cpu: "500m", memory: zkMem }, kafka: { replicas: kafkaReplicas, cpu: "500m", memory: kafkaMem } });

describe("capacity rule", () => {
    it("accepts four nodes for three servers: one drained node still leaves each server a node", () => {
        assert.deepEqual(capacityProblems(zonal(4), zk(3)), { problems: [], warnings: [] });
    });

    it("rejects three nodes for three servers, naming both keys", () => {
        const [problem] = capacityProblems(zonal(3), zk(3)).problems;
        assert.match(problem, /^zk-kafka-gke:cluster\.nodeCount \(3 nodes\) must be >= zookeeper\.replicas \(3\) \+ 1 \(zk-pdb maxUnavailable\) = 4/);
        assert.equal(capacityProblems(zonal(5), zk(5)).problems.length, 1);
        assert.equal(capacityProblems(zonal(6), zk(5)).problems.length, 0);
    });

    it("applies the hostname rule to Kafka's brokers too", () => {
        const [problem] = capacityProblems(zonal(4), both("1Gi", "2Gi", 4)).problems;
        assert.match(problem, /^zk-kafka-gke:cluster\.nodeCount \(4 nodes\) must be >= kafka\.replicas \(4\) \+ 1 \(kafka-pdb maxUnavailable\) = 5/);
    });

    it("counts a regional pool's nodeCount per zone", () => {
        const regional = (nodeCount: number, zones?: string[]) => ({ mode: "gke" as const, nodeCount, regional: true, zones, machineType: "e2-standard-2" });
        assert.equal(capacityProblems(regional(2), zk(5)).problems.length, 0, "2 x 3 default zones = 6");
        assert.match(capacityProblems(regional(1), zk(3)).problems[0], /\(1 per zone x 3 zones = 3 nodes\)/);
        assert.equal(capacityProblems(regional(2, ["a-b1-x", "a-b1-y"]), zk(3)).problems.length, 0, "2 x 2 zones = 4");
        assert.equal(capacityProblems(regional(2, ["a-b1-x", "a-b1-y"]), zk(5)).problems.length, 1);
        // 3 brokers of 6Gi do not fit 3 spare e2-standard-2 nodes, but 5 spare ones of a regional pool hold them.
        assert.equal(capacityProblems(zonal(4), both("1Gi", "4Gi")).problems.length, 0);
        assert.ok(capacityProblems(zonal(4), both("1Gi", "5Gi")).problems.length > 0);
        assert.equal(capacityProblems(regional(2), both("1Gi", "5Gi")).problems.length, 0, "2 x 3 zones = 6 nodes, 5 with one drained");
    });

    it("accepts no regional pool whose zones could not hold the zone spread through a drain", () => {
        // A zone holds floor(R/Z) or ceil(R/Z) pods; one drained from a floor zone must stay in its zone.
        for (let zones = 2; zones <= 5; zones++) {
            const names = Array.from({ length: zones }, (_, i) => `eu-w1-${"abcde"[i]}`);
            for (let nodeCount = 1; nodeCount <= 8; nodeCount++) {
                for (let replicas = 1; replicas <= 15; replicas += 2) {
                    const cluster = { mode: "gke" as const, nodeCount, regional: true, zones: names, machineType: "e2-standard-8" };
                    if (capacityProblems(cluster, zk(replicas)).problems.length === 0) {
                        assert.ok(nodeCount >= Math.floor(replicas / zones) + 1, `${replicas} over ${zones} zones of ${nodeCount} nodes`);
                    }
                }
            }
        }
    });

    it("follows GKE's published reservation formula", () => {
        const e2s2 = gkeAllocatable(2, 8);
        assert.equal(Number(e2s2.cpu.toFixed(3)), 1.93, "2 - 6% - 1%");
        assert.equal(Number((e2s2.memoryBytes / 2 ** 30).toFixed(3)), Number((8 - 1 - 0.8 - 100 / 1024).toFixed(3)), "25% of 4 + 20% of 4 + 100Mi");
        const big = gkeAllocatable(8, 32);
        assert.equal(Number(big.cpu.toFixed(3)), Number((8 - 0.06 - 0.01 - 0.01 - 0.01).toFixed(3)));
        assert.equal(Number((big.memoryBytes / 2 ** 30).toFixed(3)), Number((32 - 1 - 0.8 - 0.8 - 0.96 - 100 / 1024).toFixed(3)));
    });

    it("shows the arithmetic when the brokers' memory exceeds what the spare nodes can allocate", () => {
        const problems = capacityProblems(zonal(4), both("1Gi", "6Gi")).problems;
        const aggregate = problems.find((p) => p.includes("exceeds"))!;
        assert.match(aggregate, /^zk-kafka-gke:kafka\.memory \(6Gi\) x 3 \+ zk-kafka-gke:zookeeper\.memory \(1Gi\) x 3 = 21Gi exceeds what 3 of 4 e2-standard-2 nodes can allocate with one drained \(3 x 5\.6Gi = 16\.8Gi: 6\.1Gi allocatable each, less 0\.5Gi for GKE's system DaemonSets\)/);
        assert.ok(problems.some((p) => /^zk-kafka-gke:kafka\.memory \(6Gi\) must fit on one e2-standard-2 node, which can give a pod 5\.6Gi/.test(p)));
    });

    it("counts DaemonSets on every node", () => {
        const daemon = { name: "node-exporter", cpu: "100m", memory: "1Gi" };
        assert.equal(capacityProblems(zonal(4), both("1Gi", "4Gi")).problems.length, 0);
        assert.match(capacityProblems(zonal(4), both("1Gi", "4Gi"), [daemon]).problems.join("\n"), /less 1\.5Gi for GKE's system DaemonSets and node-exporter/);
    });

    it("counts the pods that may run anywhere (the access Job's, the lag exporter's) in what the spare nodes must hold", () => {
        const floating = [{ name: "the kafka-access Job", cpu: "100m", memory: "384Mi" }, { name: "kafka-exporter", cpu: "50m", memory: "128Mi" }];
        assert.equal(capacityProblems(zonal(4), both("1Gi", "4.5Gi")).problems.length, 0, "16.5Gi of 16.8Gi without them");
        assert.match(capacityProblems(zonal(4), both("1Gi", "4.5Gi"), [], floating).problems.join("\n"),
            /\+ the kafka-access Job \(384Mi\) \+ kafka-exporter \(128Mi\) = 17Gi exceeds what 3 of 4 e2-standard-2 nodes can allocate/);
    });

    it("warns, and does not fail, when an existing cluster's size or a machine's shape is unknown", () => {
        const r = capacityProblems({ mode: "existing", regional: false }, zk(3));
        assert.deepEqual(r.problems, []);
        assert.match(r.warnings[0], /cluster\.nodeCount is not set, so the capacity rule cannot be checked .* at least 4/);
        assert.match(capacityProblems({ mode: "existing", nodeCount: 4, regional: false }, zk(3)).warnings[0], /resource rule is not checked for an existing cluster/);
        const unknown = capacityProblems(zonal(4, "a3-highgpu-1g"), both("1Gi", "60Gi"));
        assert.deepEqual(unknown.problems, []);
        assert.match(unknown.warnings[0], /cluster\.machineType a3-highgpu-1g is not in the program's table .* not checked/);
    });

    it("accepts the stacks' defaults and rejects an oversized kafka.memory through the config", async () => {
        for (const stack of ["dev", "prod", "local"]) await render({}, stack);
        assert.match(await rejection({ "kafka.memory": "8Gi", "kafka.heap": "4g" }), /^zk-kafka-gke:kafka\.memory \(8Gi\) x 3 .* exceeds what 3 of 4 e2-standard-2 nodes/m);
    });
});
