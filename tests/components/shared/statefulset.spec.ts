import { strict as assert } from "assert";
import * as v from "valibot";
import { RenderedStack, find, rejection, render } from "../../harness/render";
import { StatefulSet } from "../../harness/kube-types";
import { kafkaOptions, KafkaOptions } from "../../../components/kafka";
import { ZOOKEEPER_DEFAULTS, ZooKeeperOptions } from "../../../components/zookeeper";
import { kafkaSpecs } from "../../../components/kafka";
import { zookeeperSpecs } from "../../../components/zookeeper";

const claimPatches = (s: RenderedStack, sts: string) => s.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaimPatch" &&
    (r.props.metadata as { name: string }).name.startsWith(`datadir-${sts}-`));

describe("stateful workloads' volumes and replacements (components/shared/statefulset.ts)", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("holds every pod's claim at the configured size with a patch made after the rollout, left alone on delete", () => {
        for (const [sts, size] of [["zk", "10Gi"], ["kafka", "20Gi"]] as const) {
            const statefulSet = defaults.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === sts)!;
            const patches = claimPatches(defaults, sts);
            assert.deepEqual(patches.map((p) => p.name), [0, 1, 2].map((i) => `datadir-${sts}-${i}`));
            for (const p of patches) {
                assert.deepEqual(p.props.spec, { resources: { requests: { storage: size } } });
                assert.equal((p.props.metadata as { annotations: Record<string, string> }).annotations["pulumi.com/patchForce"], "true");
                assert.ok(p.dependencies?.includes(statefulSet.urn!), `${p.name} waits for the StatefulSet's pods, hence their claims`);
                assert.equal(p.retainOnDelete, true, "the provider cannot delete a Patch that manages a required field");
            }
        }
        assert.ok(!defaults.objects.some((o) => o.kind === "PersistentVolumeClaim"), "patches are not objects of manifests.yaml");
    });

    it("grows the volumes in place when storageSize rises on a live stack: the patches carry the new size", async () => {
        const grown = await render({ "kafka.storageSize": "50Gi", "zookeeper.storageSize": "12Gi" }, "dev", { deployed: defaults.outputs.deployed });
        assert.ok(claimPatches(grown, "kafka").every((p) => JSON.stringify(p.props.spec).includes("50Gi")));
        assert.ok(claimPatches(grown, "zk").every((p) => JSON.stringify(p.props.spec).includes("12Gi")));
    });

    it("refuses at preview, before anything is created, a shrink, a class change or a chroot change of a live stack", async () => {
        const deployed = { deployed: defaults.outputs.deployed };
        assert.match(await rejection({ "kafka.storageSize": "10Gi" }, "dev", deployed), /^zk-kafka-gke:kafka\.storageSize must be at least 20Gi/);
        assert.match(await rejection({ "zookeeper.storageClass": "premium-rwo" }, "dev", deployed), /^zk-kafka-gke:zookeeper\.storageClass must stay unset/);
        assert.match(await rejection({ "kafka.zookeeperChroot": "/other" }, "dev", deployed), /^zk-kafka-gke:kafka\.zookeeperChroot must stay \/kafka/);
        assert.match(await rejection({ namespace: "data" }, "dev", deployed), /^zk-kafka-gke:namespace must stay zk-kafka/);
        await render({ "kafka.storageSize": "10Gi", "kafka.zookeeperChroot": "/other" }, "dev", {});
    });

    it("never deletes the pods when it replaces a StatefulSet: the object alone goes, the new one adopts them", () => {
        for (const sts of ["zk", "kafka"]) {
            assert.equal(find<StatefulSet>(defaults, "StatefulSet", sts).metadata.annotations["pulumi.com/deletionPropagationPolicy"], "orphan");
        }
    });
});

/**
 * The fields whose change makes @pulumi/kubernetes replace a StatefulSet (provider/pkg/provider/
 * diff.go, `statefulSet`, plus metadata name and namespace); the API server refuses to update
 * them in place. docs/runbook.md, "Changes that replace a StatefulSet", lists the keys below.
 */
const REPLACING_FIELDS = ["podManagementPolicy", "revisionHistoryLimit", "selector", "serviceName", "volumeClaimTemplates"];
const REPLACES = ["zookeeper.storageSize", "zookeeper.storageClass", "zookeeper.podManagementPolicy", "kafka.storageSize", "kafka.storageClass", "namespace"];

/** A changed, valid value for every setting of each workload: a new key must be classified here. */
const ZK_CHANGES: { [K in keyof ZooKeeperOptions]-?: ZooKeeperOptions[K] } = {
    replicas: 5, image: "docker.io/library/zookeeper:3.9.3", podManagementPolicy: "OrderedReady", updatePartition: 1, storageSize: "20Gi",
    storageClass: "premium-rwo", heap: "256M", cpu: "1", memory: "2Gi", tickTime: 3000, initLimit: 20, syncLimit: 4, maxClientCnxns: 100,
    snapRetainCount: 5, purgeInterval: 24, minSessionTimeout: 6000, maxSessionTimeout: 60000, allowedClients: [{ namespaceSelector: { team: "x" } }],
    metrics: true, enabled: false,
};
const KAFKA_CHANGES: { [K in keyof KafkaOptions]-?: KafkaOptions[K] } = {
    replicas: 5, image: "docker.io/apache/kafka:3.9.1", updatePartition: 1, storageSize: "40Gi", storageClass: "premium-rwo", heap: "768m",
    cpu: "1", memory: "3Gi", defaultReplicationFactor: 3, minInsyncReplicas: 1, autoCreateTopics: true, zookeeperChroot: "/k", numPartitions: 6,
    logRetentionHours: 24, allowedClients: [{ namespaceSelector: { team: "x" } }], rack: "none", metrics: true, metricsPerTopic: true, zookeeperAcl: "open",
    plaintextReason: "a test of every key", tls: false, certificateHours: 2000, certificateRenewHours: 100, caHours: 20000, certificateGeneration: 2, caGeneration: 2, caPhase: "issue",
    users: [{ name: "app", namespace: "apps", authentication: "tls" }], acls: [{ user: "app", topic: "t", pattern: "prefixed", operations: ["Read"] }],
    emptiedBrokers: [5, 6], accessReconcileSchedule: "0 * * * *",
    metadata: "migration", controllerReplicas: 5, controllerStorageSize: "20Gi", controllerHeap: "768m", controllerCpu: "1", controllerMemory: "2Gi",
};

describe("the changes that replace a StatefulSet", () => {
    const replacing = (a: object, b: object) => REPLACING_FIELDS.some((f) =>
        JSON.stringify((a as Record<string, unknown>)[f]) !== JSON.stringify((b as Record<string, unknown>)[f]));
    const where = { namespace: "zk-kafka", clusterDomain: "cluster.local", zoneSpread: "DoNotSchedule" as const };
    const zk = (s: ZooKeeperOptions, at = where) => zookeeperSpecs({ ...s, ...at }).statefulSet;
    const kafka = (s: KafkaOptions, at = where) => kafkaSpecs({ ...s, ...at, zookeeperConnect: "zk-cs:2181" }).statefulSet;

    it("are exactly the documented ones, each of which only orphans and re-adopts the pods", () => {
        const kafkaDefaults: KafkaOptions = { ...v.parse(kafkaOptions, {}), rack: "zone" };
        const found: string[] = [];
        for (const [key, value] of Object.entries(ZK_CHANGES)) {
            const changed = { ...ZOOKEEPER_DEFAULTS, [key]: value } as ZooKeeperOptions;
            if (replacing(zk(ZOOKEEPER_DEFAULTS).spec as object, zk(changed).spec as object)) found.push(`zookeeper.${key}`);
        }
        for (const [key, value] of Object.entries(KAFKA_CHANGES)) {
            const changed = { ...kafkaDefaults, [key]: value } as KafkaOptions;
            if (replacing(kafka(kafkaDefaults).spec as object, kafka(changed).spec as object)) found.push(`kafka.${key}`);
        }
        const moved = { ...where, namespace: "elsewhere" };
        if (JSON.stringify(zk(ZOOKEEPER_DEFAULTS).metadata) !== JSON.stringify(zk(ZOOKEEPER_DEFAULTS, moved).metadata)) found.push("namespace");
        assert.deepEqual(found.sort(), [...REPLACES].sort());
    });
});
