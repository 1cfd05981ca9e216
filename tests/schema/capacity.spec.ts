import { strict as assert } from "assert";
import { capacityProblems } from "../../schema/capacity";

const zonal = (nodeCount?: number) => ({ mode: "gke" as const, nodeCount, regional: false });
const zk = (replicas: number) => ({ zookeeper: { replicas } });

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

    it("counts a regional pool's nodeCount per zone", () => {
        const regional = (nodeCount: number, zones?: string[]) => ({ mode: "gke" as const, nodeCount, regional: true, zones });
        assert.equal(capacityProblems(regional(2), zk(5)).problems.length, 0, "2 x 3 default zones = 6");
        assert.match(capacityProblems(regional(1), zk(3)).problems[0], /\(1 per zone x 3 zones = 3 nodes\)/);
        assert.equal(capacityProblems(regional(2, ["a-b1-x", "a-b1-y"]), zk(3)).problems.length, 0, "2 x 2 zones = 4");
        assert.equal(capacityProblems(regional(2, ["a-b1-x", "a-b1-y"]), zk(5)).problems.length, 1);
    });

    it("warns, and does not fail, when an existing cluster's size is unknown", () => {
        const r = capacityProblems({ mode: "existing", regional: false }, zk(3));
        assert.deepEqual(r.problems, []);
        assert.match(r.warnings[0], /cluster\.nodeCount is not set, so the capacity rule cannot be checked .* at least 4/);
    });
});
