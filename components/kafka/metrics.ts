import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/**
 * The Prometheus JMX exporter as a Java agent in each broker. No image the program may rely on
 * carries it (apache/kafka does not; Strimzi's and Bitnami's images are other distributions or
 * frozen), so `npm ci` fetches the jar from Maven Central (tools/fetch-agent.ts, pinned by
 * SHA-256; not in git) and the program hands it to the pods in a ConfigMap (binaryData): no image
 * build, no download at pod start, no egress, and a read-only mount under the restricted Pod
 * Security level. 0.20.0 is the newest release under a ConfigMap's 1 MiB (the 1.x agents bundle
 * OpenTelemetry: 2.9 MB). docs/design.md compares the ways.
 */
export const JMX_EXPORTER = {
    version: "0.20.0",
    file: "jmx_prometheus_javaagent-0.20.0.jar",
    /** Maven Central's io.prometheus.jmx:jmx_prometheus_javaagent:0.20.0, as published (its .sha1 is 7b8a98e3…). */
    sha256: "8b67ed40485d475648c36d11d21464b484406f85faf912b3363f71a6a7861320",
    configMap: "kafka-jmx-exporter",
    mountPath: "/opt/jmx-exporter",
    port: 9404,
} as const;

let verified: Buffer | undefined;

/** The agent jar's bytes, refused if they are not the pinned release (read and checked once). */
export function jmxExporterJar(): Buffer {
    if (verified) return verified;
    const file = path.join(__dirname, "files", JMX_EXPORTER.file);
    if (!fs.existsSync(file)) {
        throw new Error(`components/kafka/files/${JMX_EXPORTER.file} is missing (npm ci fetches it from Maven Central; run npm run fetch-agent where Maven Central is reachable)`);
    }
    const jar = fs.readFileSync(file);
    const digest = crypto.createHash("sha256").update(jar).digest("hex");
    if (digest !== JMX_EXPORTER.sha256) {
        throw new Error(`components/kafka/files/${JMX_EXPORTER.file} must be the jar Maven Central publishes (sha256 ${JMX_EXPORTER.sha256}), got sha256 ${digest}`);
    }
    verified = jar;
    return jar;
}

/** The JVM flag that starts the agent on every interface, with its rules file. */
export function jmxExporterAgentFlag(rulesFile: string): string {
    return `-javaagent:${JMX_EXPORTER.mountPath}/${JMX_EXPORTER.file}=${JMX_EXPORTER.port}:${rulesFile}`;
}

type Rule = { pattern: string; name: string; type: "GAUGE" | "COUNTER"; labels?: Record<string, string>; help?: string };

const gauge = (pattern: string, name: string, labels?: Record<string, string>): Rule => ({ pattern, name, type: "GAUGE", ...(labels ? { labels } : {}) });
const counter = (pattern: string, name: string, labels?: Record<string, string>): Rule => ({ pattern, name, type: "COUNTER", ...(labels ? { labels } : {}) });

/**
 * The exporter's rules: only the MBeans below are read (a bounded set of series, and a cheap
 * scrape), each turned into a name that does not change with the exporter's defaults. Per-topic
 * series only with `perTopic` (a topic label per series: cardinality grows with the topics).
 * Kafka's Yammer gauges expose `Value`, meters `Count` and rates, timers percentiles.
 */
export function jmxExporterConfig(perTopic: boolean, quorum = false): string {
    const topic = perTopic ? "(?:, topic=(.+))?" : "";
    const topicLabel: Record<string, string> | undefined = perTopic ? { topic: "$2" } : undefined;
    const rules: Rule[] = [
        gauge("kafka.server<type=ReplicaManager, name=(UnderReplicatedPartitions|UnderMinIsrPartitionCount|AtMinIsrPartitionCount|PartitionCount|LeaderCount|OfflineReplicaCount)><>Value",
            "kafka_server_replicamanager_$1"),
        counter("kafka.server<type=ReplicaManager, name=(IsrShrinks|IsrExpands|FailedIsrUpdates)PerSec><>Count", "kafka_server_replicamanager_$1_total"),
        gauge("kafka.controller<type=KafkaController, name=(ActiveControllerCount|OfflinePartitionsCount|GlobalPartitionCount|PreferredReplicaImbalanceCount)><>Value",
            "kafka_controller_kafkacontroller_$1"),
        counter("kafka.controller<type=ControllerStats, name=UncleanLeaderElectionsPerSec><>Count", "kafka_controller_controllerstats_uncleanleaderelections_total"),
        // A meter whose rate is the idle share (0..1) over the last minute.
        gauge("kafka.server<type=KafkaRequestHandlerPool, name=RequestHandlerAvgIdlePercent><>OneMinuteRate", "kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent"),
        gauge("kafka.network<type=SocketServer, name=NetworkProcessorAvgIdlePercent><>Value", "kafka_network_socketserver_networkprocessoravgidlepercent"),
        gauge("kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(Produce|FetchConsumer|FetchFollower)><>(50|99)thPercentile",
            "kafka_network_requestmetrics_totaltimems", { request: "$1", quantile: "0.$2" }),
        // One MBean per request version (Kafka 3.9 tags RequestsPerSec with the version the
        // client spoke): the version stays a label, or the versions' series would collide under
        // one name and labels, and the scrape would keep one of them.
        counter("kafka.network<type=RequestMetrics, name=RequestsPerSec, request=(Produce|FetchConsumer|FetchFollower)(?:, version=(\\d+))?><>Count",
            "kafka_network_requestmetrics_requests_total", { request: "$1", version: "$2" }),
        counter(`kafka.server<type=BrokerTopicMetrics, name=(BytesIn|BytesOut|MessagesIn|BytesRejected|FailedProduceRequests|FailedFetchRequests)PerSec${topic}><>Count`,
            "kafka_server_brokertopicmetrics_$1_total", topicLabel),
        gauge("kafka.log<type=LogFlushStats, name=LogFlushRateAndTimeMs><>(50|99)thPercentile", "kafka_log_logflushstats_logflushrateandtimems", { quantile: "0.$1" }),
        counter("kafka.log<type=LogFlushStats, name=LogFlushRateAndTimeMs><>Count", "kafka_log_logflushstats_logflushrateandtimems_count"),
        gauge("kafka.server<type=KafkaServer, name=BrokerState><>Value", "kafka_server_kafkaserver_brokerstate"),
        gauge("kafka.log<type=LogManager, name=OfflineLogDirectoryCount><>Value", "kafka_log_logmanager_offlinelogdirectorycount"),
        // The KRaft controllers' (quorum): where the migration stands (ZkMigrationState), the brokers
        // the quorum knows, and whom this voter follows; the probe and the phase Job read them.
        ...(quorum ? [
            gauge("kafka.controller<type=KafkaController, name=(ZkMigrationState|ActiveBrokerCount|FencedBrokerCount|MigratingZkBrokerCount)><>Value",
                "kafka_controller_kafkacontroller_$1"),
            gauge("kafka.server<type=raft-metrics><>(current-leader|current-epoch|high-watermark)", "kafka_server_raft_metrics_$1"),
        ] : []),
    ];
    return YAML.stringify({
        lowercaseOutputName: true,
        lowercaseOutputLabelNames: true,
        // Read only these MBeans: the rest of Kafka's thousands never reach the scrape.
        includeObjectNames: [
            "kafka.server:type=ReplicaManager,*",
            "kafka.controller:type=KafkaController,*",
            "kafka.controller:type=ControllerStats,name=UncleanLeaderElectionsPerSec",
            "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent",
            "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent",
            "kafka.network:type=RequestMetrics,name=TotalTimeMs,*",
            "kafka.network:type=RequestMetrics,name=RequestsPerSec,*",
            perTopic ? "kafka.server:type=BrokerTopicMetrics,*" : "kafka.server:type=BrokerTopicMetrics,name=*",
            "kafka.log:type=LogFlushStats,*",
            "kafka.server:type=KafkaServer,name=BrokerState",
            "kafka.log:type=LogManager,name=OfflineLogDirectoryCount",
            ...(quorum ? ["kafka.server:type=raft-metrics"] : []),
        ],
        rules,
    }, { lineWidth: 0 });
}
