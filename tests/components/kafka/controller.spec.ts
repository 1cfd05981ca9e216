import { strict as assert } from "assert";
import { ConfigMap, Pdb, StatefulSet, propertyValue } from "../../harness/kube-types";
import { RenderedStack, find, itRejects, render } from "../../harness/render";
import { CONTROLLER_NAMES, ZK_MIGRATION_STATE, metadataSteps } from "../../../components/kafka/metadata";

const sts = (s: RenderedStack, name = "kafka-controller") => find<StatefulSet>(s, "StatefulSet", name);
const props = (s: RenderedStack, cm = "kafka-controller-config") => find<ConfigMap>(s, "ConfigMap", cm).data["server.properties"];
const env = (s: RenderedStack, name: string) => sts(s).spec.template.spec.containers[0].env.find((e) => e.name === name)?.value;
type Job = { metadata: { name: string }; spec: { template: { spec: { containers: Array<{ command: string[]; env: Array<{ name: string; value?: string }> }> } } } };
const urnOf = (s: RenderedStack, type: string, name: string) => s.resources.find((r) => r.type === type && r.name === name)!.urn!;
const dependsOn = (s: RenderedStack, [type, name]: [string, string], [onType, onName]: [string, string]) =>
    (s.resources.find((r) => r.type === type && r.name === name)!.dependencies ?? []).includes(urnOf(s, onType, onName));
const STS = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";

describe("KafkaControllerQuorum (kafka.metadata)", () => {
    let zookeeper: RenderedStack;
    let migration: RenderedStack;
    before(async () => {
        // One program run at a time: the SDK's mock runtime is one per process.
        zookeeper = await render();
        // A migration starts from a deployed ZooKeeper-mode stack (schema/deployed.ts).
        migration = await render({ "kafka.metadata": "migration" }, "dev", zookeeper.outputs);
    });

    it("zookeeper (the default): no quorum, no phase Job, and the brokers know no controller", () => {
        assert.equal(zookeeper.objects.some((o) => o.metadata.name.startsWith("kafka-controller") || o.metadata.name.startsWith("kafka-metadata")), false);
        const broker = props(zookeeper, "kafka-config");
        assert.equal(propertyValue(broker, "zookeeper.metadata.migration.enable"), undefined);
        assert.equal(propertyValue(broker, "authorizer.class.name"), "kafka.security.authorizer.AclAuthorizer");
        assert.doesNotMatch(propertyValue(broker, "super.users")!, /kafka-controller/);
    });

    it("defaults in migration: three Parallel voters 3000-3002 with the brokers' hardening, mutual TLS, and ZooKeeper under the brokers' chroot and login", () => {
        const s = sts(migration);
        assert.equal(s.spec.replicas, 3);
        assert.equal(s.spec.podManagementPolicy, "Parallel", "a voter is Ready only once a majority runs");
        assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
        const pod = s.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.deepEqual(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels, s.spec.selector.matchLabels);
        assert.deepEqual(find<Pdb>(migration, "PodDisruptionBudget", "kafka-controller-pdb").spec, { maxUnavailable: 1, selector: { matchLabels: s.spec.selector.matchLabels } });
        const p = props(migration);
        assert.equal(propertyValue(p, "process.roles"), "controller");
        assert.equal(propertyValue(p, "controller.quorum.voters"), [0, 1, 2].map((i) => `${3000 + i}@kafka-controller-${i}.kafka-controller-hs.zk-kafka.svc.cluster.local:9090`).join(","));
        assert.equal(propertyValue(p, "listener.security.protocol.map"), "CONTROLLER:SSL,REPLICATION:SSL");
        assert.equal(propertyValue(p, "listener.name.controller.ssl.client.auth"), "required");
        assert.equal(propertyValue(p, "inter.broker.listener.name"), "REPLICATION", "the controller reaches the ZooKeeper-mode brokers as their controller");
        assert.equal(propertyValue(p, "zookeeper.metadata.migration.enable"), "true");
        assert.equal(propertyValue(p, "zookeeper.connect"), propertyValue(props(migration, "kafka-config"), "zookeeper.connect"));
        assert.equal(propertyValue(p, "zookeeper.set.acl"), "true");
        assert.equal(propertyValue(p, "super.users"), "User:CN=kafka-broker;User:CN=kafka-admin;User:CN=kafka-controller");
        assert.equal(env(migration, "KAFKA_ZOOKEEPER_AUTH_DIR"), "/etc/kafka-zookeeper-auth");
        assert.match(env(migration, "KAFKA_OPTS")!, /-javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent-0\.20\.0\.jar=9404:/, "the probe and the Job read the agent");
        assert.deepEqual(sts(migration).spec.template.spec.volumes.find((v) => v.name === "tls")!.secret!.items!.map((i) => i.path).slice(0, 3),
            ["kafka-controller-0/ca.crt", "kafka-controller-0/tls.key", "kafka-controller-0/tls.crt"]);
    });

    it("migration: the brokers enter migration mode, trust the controllers' principal, and roll after the controllers; the phase Job after both", () => {
        const broker = props(migration, "kafka-config");
        assert.equal(propertyValue(broker, "zookeeper.metadata.migration.enable"), "true");
        assert.equal(propertyValue(broker, "controller.listener.names"), "CONTROLLER");
        assert.match(propertyValue(broker, "listener.security.protocol.map")!, /,CONTROLLER:SSL$/);
        assert.match(propertyValue(broker, "super.users")!, /;User:CN=kafka-controller$/, "else the controller's LeaderAndIsr is refused (CLUSTER_AUTHORIZATION_FAILED)");
        assert.ok(dependsOn(migration, [STS, "kafka"], [STS, "kafka-controller"]));
        assert.ok(dependsOn(migration, [JOB, "kafka-metadata-migration"], [STS, "kafka"]));
        assert.ok(dependsOn(migration, [JOB, "kafka-metadata-migration"], [STS, "kafka-controller"]));
        const job = find<Job>(migration, "Job", "kafka-metadata-migration").spec.template.spec.containers[0];
        assert.deepEqual(job.command.slice(-1), ["migration"]);
        assert.equal(job.env.find((e) => e.name === "KAFKA_METADATA_STATE")!.value, String(ZK_MIGRATION_STATE.MIGRATION));
        assert.equal(job.env.find((e) => e.name === "KAFKA_METADATA_BROKERS")!.value, "3");
        const deployed = migration.outputs.deployed as { kafka: { metadata?: string; controllers?: number } };
        assert.deepEqual([deployed.kafka.metadata, deployed.kafka.controllers], ["migration", 3]);
    });

    it("overrides: five voters, their own heap, CPU, memory and volume size", async () => {
        // Five voters, each a node of its own with one drained: six nodes (the capacity rule).
        const five = await render({ "cluster.nodeCount": 6, "kafka.metadata": "migration", "kafka.controllerReplicas": 5, "kafka.controllerHeap": "768m", "kafka.controllerMemory": "2Gi",
            "kafka.controllerCpu": "400m", "kafka.controllerStorageSize": "20Gi" }, "dev", zookeeper.outputs);
        assert.equal(sts(five).spec.replicas, 5);
        assert.equal(propertyValue(props(five), "controller.quorum.voters")!.split(",").length, 5);
        assert.equal(propertyValue(props(five, "kafka-config"), "controller.quorum.voters"), propertyValue(props(five), "controller.quorum.voters"));
        const c = sts(five).spec.template.spec.containers[0];
        assert.deepEqual(c.resources, { requests: { cpu: "400m", memory: "2Gi" }, limits: { memory: "2Gi" } });
        assert.equal(env(five, "KAFKA_HEAP_OPTS"), "-Xms768m -Xmx768m");
        assert.equal(sts(five).spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
    });

    it("kraft: KRaft brokers (no ZooKeeper, StandardAuthorizer), finalised controllers rolled after them, the Job awaits POST_MIGRATION", async () => {
        const kraft = await render({ "kafka.metadata": "kraft" }, "dev", migration.outputs);
        const broker = props(kraft, "kafka-config");
        assert.equal(propertyValue(broker, "process.roles"), "broker");
        assert.equal(propertyValue(broker, "zookeeper.connect"), undefined);
        assert.equal(propertyValue(broker, "authorizer.class.name"), "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        const p = props(kraft);
        assert.equal(propertyValue(p, "zookeeper.metadata.migration.enable"), undefined, "finalised");
        assert.equal(propertyValue(p, "zookeeper.connect"), undefined);
        assert.equal(env(kraft, "KAFKA_ZOOKEEPER_AUTH_DIR"), undefined, "no ZooKeeper credentials where none are used");
        assert.equal(sts(kraft, "kafka").spec.template.spec.volumes.some((v) => v.name === "zookeeper-auth"), false);
        assert.ok(dependsOn(kraft, [STS, "kafka-controller"], [STS, "kafka"]), "the brokers move first");
        assert.ok(dependsOn(kraft, [JOB, "kafka-metadata-kraft"], [STS, "kafka-controller"]));
        const job = find<Job>(kraft, "Job", "kafka-metadata-kraft").spec.template.spec.containers[0];
        assert.equal(job.env.find((e) => e.name === "KAFKA_METADATA_STATE")!.value, String(ZK_MIGRATION_STATE.POST_MIGRATION));
        // Once kraft is deployed, the ensemble may go: nothing of it, no roll of the brokers or controllers.
        const gone = await render({ "kafka.metadata": "kraft", "zookeeper.enabled": false }, "dev", kraft.outputs);
        assert.deepEqual(gone.objects.filter((o) => o.kind !== "Namespace" && /^zk(-|$)/.test(o.metadata.name)).map((o) => o.metadata.name), []);
        assert.equal(gone.objects.some((o) => o.kind === "NetworkPolicy" && o.metadata.name === "zookeeper"), false);
        for (const name of ["kafka", "kafka-controller"]) assert.deepEqual(sts(gone, name).spec.template, sts(kraft, name).spec.template, name);
        assert.equal(gone.outputs.zookeeperConnect, undefined);
    });

    it("rollback: the controllers scaled to none with their volumes, the Job before the brokers, which run the ZooKeeper-mode template again", async () => {
        const rollback = await render({ "kafka.metadata": "rollback" }, "dev", migration.outputs);
        assert.equal(sts(rollback).spec.replicas, 0);
        assert.deepEqual(sts(rollback).spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Delete" },
            "a controller must never come back with a log that resumes a migration ZooKeeper forgot");
        assert.ok(dependsOn(rollback, [JOB, "kafka-metadata-rollback"], [STS, "kafka-controller"]));
        assert.ok(dependsOn(rollback, [STS, "kafka"], [JOB, "kafka-metadata-rollback"]), "the brokers leave migration mode once a broker is the controller again");
        assert.deepEqual(sts(rollback, "kafka").spec.template, sts(zookeeper, "kafka").spec.template);
        const zk = await render({}, "dev", rollback.outputs);
        assert.deepEqual(sts(zk, "kafka").spec.template, sts(rollback, "kafka").spec.template, "no roll when the quorum's objects go");
        assert.equal(zk.objects.some((o) => o.metadata.name === CONTROLLER_NAMES.statefulSet), false);
    });

    it("each phase has its next steps, and kraft none", () => {
        assert.deepEqual(Object.fromEntries((["zookeeper", "migration", "kraft", "rollback"] as const).map((p) => [p, metadataSteps(p).map((s) => s.phase)])),
            { zookeeper: ["migration"], migration: ["kraft", "rollback"], kraft: [], rollback: ["zookeeper"] });
    });

    describe("refuses", () => {
        itRejects([
            [{ "kafka.metadata": "kraft2" }, "kafka.metadata"],
            [{ "kafka.metadata": "migration", "kafka.tls": false, "kafka.plaintextReason": "a test without TLS at all" }, "kafka.metadata"],
            [{ "kafka.controllerReplicas": 4 }, "kafka.controllerReplicas"],
            [{ "kafka.controllerReplicas": 7 }, "kafka.controllerReplicas"],
            [{ "kafka.controllerHeap": "1g", "kafka.controllerMemory": "1Gi" }, "kafka.controllerHeap"],
            [{ "kafka.metadata": "kraft" }, "kafka.metadata"],
            [{ "zookeeper.enabled": false }, "zookeeper.enabled"],
            [{ "kafka.metadata": "migration", "zookeeper.enabled": false }, "zookeeper.enabled"],
        ]);
    });
});
