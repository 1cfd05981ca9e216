import { shippedFile } from "../shared/statefulset";
import { jmxExporterConfig } from "./metrics";
import { TLS_PATHS, securityProperties } from "./security";
import { brokerMetadataLines, brokersUseZooKeeper, controllerVoters } from "./metadata";
import { KAFKA_PATHS, KafkaSettings, controllerDomain } from "./names";

/** The brokers' configuration files: server.properties for the metadata phase, logging, the metrics rules, and the scripts. */

/** Whether this phase's brokers log in to ZooKeeper (they use it, and its ACLs are on). */
export const brokersLogInToZooKeeper = (s: Pick<KafkaSettings, "metadata" | "zookeeperAcl">) => s.zookeeperAcl === "secure" && brokersUseZooKeeper(s.metadata);

/** The ZooKeeper client settings of brokers and (in migration) controllers: the same cluster, the same identity. */
export function zookeeperLines(s: Pick<KafkaSettings, "zookeeperConnect" | "zookeeperChroot" | "zookeeperAcl">): string[] {
    return [
        `zookeeper.connect=${s.zookeeperConnect}${s.zookeeperChroot}`,
        "zookeeper.session.timeout.ms=18000",
        ...(s.zookeeperAcl === "secure" ? ["# Znodes readable by all, changeable by the brokers' SASL identity alone (kafka-start.sh logs in).", "zookeeper.set.acl=true"] : []),
    ];
}

/** The brokers' server.properties: identical on every broker (kafka-start.sh adds broker.id and advertised.listeners). */
export function serverProperties(s: KafkaSettings): string {
    return [
        "# Rendered by zk-kafka-gke; identical on every broker (kafka-start.sh adds broker.id and",
        "# advertised.listeners from the pod's name).",
        ...securityProperties(s.tls, `${TLS_PATHS.brokerSecret}/ca.crt`, s.metadata),
        ...(brokersUseZooKeeper(s.metadata) ? zookeeperLines(s) : []),
        ...brokerMetadataLines(s.metadata, controllerVoters(s.controllerReplicas, controllerDomain(s))),
        "# A subdirectory of the volume: a fresh filesystem's lost+found is not a partition.",
        `log.dirs=${KAFKA_PATHS.data}/logs`,
        `num.partitions=${s.numPartitions}`,
        `log.retention.hours=${s.logRetentionHours}`,
        "# Durability: acks=all writes need min.insync.replicas copies; a lagging replica never becomes leader.",
        `default.replication.factor=${s.defaultReplicationFactor}`,
        `min.insync.replicas=${s.minInsyncReplicas}`,
        `offsets.topic.replication.factor=${s.defaultReplicationFactor}`,
        `transaction.state.log.replication.factor=${s.defaultReplicationFactor}`,
        `transaction.state.log.min.isr=${s.minInsyncReplicas}`,
        "unclean.leader.election.enable=false",
        `auto.create.topics.enable=${s.autoCreateTopics}`,
        "# SIGTERM moves leadership away before the broker stops (within terminationGracePeriodSeconds).",
        "controlled.shutdown.enable=true",
        "",
    ].join("\n");
}

/** Everything the ConfigMap carries: config files and scripts. */
export function configFiles(s: KafkaSettings): { conf: Record<string, string>; scripts: Record<string, string> } {
    return {
        conf: {
            "server.properties": serverProperties(s), "log4j.properties": shippedFile(__dirname, "kafka-log4j.properties"),
            ...(s.metrics ? { "jmx-exporter.yaml": jmxExporterConfig(s.metricsPerTopic) } : {}),
        },
        scripts: { "kafka-start.sh": shippedFile(__dirname, "kafka-start.sh"), "kafka-lib.sh": shippedFile(__dirname, "kafka-lib.sh"), "kafka-probe.sh": shippedFile(__dirname, "kafka-probe.sh") },
    };
}
