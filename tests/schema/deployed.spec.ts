import { strict as assert } from "assert";
import { changeProblems, deployedRecord } from "../../schema/deployed";
import { ZOOKEEPER_DEFAULTS } from "../../components/zookeeper";
import * as v from "valibot";
import { CaPhase, KafkaOptions, kafkaOptions } from "../../components/kafka";
import type { ClusterTarget } from "../../schema/stack";

const KAFKA_DEFAULTS: KafkaOptions = { ...v.parse(kafkaOptions, {}), rack: "zone" };
const gke = (controlPlaneEndpoint?: "dns" | "ip", more: Partial<Extract<ClusterTarget, { mode: "gke" }>["gke"]> = {}): ClusterTarget =>
    ({ mode: "gke", regional: false, gke: { project: "p", location: "europe-west1-b", name: "zk-kafka-dev", controlPlaneEndpoint, ...more } });
const CREATED = "created by this program";
const live = { namespace: "zk-kafka", zookeeper: ZOOKEEPER_DEFAULTS, kafka: KAFKA_DEFAULTS, cluster: gke("dns") };
const record = deployedRecord(live);
const change = (zookeeper: Partial<typeof ZOOKEEPER_DEFAULTS>, kafka: Partial<typeof KAFKA_DEFAULTS>) =>
    changeProblems(record, { ...live, zookeeper: { ...ZOOKEEPER_DEFAULTS, ...zookeeper }, kafka: { ...KAFKA_DEFAULTS, ...kafka } });

describe("changes checked against the last deployment (schema/deployed.ts)", () => {
    it("records the namespace, the volumes' size and class and the brokers' chroot", () => {
        assert.deepEqual(record, { version: 1, namespace: "zk-kafka", zookeeper: { storageSize: "10Gi", sasl: true }, kafka: { storageSize: "20Gi", zookeeperChroot: "/kafka", tls: true, replicas: 3,
            ca: { generation: 1, phase: "complete" } }, cluster: { mode: "gke", controlPlaneEndpoint: "dns", bootDisk: CREATED } });
        assert.deepEqual(deployedRecord({ ...live, cluster: gke() }).cluster, { mode: "gke", controlPlaneEndpoint: "dns", bootDisk: CREATED }, "the keys' defaults");
        assert.deepEqual(deployedRecord({ ...live, cluster: { mode: "existing", regional: false, existing: {} } }).cluster, { mode: "existing" });
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

    it("refuses lowering kafka.replicas until every broker it deletes is listed in kafka.emptiedBrokers, with the reassignment steps", () => {
        const five = deployedRecord({ ...live, kafka: { ...KAFKA_DEFAULTS, replicas: 5 } });
        const to = (replicas: number, emptiedBrokers: number[]) => changeProblems(five, { ...live, kafka: { ...KAFKA_DEFAULTS, replicas, emptiedBrokers } });
        assert.deepEqual(to(3, []), [
            "zk-kafka-gke:kafka.replicas must stay 5 until the brokers it removes hold no partition, got 3: lowering it deletes kafka-3, kafka-4 " +
            "with every replica they hold. Move their partitions first (kafka-reassign-partitions.sh --generate with --broker-list 0,1,2, then " +
            "--execute and --verify), check that kafka-topics.sh --describe lists none of them, then set kafka.emptiedBrokers to [3, 4]; " +
            "see docs/runbook.md, \"Removing brokers\""]);
        assert.equal(to(3, [4]).length, 1, "kafka-3 is not confirmed");
        assert.deepEqual(to(3, [3, 4]), []);
        assert.deepEqual(to(5, []), [], "no change");
        assert.deepEqual(to(7, []), [], "growing");
        // A record from before replicas were recorded: nothing to compare with.
        const { replicas: _replicas, ...older } = five.kafka;
        assert.deepEqual(changeProblems({ ...five, kafka: older }, { ...live, kafka: { ...KAFKA_DEFAULTS, replicas: 3 } }), []);
    });

    it("refuses a new namespace, which would delete every pod and volume of the old one at once", () => {
        assert.match(changeProblems(record, { ...live, namespace: "data" })[0],
            /^zk-kafka-gke:namespace must stay zk-kafka, where the live pods and volumes are .*got data/);
    });

    it("moves the kubeconfig to the DNS endpoint only once the Kubernetes provider has its cluster identifier", () => {
        // A record without `cluster` comes from a program whose provider had no identifier.
        const { cluster: _cluster, ...older } = record;
        // Such a stack's pool has Google-managed boot disks, which it keeps.
        const kept = gke("dns", { bootDiskEncryption: "google-managed" });
        assert.deepEqual(changeProblems(older, { ...live, cluster: kept }), [
            "zk-kafka-gke:cluster.controlPlaneEndpoint must be ip for one `pulumi up` first: this stack's Kubernetes provider has no cluster " +
            "identifier yet, and moving its kubeconfig to the DNS endpoint in the same update would replace every Kubernetes object, got dns: " +
            "set it to ip, run `pulumi up`, then remove it; see docs/ci-cd.md, \"Reaching the control plane\""]);
        assert.deepEqual(changeProblems(older, { ...live, cluster: gke("ip", { bootDiskEncryption: "google-managed" }) }), [], "the first update keeps the IP endpoint");
        const onIp = deployedRecord({ ...live, cluster: gke("ip") });
        assert.deepEqual(changeProblems(onIp, live), [], "then the switch is an update of the provider");
        assert.deepEqual(changeProblems(deployedRecord(live), { ...live, cluster: gke("ip") }), [], "and so is the way back");
        assert.deepEqual(changeProblems({ ...record, cluster: { mode: "gke", controlPlaneEndpoint: "public" } }, { ...live, namespace: "x" }), [],
            "a record it cannot read");
    });

    it("keeps the boot disk key the node pool was created with, unless the operator emptied the pool first", () => {
        const before = { ...record, cluster: { mode: "gke" as const, controlPlaneEndpoint: "dns" as const } };
        assert.deepEqual(changeProblems(before, live), [
            "zk-kafka-gke:cluster.bootDiskEncryption must stay google-managed, what this stack's node pool was created with, got cmek: a new boot " +
            "disk key replaces the pool, and GKE deletes the old pool without honouring PodDisruptionBudgets (every ZooKeeper server and broker " +
            "at once). Keep it (set zk-kafka-gke:cluster.bootDiskEncryption google-managed), or move the pods to a temporary pool first and set " +
            "zk-kafka-gke:cluster.allowNodePoolReplacement true for that `pulumi up`: see docs/runbook.md, \"Replacing the node pool\""],
            "a stack recorded before the key's choice has Google's");
        assert.deepEqual(changeProblems(before, { ...live, cluster: gke("dns", { bootDiskEncryption: "google-managed" }) }), []);
        const given = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k";
        assert.match(changeProblems(record, { ...live, cluster: gke("dns", { bootDiskKmsKey: given }) })[0],
            /^zk-kafka-gke:cluster\.bootDiskKmsKey must stay unset \(the key this program created\), what this stack's node pool was created with, got projects\/p\//);
        assert.match(changeProblems(deployedRecord({ ...live, cluster: gke("dns", { bootDiskKmsKey: given }) }), live)[0],
            /^zk-kafka-gke:cluster\.bootDiskKmsKey must stay projects\/p\/locations\/europe-west1\/keyRings\/r\/cryptoKeys\/k, .*got created by this program/);
        assert.deepEqual(changeProblems(before, { ...live, cluster: gke("dns", { allowNodePoolReplacement: true }) }), [], "the pool was emptied by hand");
        assert.deepEqual(changeProblems({ ...record, cluster: { mode: "existing" } }, live), [], "from an existing cluster: a new cluster anyway");
    });

    it("secures ZooKeeper in two updates on a running stack: the servers accept SASL first, then the brokers log in", () => {
        // A record without zookeeper.sasl comes from a program whose servers took no SASL logins.
        const older = { ...record, zookeeper: { storageSize: "10Gi" } };
        assert.deepEqual(changeProblems(older, live), [
            "zk-kafka-gke:kafka.zookeeperAcl must be open for one `pulumi up` first: this stack's ZooKeeper servers do not accept SASL logins yet, " +
            "and brokers restarted to log in before them would fail to start, got secure: set it to open, run `pulumi up` (the servers roll and " +
            "accept SASL), then remove it and run `pulumi up` again; see docs/runbook.md, \"Securing ZooKeeper\""]);
        const open = { ...live, kafka: { ...KAFKA_DEFAULTS, zookeeperAcl: "open" as const } };
        assert.deepEqual(changeProblems(older, open), [], "the first update: servers only");
        assert.deepEqual(changeProblems(deployedRecord(open), live), [], "the second: the brokers log in");
        assert.deepEqual(changeProblems(undefined, live), [], "a new stack starts secure");
    });

    it("keeps the listeners of a running cluster: no switch between PLAINTEXT and TLS in one rolling update", () => {
        // A record without kafka.tls comes from a program whose brokers only had PLAINTEXT.
        const plaintext = { ...record, kafka: { storageSize: "20Gi", zookeeperChroot: "/kafka" } };
        assert.deepEqual(changeProblems(plaintext, live), [
            "zk-kafka-gke:kafka.tls must stay false, what this stack's brokers run: changing the listeners of a running cluster in one rolling " +
            "update would split it (restarted brokers speak TLS, the others PLAINTEXT) and cut off every client, got true: keep kafka.tls false " +
            "with kafka.plaintextReason, or see docs/runbook.md, \"Turning TLS on\""]);
        const off = { ...live, kafka: { ...KAFKA_DEFAULTS, tls: false } };
        assert.deepEqual(changeProblems(plaintext, off), [], "PLAINTEXT stays PLAINTEXT");
        assert.match(changeProblems(record, off)[0], /^zk-kafka-gke:kafka\.tls must stay true, .*got false: see docs\/runbook\.md/);
        assert.deepEqual(changeProblems(undefined, live), [], "a new stack starts with TLS");
        assert.deepEqual(changeProblems({ ...record, kafka: { ...record.kafka, tls: "yes" } }, off), [], "a record it cannot read");
    });

    it("moves a CA rotation one phase per update, forward or back while the old CA lives, naming the next step", () => {
        const at = (caGeneration: number, caPhase: CaPhase) => ({ ...live, kafka: { ...KAFKA_DEFAULTS, caGeneration, caPhase } });
        const from = (g: number, p: CaPhase) => deployedRecord(at(g, p));
        assert.deepEqual(from(2, "issue").kafka.ca, { generation: 2, phase: "issue" }, "recorded");
        const allowed: Array<[[number, CaPhase], [number, CaPhase]]> = [
            [[1, "complete"], [2, "trust"]], [[2, "trust"], [2, "issue"]], [[2, "issue"], [2, "complete"]], [[2, "complete"], [3, "trust"]],
            [[2, "trust"], [1, "complete"]], [[2, "issue"], [2, "trust"]], [[3, "issue"], [3, "issue"]]];
        for (const [[g0, p0], [g1, p1]] of allowed) assert.deepEqual(changeProblems(from(g0, p0), at(g1, p1)), [], `${g0} ${p0} -> ${g1} ${p1}`);
        // A record from before rotations: generation 1, complete.
        const older = { ...record, kafka: { ...record.kafka, ca: undefined } };
        assert.deepEqual(changeProblems(older, at(2, "trust")), []);
        assert.deepEqual(changeProblems(older, at(2, "issue")), [
            "zk-kafka-gke:kafka.caPhase must move one phase per `pulumi up` from what the brokers run (kafka.caGeneration 1, kafka.caPhase complete), " +
            "got kafka.caGeneration 2, kafka.caPhase issue: next, kafka.caGeneration 2, kafka.caPhase trust (start a rotation: brokers and clients " +
            "trust CA 1 and a new CA 2); see docs/runbook.md, \"Renewing the CA\""]);
        const refused: Array<[[number, CaPhase], [number, CaPhase], string]> = [
            [[1, "complete"], [2, "complete"], "caPhase"], [[1, "complete"], [3, "trust"], "caGeneration"], [[2, "trust"], [2, "complete"], "caPhase"],
            [[2, "complete"], [2, "issue"], "caPhase"], [[2, "complete"], [1, "complete"], "caGeneration"], [[2, "issue"], [1, "complete"], "caGeneration"]];
        for (const [[g0, p0], [g1, p1], key] of refused) {
            const [problem, ...rest] = changeProblems(from(g0, p0), at(g1, p1));
            assert.deepEqual(rest, []);
            assert.match(problem, new RegExp(`^zk-kafka-gke:kafka\\.${key} must move one phase per .*got kafka\\.caGeneration ${g1}, kafka\\.caPhase ${p1}: next, `), `${g0} ${p0} -> ${g1} ${p1}`);
        }
        assert.match(changeProblems(from(2, "trust"), at(2, "complete"))[0], /next, kafka\.caGeneration 2, kafka\.caPhase issue \(sign every certificate with CA 2\); or kafka\.caGeneration 1, kafka\.caPhase complete \(roll back/);
        assert.deepEqual(changeProblems({ ...record, kafka: { ...record.kafka, ca: { generation: 0, phase: "done" } } }, at(5, "issue")), [], "a record it cannot read");
        const plaintext = { ...live, kafka: { ...KAFKA_DEFAULTS, tls: false } };
        assert.deepEqual(changeProblems(deployedRecord(plaintext), plaintext).length, 0);
        assert.equal(deployedRecord(plaintext).kafka.ca, undefined, "no CA without TLS");
    });
    describe("kafka.metadata, one phase per update (components/kafka/metadata.ts)", () => {
        const at = (metadata: KafkaOptions["metadata"], more: Partial<KafkaOptions> = {}) => deployedRecord({ ...live, kafka: { ...KAFKA_DEFAULTS, metadata, ...more } });
        const moving = (from: ReturnType<typeof at>, metadata: KafkaOptions["metadata"], more: Partial<KafkaOptions> = {}) =>
            changeProblems(from, { ...live, kafka: { ...KAFKA_DEFAULTS, metadata, ...more } });

        it("records the phase and the voters once a quorum exists, and nothing for zookeeper", () => {
            assert.equal(record.kafka.metadata, undefined);
            assert.deepEqual([at("migration").kafka.metadata, at("migration").kafka.controllers], ["migration", 3]);
        });

        it("allows each next step, and the rollback while ZooKeeper is the truth", () => {
            assert.deepEqual(moving(record, "migration"), []);
            assert.deepEqual(moving(at("migration"), "kraft"), []);
            assert.deepEqual(moving(at("migration"), "rollback"), []);
            assert.deepEqual(moving(at("rollback"), "zookeeper"), []);
            assert.deepEqual(moving(at("kraft"), "kraft"), []);
        });

        it("refuses a skipped phase naming the next steps, anything after kraft, new voters, and new KRaft brokers", () => {
            assert.deepEqual(moving(record, "kraft"), ["zk-kafka-gke:kafka.metadata must move one phase per `pulumi up` from what the brokers run (zookeeper), got kraft: " +
                "next, migration (start the KRaft controllers and copy ZooKeeper's metadata to them (brokers in migration mode)); see docs/runbook.md, \"Moving to KRaft\""]);
            assert.match(moving(at("migration"), "zookeeper")[0], /got zookeeper: next, kraft \(.*\); or rollback \(/);
            assert.match(moving(at("rollback"), "migration")[0], /from what the brokers run \(rollback\), got migration: next, zookeeper/);
            assert.match(moving(at("kraft"), "migration")[0], /^zk-kafka-gke:kafka\.metadata must stay kraft: .*the point of no return, got migration$/);
            assert.match(moving(at("migration"), "migration", { controllerReplicas: 5 })[0], /^zk-kafka-gke:kafka\.controllerReplicas must stay 3, the voters of the running quorum/);
            assert.match(moving(at("kraft"), "kraft", { replicas: 4 })[0], /^zk-kafka-gke:kafka\.replicas must stay at most 3 in KRaft mode/);
        });

        it("removes ZooKeeper only once kraft is deployed", () => {
            const without = (from: ReturnType<typeof at>) => changeProblems(from, { ...live, zookeeper: { ...ZOOKEEPER_DEFAULTS, enabled: false }, kafka: { ...KAFKA_DEFAULTS, metadata: "kraft" } });
            assert.deepEqual(without(at("kraft")), []);
            assert.match(without(at("migration"))[0], /^zk-kafka-gke:zookeeper\.enabled must stay true until a `pulumi up` has finalised the migration .*kafka\.metadata migration/);
        });

        it("starts a stack without a record in ZooKeeper mode: its controllers would wait for a cluster id its brokers, waiting for them, never write", () => {
            assert.match(changeProblems(undefined, { ...live, kafka: { ...KAFKA_DEFAULTS, metadata: "migration" } })[0], /^zk-kafka-gke:kafka\.metadata must be zookeeper on a stack that has not been deployed/);
            assert.match(changeProblems(undefined, { ...live, kafka: { ...KAFKA_DEFAULTS, metadata: "kraft" } })[0], /^zk-kafka-gke:kafka\.metadata must be zookeeper on a stack that has not been deployed/);
        });
    });
});
