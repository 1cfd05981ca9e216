import { strict as assert } from "assert";
import { waitForSatisfied } from "../../harness/wait-for";
import { partitionedRolloutCondition, rolloutTimeoutSeconds, statefulSetAwaitAnnotations } from "../../../components/shared/pod";

type Status = {
    observedGeneration: number; replicas: number; readyReplicas?: number; updatedReplicas?: number; currentReplicas?: number;
    currentRevision: string; updateRevision: string;
};

/** The StatefulSet as the API server serves it: status fields at zero are omitted (omitempty). */
function satisfied(condition: string, generation: number, status: Status): boolean {
    const served = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0));
    return waitForSatisfied(condition, { metadata: { generation }, spec: { replicas: status.replicas }, status: served });
}

const s = (gen: number, ready: number, updated: number, current: string, update: string): Status =>
    ({ observedGeneration: gen, replicas: 3, readyReplicas: ready, updatedReplicas: updated, currentRevision: current, updateRevision: update });

describe("the StatefulSet rollout await", () => {
    it("waits, with a canary (partition 2 of 3), until the canary runs the new revision and is Ready", () => {
        const c = partitionedRolloutCondition(3, 2);
        // The controller's statuses for an image change, generation 5 (stateful_set_control.go):
        // its first status of the new generation, before the canary has even restarted, still has
        // every pod Ready; `readyReplicas == 3` alone was satisfied there.
        const timeline = [s(4, 3, 0, "r1", "r1"), s(5, 3, 0, "r1", "r2"), s(5, 2, 0, "r1", "r2"), s(5, 2, 1, "r1", "r2")];
        for (const status of timeline) assert.equal(satisfied(c, 5, status), false, JSON.stringify(status));
        assert.equal(satisfied(c, 5, s(5, 3, 1, "r1", "r2")), true);
        assert.equal(satisfied("jsonpath={.status.readyReplicas}=3", 5, timeline[1]), true, "what the old condition accepted");
    });

    it("never passes while a crash-looping canary keeps readyReplicas below the replicas (the provider's timeout fails the update)", () => {
        const c = partitionedRolloutCondition(3, 2);
        for (let i = 0; i < 20; i++) assert.equal(satisfied(c, 5, s(5, 2, 1, "r1", "r2")), false);
    });

    it("waits for a rollback of the canary to the current revision, where the untouched pods count as updated", () => {
        const c = partitionedRolloutCondition(3, 2);
        assert.equal(satisfied(c, 6, s(6, 3, 2, "r1", "r1")), false, "kafka-2 still runs r2");
        assert.equal(satisfied(c, 6, s(6, 2, 2, "r1", "r1")), false);
        assert.equal(satisfied(c, 6, s(6, 3, 3, "r1", "r1")), true);
    });

    it("waits for each further step of a staged rollout (partition 2 -> 1), and for a newer canary over an old one", () => {
        const c = partitionedRolloutCondition(3, 1);
        assert.equal(satisfied(c, 7, s(7, 3, 1, "r1", "r2")), false);
        assert.equal(satisfied(c, 7, s(7, 3, 2, "r1", "r2")), true);
        assert.equal(satisfied(partitionedRolloutCondition(3, 2), 8, s(8, 3, 0, "r1", "r3")), false, "r2's canary does not count for r3");
    });

    it("passes a fresh StatefulSet created with a partition once every pod is Ready, and a stage (partition = replicas) on readiness alone", () => {
        assert.equal(satisfied(partitionedRolloutCondition(3, 2), 1, s(1, 2, 3, "r1", "r1")), false);
        assert.equal(satisfied(partitionedRolloutCondition(3, 2), 1, s(1, 3, 3, "r1", "r1")), true);
        assert.equal(satisfied(partitionedRolloutCondition(3, 3), 2, s(2, 3, 0, "r1", "r2")), true);
        assert.equal(satisfied(partitionedRolloutCondition(3, 3), 2, s(2, 2, 0, "r1", "r2")), false);
    });

    it("leaves partition 0 to the provider's own StatefulSet await, and always sets the timeout", () => {
        assert.deepEqual(statefulSetAwaitAnnotations(3, 0, 600), { "pulumi.com/timeoutSeconds": "600" });
        assert.deepEqual(Object.keys(statefulSetAwaitAnnotations(3, 1, 600)).sort(), ["pulumi.com/timeoutSeconds", "pulumi.com/waitFor"]);
    });

    it("gives a roll replicas x (pre-start wait + startup probe budget + grace) seconds", () => {
        const startupProbe = { periodSeconds: 10, failureThreshold: 90 };
        assert.equal(rolloutTimeoutSeconds(3, { preStartSeconds: 300, startupProbe, terminationGracePeriodSeconds: 120 }), 3 * (300 + 900 + 120));
        assert.equal(rolloutTimeoutSeconds(5, { startupProbe: { periodSeconds: 10, failureThreshold: 60 } }), 5 * (600 + 30), "the kubelet's default grace");
    });
});
