import { strict as assert } from "assert";
import { changeProblems, deployedRecord } from "../../schema/deployed";
import { ZOOKEEPER_DEFAULTS } from "../../components/zookeeper-options";
import * as v from "valibot";
import { KafkaOptions, kafkaOptions } from "../../components/kafka-options";

const KAFKA_DEFAULTS: KafkaOptions = { ...v.parse(kafkaOptions, {}), rack: "zone" };
const live = { namespace: "zk-kafka", zookeeper: ZOOKEEPER_DEFAULTS, kafka: KAFKA_DEFAULTS };
const record = deployedRecord(live);
const change = (zookeeper: Partial<typeof ZOOKEEPER_DEFAULTS>, kafka: Partial<typeof KAFKA_DEFAULTS>) =>
    changeProblems(record, { namespace: "zk-kafka", zookeeper: { ...ZOOKEEPER_DEFAULTS, ...zookeeper }, kafka: { ...KAFKA_DEFAULTS, ...kafka } });

describe("changes checked against the last deployment (schema/deployed.ts)", () => {
    it("records the namespace, the volumes' size and class and the brokers' chroot", () => {
        assert.deepEqual(record, { version: 1, namespace: "zk-kafka", zookeeper: { storageSize: "10Gi" }, kafka: { storageSize: "20Gi", zookeeperChroot: "/kafka" } });
    });

    it("lets volumes grow, and lets anything through with no record (a stack never deployed)", () => {
        assert.deepEqual(change({ storageSize: "15Gi" }, { storageSize: "100Gi" }), []);
        assert.deepEqual(change({}, { storageSize: "20480Mi" }), [], "the same size, written otherwise");
        assert.deepEqual(changeProblems(undefined, { ...live, kafka: { ...KAFKA_DEFAULTS, storageSize: "1Gi" } }), []);
        assert.deepEqual(changeProblems({ version: 2 }, live), [], "a record it cannot read");
    });

    it("refuses a shrink, naming the key, the live size and the procedure", () => {
        assert.deepEqual(change({}, { storageSize: "10Gi" }), [
            "zk-kafka-gke:kafka.storageSize must be at least 20Gi, the size of the brokers' volumes (a PersistentVolumeClaim cannot shrink), " +
            "got 10Gi: for smaller disks see docs/runbook.md, \"Moving to other disks\""]);
        assert.match(change({ storageSize: "9Gi" }, {})[0], /^zk-kafka-gke:zookeeper\.storageSize must be at least 10Gi, the size of the servers' volumes/);
    });

    it("refuses any change of a storage class, set or unset", () => {
        assert.match(change({}, { storageClass: "premium-rwo" })[0],
            /^zk-kafka-gke:kafka\.storageClass must stay unset \(the cluster's default class\), the class of the brokers' volumes .*got premium-rwo/);
        const premium = deployedRecord({ ...live, zookeeper: { ...ZOOKEEPER_DEFAULTS, storageClass: "premium-rwo" } });
        assert.match(changeProblems(premium, live)[0], /^zk-kafka-gke:zookeeper\.storageClass must stay premium-rwo, .*got unset/);
    });

    it("refuses a new ZooKeeper chroot for the brokers", () => {
        assert.deepEqual(change({}, { zookeeperChroot: "/kafka-2" }), [
            "zk-kafka-gke:kafka.zookeeperChroot must stay /kafka, where the brokers' cluster lives in ZooKeeper (their data carries its cluster.id), " +
            "got /kafka-2: see docs/runbook.md, \"Changing the ZooKeeper chroot\""]);
    });

    it("refuses a new namespace, which would delete every pod and volume of the old one at once", () => {
        assert.match(changeProblems(record, { ...live, namespace: "data" })[0],
            /^zk-kafka-gke:namespace must stay zk-kafka, where the live pods and volumes are .*got data/);
    });
});
