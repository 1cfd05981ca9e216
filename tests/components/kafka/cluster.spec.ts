import { strict as assert } from "assert";
import * as v from "valibot";
import { ConfigMap, Pdb, Service, StatefulSet, propertyValue } from "../../harness/kube-types";
import { RenderedStack, find, rejection, render, itRejects } from "../../harness/render";
import { kafkaSpecs } from "../../../components/kafka/spec";
import { kafkaOptions } from "../../../components/kafka/options";
import { partitionedRolloutCondition } from "../../../components/shared/pod";

const sts = (s: RenderedStack) => find<StatefulSet>(s, "StatefulSet", "kafka");
const container = (s: RenderedStack) => sts(s).spec.template.spec.containers[0];
const props = (s: RenderedStack) => find<ConfigMap>(s, "ConfigMap", "kafka-config").data["server.properties"];
const env = (s: RenderedStack, name: string) => container(s).env.find((e) => e.name === name)?.value;

describe("KafkaCluster", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("renders the walkthrough's objects with their exact names, children of the component", () => {
        const component = defaults.resources.find((r) => r.type === "zk-kafka-gke:kafka:Cluster");
        assert.ok(component?.urn);
        const children = defaults.resources.filter((r) => r.parent === component.urn).map((r) => `${r.type.split(":")[2]}/${r.name}`);
        assert.deepEqual(children.sort(), ["ConfigMap/kafka-config", "ConfigMap/kafka-jmx-exporter", "PersistentVolumeClaimPatch/datadir-kafka-0",
            "PersistentVolumeClaimPatch/datadir-kafka-1", "PersistentVolumeClaimPatch/datadir-kafka-2", "Pki/kafka-pki", "PodDisruptionBudget/kafka-pdb",
            "PodMonitoring/kafka-metrics", "Secret/kafka-tls", "Secret/kafka-zookeeper-auth", "Service/kafka-hs", "StatefulSet/kafka"]);
    });

    it("defaults: three OrderedReady brokers on 9093, partition 0, apache/kafka 3.9, 1g heap in 2Gi, retained 20Gi volumes", () => {
        const s = sts(defaults);
        assert.equal(s.spec.replicas, 3);
        // A roll deletes a broker only while every broker is Ready (test:kafka 5 holds it).
        assert.equal(s.spec.podManagementPolicy, "OrderedReady");
        assert.deepEqual(s.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
        assert.equal(s.metadata.annotations["pulumi.com/waitFor"], undefined, "partition 0: the provider's own await");
        assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(s.spec.volumeClaimTemplates[0].metadata.name, "datadir");
        assert.equal(s.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "20Gi");
        assert.equal(s.spec.serviceName, "kafka-hs");
        assert.equal(s.spec.template.spec.terminationGracePeriodSeconds, 120, "room for a controlled shutdown");
        const c = container(defaults);
        assert.equal(c.image, "docker.io/apache/kafka:3.9.2");
        assert.deepEqual(c.ports, [{ name: "server", containerPort: 9093 }, { name: "replication", containerPort: 9094 }, { name: "tls", containerPort: 9092 },
            { name: "metrics", containerPort: 9404 }],
            "gke mode: the JMX exporter on; the probe's listener is loopback, no port");
        assert.deepEqual(c.resources, { requests: { cpu: "500m", memory: "2Gi" }, limits: { memory: "2Gi" } });
        assert.equal(env(defaults, "KAFKA_HEAP_OPTS"), "-Xms1g -Xmx1g");
        assert.equal(env(defaults, "KAFKA_ADVERTISED_DOMAIN"), "kafka-hs.zk-kafka.svc.cluster.local");
        assert.match(env(defaults, "KAFKA_LOG4J_OPTS")!, /kafka-config\/log4j\.properties$/);
        const hs = find<Service>(defaults, "Service", "kafka-hs");
        assert.equal(hs.spec.clusterIP, "None");
        assert.equal(hs.spec.publishNotReadyAddresses, true);
        assert.deepEqual(hs.spec.ports, [{ name: "server", port: 9093, targetPort: "server" }, { name: "replication", port: 9094, targetPort: "replication" },
            { name: "tls", port: 9092, targetPort: "tls" }]);
        const pdb = find<Pdb>(defaults, "PodDisruptionBudget", "kafka-pdb");
        assert.equal(pdb.apiVersion, "policy/v1");
        assert.equal(pdb.spec.maxUnavailable, 1);
        assert.equal(defaults.outputs.kafkaBootstrap, [0, 1, 2].map((i) => `kafka-${i}.kafka-hs.zk-kafka.svc.cluster.local:9093`).join(","));
        assert.equal(defaults.outputs.kafkaZookeeperConnect, "zk-cs.zk-kafka.svc.cluster.local:2181/kafka");
    });

    it("server.properties carries the durability settings a careful operator sets", () => {
        const p = props(defaults);
        for (const [key, value] of Object.entries({
            "default.replication.factor": "3", "min.insync.replicas": "2", "offsets.topic.replication.factor": "3",
            "transaction.state.log.replication.factor": "3", "transaction.state.log.min.isr": "2",
            "unclean.leader.election.enable": "false", "controlled.shutdown.enable": "true", "auto.create.topics.enable": "false",
            "num.partitions": "3", "log.retention.hours": "168",
            "log.dirs": "/var/lib/kafka/data/logs",
        })) assert.equal(propertyValue(p, key), value, key);
        assert.equal(propertyValue(p, "broker.id"), undefined, "per pod, from the ordinal");
        assert.equal(propertyValue(p, "advertised.listeners"), undefined, "per pod, from the pod's name");
        assert.ok(container(defaults).volumeMounts.some((m) => m.name === "datadir" && m.mountPath === "/var/lib/kafka/data"),
            "log.dirs lies on the per-pod volume");
    });

    it("connects to the ensemble's client Service, with the chroot, following namespace and domain", async () => {
        assert.equal(propertyValue(props(defaults), "zookeeper.connect"), `${defaults.outputs.zookeeperConnect}/kafka`);
        const s = await render({ namespace: "data", clusterDomain: "corp.internal", "kafka.zookeeperChroot": "/clusters/a" });
        assert.equal(propertyValue(props(s), "zookeeper.connect"), "zk-cs.data.svc.corp.internal:2181/clusters/a");
        assert.equal(s.outputs.kafkaZookeeperConnect, "zk-cs.data.svc.corp.internal:2181/clusters/a");
        assert.equal(env(s, "KAFKA_ADVERTISED_DOMAIN"), "kafka-hs.data.svc.corp.internal");
    });

    it("overrides: every kafka key reaches the objects", async () => {
        const s = await render({
            "cluster.nodeCount": 6,
            kafka: {
                replicas: 5, image: "registry.example.com/kafka:3.9.1", updatePartition: 4, storageSize: "100Gi",
                storageClass: "premium-rwo", heap: "1536m", cpu: "1", memory: "3Gi", defaultReplicationFactor: 5,
                minInsyncReplicas: 3, autoCreateTopics: true, zookeeperChroot: "/kafka-a", numPartitions: 12, logRetentionHours: 72,
            },
        });
        const k = sts(s);
        assert.equal(k.spec.replicas, 5);
        assert.equal(k.spec.updateStrategy.rollingUpdate.partition, 4);
        assert.equal(k.spec.volumeClaimTemplates[0].spec.storageClassName, "premium-rwo");
        assert.equal(k.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "100Gi");
        assert.equal(k.spec.template.metadata.labels["app.kubernetes.io/version"], "3.9.1");
        assert.equal(container(s).image, "registry.example.com/kafka:3.9.1");
        assert.deepEqual(container(s).resources, { requests: { cpu: "1", memory: "3Gi" }, limits: { memory: "3Gi" } });
        assert.equal(env(s, "KAFKA_HEAP_OPTS"), "-Xms1536m -Xmx1536m");
        const p = props(s);
        for (const [key, value] of Object.entries({
            "default.replication.factor": "5", "min.insync.replicas": "3", "offsets.topic.replication.factor": "5",
            "transaction.state.log.min.isr": "3", "auto.create.topics.enable": "true", "num.partitions": "12", "log.retention.hours": "72",
        })) assert.equal(propertyValue(p, key), value, key);
        assert.match(propertyValue(p, "zookeeper.connect")!, /:2181\/kafka-a$/);
        assert.equal((s.outputs.kafkaBootstrap as string).split(",").length, 5);
    });

    it("selects exactly its pods everywhere, and never ZooKeeper's", () => {
        const k = sts(defaults);
        const podLabels = k.spec.template.metadata.labels;
        const selector = k.spec.selector.matchLabels;
        const selects = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([key, v]) => labels[key] === v);
        assert.ok(selects(selector, podLabels));
        assert.ok(!Object.keys(selector).some((key) => key.includes("version")));
        assert.deepEqual(find<Service>(defaults, "Service", "kafka-hs").spec.selector, selector);
        assert.deepEqual(find<Pdb>(defaults, "PodDisruptionBudget", "kafka-pdb").spec.selector.matchLabels, selector);
        const term = k.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
        assert.deepEqual(term.map((t) => [t.topologyKey, t.labelSelector.matchLabels]), [["kubernetes.io/hostname", selector]]);
        const zkPods = find<StatefulSet>(defaults, "StatefulSet", "zk").spec.template.metadata.labels;
        assert.ok(!selects(selector, zkPods), "kafka's selector misses ZooKeeper's pods");
        assert.ok(!selects(find<StatefulSet>(defaults, "StatefulSet", "zk").spec.selector.matchLabels, podLabels), "and the other way round");
    });

    it("shares ZooKeeper's hardening: non-root uid 1000, read-only root, writable only its volume, runtime and /tmp", () => {
        const pod = sts(defaults).spec.template.spec;
        const zkPod = find<StatefulSet>(defaults, "StatefulSet", "zk").spec.template.spec;
        assert.deepEqual(pod.securityContext, zkPod.securityContext);
        assert.deepEqual(container(defaults).securityContext, zkPod.containers[0].securityContext);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.enableServiceLinks, false);
        const writable = container(defaults).volumeMounts.filter((m) => !m.readOnly).map((m) => m.mountPath).sort();
        assert.deepEqual(writable, ["/tmp", "/var/lib/kafka/data", "/var/run/kafka"]);
    });

    it("probes through a shell script that starts no JVM, each call inside its probe's timeout", () => {
        const c = container(defaults);
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
            const [shell, script, mode, perCall] = c[kind].exec.command;
            assert.deepEqual([shell, script, mode], ["bash", "/opt/zk-kafka-gke/kafka-probe.sh", kind === "readinessProbe" ? "ready" : "live"], kind);
            assert.ok(Number(perCall) < c[kind].timeoutSeconds, `${kind}: ${perCall} s < ${c[kind].timeoutSeconds} s`);
        }
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 600, "log recovery gets ten minutes and more");
        assert.ok(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold <= 60);
        assert.equal(c.readinessProbe.failureThreshold, 1, "a broker out of an ISR holds rolls and drains from its next probe");
    });

    it("--set kafka.updatePartition=2 renders partition 2 and the await for the canary, within the brokers' budgets", async () => {
        const s = await render({ "kafka.updatePartition": 2 });
        assert.equal(sts(s).spec.updateStrategy.rollingUpdate.partition, 2);
        assert.deepEqual(sts(s).metadata.annotations, {
            "pulumi.com/deletionPropagationPolicy": "orphan",
            "pulumi.com/waitFor": partitionedRolloutCondition(3, 2),
            // Three brokers, each: 300 s for a ZooKeeper quorum, 90 x 10 s of startup probe, 120 s of grace.
            "pulumi.com/timeoutSeconds": String(3 * (300 + 900 + 120)),
        });
        assert.equal(sts(s).metadata.annotations["pulumi.com/waitFor"],
            find<StatefulSet>(await render({ "zookeeper.updatePartition": 2 }), "StatefulSet", "zk").metadata.annotations["pulumi.com/waitFor"],
            "the mechanism ZooKeeper uses");
        assert.deepEqual(sts(defaults).metadata.annotations, { "pulumi.com/deletionPropagationPolicy": "orphan", "pulumi.com/timeoutSeconds": "3960" },
            "partition 0: the provider's own await");
    });

    it("rolls the brokers on a template change and on a change that lives only in the ConfigMap", async () => {
        const template = (s: RenderedStack) => JSON.stringify(sts(s).spec.template);
        assert.equal(template(await render()), template(defaults));
        assert.notEqual(template(await render({ "kafka.cpu": "600m" })), template(defaults), "the walkthrough's CPU patch");
        const checksum = (s: RenderedStack) => sts(s).spec.template.metadata.annotations["zk-kafka-gke/config-sha256"];
        assert.notEqual(checksum(await render({ "kafka.logRetentionHours": 24 })), checksum(defaults));
    });

    it("does not wait for ZooKeeper's rollout: nothing of Kafka depends on the zk StatefulSet", () => {
        const zkSts = defaults.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "zk")!;
        const component = defaults.resources.find((r) => r.type === "zk-kafka-gke:kafka:Cluster")!;
        const kafkaResources = defaults.resources.filter((r) => r.parent === component.urn);
        assert.equal(kafkaResources.length, 12);
        for (const r of kafkaResources) assert.ok(!(r.dependencies ?? []).includes(zkSts.urn!), `${r.name} does not wait for zk`);
        const zkCs = defaults.resources.find((r) => r.name === "zk-cs")!;
        const cm = kafkaResources.find((r) => r.name === "kafka-config")!;
        assert.ok(cm.dependencies?.includes(zkCs.urn!), "the connect string comes from the zk-cs Service");
    });

    it("builds its specs without the Pulumi runtime", () => {
        const specs = kafkaSpecs({ ...v.parse(kafkaOptions, {}), rack: "none", namespace: "ns", clusterDomain: "cluster.local", zookeeperConnect: "zk:2181",
            zoneSpread: "DoNotSchedule" });
        assert.match(specs.configMap.data!["server.properties" as never] as string, /^zookeeper\.connect=zk:2181\/kafka$/m);
    });

    const bad: Array<[Record<string, unknown>, string]> = [
        [{ "kafka.replicas": 0 }, "kafka.replicas"],
        [{ "kafka.replicas": "three" }, "kafka.replicas"],
        [{ "kafka.image": "apache/kafka" }, "kafka.image"],
        [{ "kafka.image": "apache/kafka:latest" }, "kafka.image"],
        [{ "kafka.updatePartition": 4 }, "kafka.updatePartition"],
        [{ "kafka.updatePartition": -1 }, "kafka.updatePartition"],
        [{ "kafka.storageSize": "500Mi" }, "kafka.storageSize"],
        [{ "kafka.heap": "2g" }, "kafka.heap"],
        [{ "kafka.heap": "lots" }, "kafka.heap"],
        [{ "kafka.cpu": "fast" }, "kafka.cpu"],
        [{ "kafka.memory": "256Mi" }, "kafka.memory"],
        [{ "kafka.defaultReplicationFactor": 4 }, "kafka.defaultReplicationFactor"],
        [{ "kafka.minInsyncReplicas": 3 }, "kafka.minInsyncReplicas"],
        [{ "kafka.minInsyncReplicas": 0 }, "kafka.minInsyncReplicas"],
        [{ "kafka.autoCreateTopics": "no" }, "kafka.autoCreateTopics"],
        [{ "kafka.zookeeperChroot": "kafka" }, "kafka.zookeeperChroot"],
        [{ "kafka.zookeeperChroot": "/kafka/" }, "kafka.zookeeperChroot"],
        [{ "kafka.zookeeperChroot": "/zookeeper/kafka" }, "kafka.zookeeperChroot"],
        [{ "kafka.numPartitions": 0 }, "kafka.numPartitions"],
        [{ "kafka.logRetentionHours": 0 }, "kafka.logRetentionHours"],
        [{ "kafka.replicas": 4 }, "cluster.nodeCount"],
        [{ "kafka.partitions": 3 }, "kafka.partitions"],
    ];
    itRejects(bad);

    it("says why min.insync.replicas must stay below the replication factor, naming the default it compares with", async () => {
        assert.match(await rejection({ "kafka.minInsyncReplicas": 3 }),
            /^zk-kafka-gke:kafka\.minInsyncReplicas must be < kafka\.defaultReplicationFactor \(3\): with them equal, one broker down stops every acks=all write, got 3$/m);
    });
});
