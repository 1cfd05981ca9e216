import type { MonitoringOptions } from "./options";
import { type CustomObject, durationSeconds } from "../shared/metrics";
import { fresh, freshSeconds, podsOf, podsUp } from "./promql";
import { healthRules, volumeRules } from "./health";
import { consumerLagRules } from "./lag";


/** What the alerts and the dashboard watch: the workloads, where they run, which exporters are on. */
export interface MonitoringSettings extends MonitoringOptions {
    mode: "gke" | "existing";
    /** The data namespace (ZooKeeper and Kafka). */
    namespace: string;
    zookeeper: { replicas: number; metrics: boolean };
    /** The brokers, and the replication a partition's writes need (kafka.defaultReplicationFactor, kafka.minInsyncReplicas). */
    kafka: {
        replicas: number; metrics: boolean; replicationFactor: number; minInsyncReplicas: number;
        /** The KRaft controllers while a quorum runs (kafka.metadata migration or kraft): their voters and the migration state the phase must reach. @default none */
        controllers?: { replicas: number; phase: "migration" | "kraft" };
    };
    /** node-exporter's namespace when it runs and is scraped. */
    nodeExporter?: { namespace: string };
    /** The lag exporter (kafka-exporter, in the data namespace) runs and is scraped. @default false */
    consumerLag?: boolean;
    /** Where the alerts' runbook links point when monitoring.runbookUrl is not set. @default "docs/runbook.md" */
    runbook: string;
}

/**
 * The KRaft controllers (kafka.metadata migration, kraft): voters down, the quorum lost, and a
 * migration that has not reached its phase's state (ZkMigrationState: 1 dual write, 3
 * finalised) long after the phase's `pulumi up`, which waits for it at most 15 minutes. The
 * active controller is among KafkaNoActiveController's sum: the controllers are scraped too.
 */
function quorumRules(s: MonitoringSettings, q: { replicas: number; phase: "migration" | "kraft" }): AlertRule[] {
    const pods = podsOf("kafka-controller");
    const majority = Math.floor(q.replicas / 2) + 1;
    const state = q.phase === "migration" ? 1 : 3;
    return [
        { name: "KafkaControllerDown", expr: `${podsUp(s, pods)} < ${q.replicas}`, for: "2m", severity: "warning",
            summary: `Fewer than ${q.replicas} KRaft controllers answer their metrics scrape: the quorum tolerates fewer failures` },
        { name: "KafkaControllerQuorumLost", expr: `${podsUp(s, pods)} < ${majority}`, for: "1m", severity: "critical",
            summary: `Fewer than ${majority} of ${q.replicas} KRaft controllers answer: no majority, no metadata changes (leaders, ISRs, topics)` },
        { name: "KafkaMigrationStateUnexpected", expr: `max(${fresh(s, `kafka_controller_kafkacontroller_zkmigrationstate{namespace="${s.namespace}",${pods}}`)}) != ${state}`,
            for: "30m", severity: "warning",
            summary: `The KRaft controllers have not reached kafka.metadata ${q.phase} (ZkMigrationState ${state}) for 30 minutes: see the kafka-metadata-${q.phase} Job's log` },
    ];
}

export interface AlertRule {
    /** The alert's name, also its runbook anchor (lower-cased). */
    name: string;
    expr: string;
    /** How long the condition must hold before it fires (a Prometheus duration). */
    for: string;
    severity: "critical" | "warning";
    summary: string;
}

/** The rule group of every alert: its name in Prometheus and in Cloud Monitoring. */
export const RULE_GROUP = "zk-kafka-gke";

const seconds = (n: number) => `${n}s`;

/**
 * The alerts that page on lost data or availability, each with the condition that fires it; each
 * counts only fresh samples (freshSeconds). One server down warns; critical is what stops
 * writes: fewer ZooKeeper servers than a majority, or more brokers down than a partition can
 * lose and keep min.insync.replicas. Then the workloads' health and their volumes (health.ts).
 */
export function alertRules(s: MonitoringSettings): AlertRule[] {
    const ns = s.namespace;
    const sel = `namespace="${ns}"`;
    const rules: AlertRule[] = [];
    if (s.kafka.metrics) {
        const k = s.kafka;
        // A partition keeps taking acks=all writes while no more than this many of its replicas are down.
        const spare = k.replicationFactor - k.minInsyncReplicas;
        const controllers = `sum(${fresh(s, `kafka_controller_kafkacontroller_activecontrollercount{${sel}}`)})`;
        rules.push(
            { name: "KafkaOfflinePartitions", expr: `sum(${fresh(s, `kafka_controller_kafkacontroller_offlinepartitionscount{${sel}}`)}) > 0`, for: "1m", severity: "critical",
                summary: "Kafka has partitions without a leader: their data can be neither written nor read" },
            { name: "KafkaUnderMinIsrPartitions", expr: `sum(${fresh(s, `kafka_server_replicamanager_underminisrpartitioncount{${sel}}`)}) > 0`, for: "1m", severity: "critical",
                summary: "Kafka partitions are below min.insync.replicas: acks=all writes to them are refused" },
            { name: "KafkaNoActiveController", expr: `(${controllers} or vector(0)) < 1`, for: "1m", severity: "critical",
                summary: "Kafka has no active controller: leadership and ISR changes stall" },
            // A controller move shows two for up to the freshness window (the old one's last sample): held longer than that.
            { name: "KafkaMultipleActiveControllers", expr: `${controllers} > 1`, for: seconds(freshSeconds(s) + 60), severity: "critical",
                summary: "More than one Kafka broker acts as controller: their leadership and ISR decisions conflict" },
            { name: "KafkaUnderReplicatedPartitions", expr: `sum(${fresh(s, `kafka_server_replicamanager_underreplicatedpartitions{${sel}}`)}) > 0`, for: "10m", severity: "warning",
                summary: "Kafka partitions have been under-replicated for 10 minutes: one more broker lost may stop writes" },
            { name: "KafkaBrokerDown", expr: `${podsUp(s, podsOf("kafka"))} < ${k.replicas}`, for: "2m", severity: "warning",
                summary: `Fewer than ${k.replicas} Kafka brokers answer their metrics scrape: the cluster runs without spare replicas` },
            { name: "KafkaBrokersDownBelowMinIsr", expr: `${podsUp(s, podsOf("kafka"))} < ${k.replicas - spare}`, for: "2m", severity: "critical",
                summary: `More than ${spare} Kafka broker${spare === 1 ? " is" : "s are"} down: partitions with replicas on them are below min.insync.replicas and refuse acks=all writes` },
        );
    }
    if (s.kafka.metrics && s.kafka.controllers) rules.push(...quorumRules(s, s.kafka.controllers));
    if (s.zookeeper.metrics) {
        const majority = Math.floor(s.zookeeper.replicas / 2) + 1;
        rules.push(
            { name: "ZooKeeperServerDown", expr: `${podsUp(s, podsOf("zk"))} < ${s.zookeeper.replicas}`, for: "2m", severity: "warning",
                summary: `Fewer than ${s.zookeeper.replicas} ZooKeeper servers answer their metrics scrape: the ensemble tolerates fewer failures` },
            { name: "ZooKeeperQuorumLost", expr: `${podsUp(s, podsOf("zk"))} < ${majority}`, for: "1m", severity: "critical",
                summary: `Fewer than ${majority} of ${s.zookeeper.replicas} ZooKeeper servers answer: no majority, no quorum` },
            // Only the leader exports leader_uptime: none fresh means no quorum leader. A leader
            // change shows two for up to the freshness window, which is not an alert.
            { name: "ZooKeeperNoLeader", expr: `(count(${fresh(s, `leader_uptime{${sel},${podsOf("zk")}}`)}) or vector(0)) < 1`, for: "1m", severity: "critical",
                summary: "The ZooKeeper ensemble has no quorum leader: Kafka cannot change any metadata" },
        );
    }
    rules.push(...healthRules(s), ...volumeRules(s), ...consumerLagRules(s));
    if (s.nodeExporter) {
        rules.push({ name: "NodeExporterDown", expr: `${fresh(s, `up{namespace="${s.nodeExporter.namespace}",pod=~"node-exporter-.+"}`)} == 0`, for: "5m", severity: "warning",
            summary: "A node's node-exporter does not answer: that node's disk, memory and network go unwatched" });
    }
    return rules;
}

/** The runbook section of an alert: docs/runbook.md has a heading per alert. */
export function runbookLink(s: Pick<MonitoringSettings, "runbook" | "runbookUrl">, alert: string): string {
    return `${s.runbookUrl ?? s.runbook}#${alert.toLowerCase()}`;
}

/** The alerts as a Prometheus Operator PrometheusRule (existing mode with monitoring.prometheusOperator). */
export function prometheusRule(s: MonitoringSettings, metadata: CustomObject["metadata"], extra: AlertRule[] = []): CustomObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata,
        spec: {
            groups: [{
                name: RULE_GROUP,
                interval: s.evaluationInterval,
                rules: [...alertRules(s), ...extra].map((r) => ({
                    alert: r.name, expr: r.expr, for: r.for, labels: { severity: r.severity },
                    annotations: { summary: r.summary, runbook_url: runbookLink(s, r.name) },
                })),
            }],
        },
    };
}

/**
 * The alerts as Cloud Monitoring alert policies (gke mode): one per alert, a PromQL condition
 * evaluated by Cloud Monitoring over the managed-collection data, documented with the summary
 * and the runbook section.
 */
export function alertPolicies(s: MonitoringSettings & { project: string }, rules: AlertRule[] = alertRules(s)) {
    return rules.map((r) => ({
        name: r.name,
        args: {
            project: s.project,
            displayName: `${r.name} (${s.namespace})`,
            combiner: "OR",
            severity: r.severity === "critical" ? "CRITICAL" : "WARNING",
            conditions: [{
                displayName: r.summary,
                conditionPrometheusQueryLanguage: {
                    query: r.expr, duration: seconds(durationSeconds(r.for)!), evaluationInterval: seconds(durationSeconds(s.evaluationInterval)!),
                    alertRule: r.name, ruleGroup: RULE_GROUP, labels: { severity: r.severity },
                    // A first `up` creates the policies before any pod has exported a sample:
                    // without this, the API refuses a query on a metric it has not seen yet
                    // (hashicorp/terraform-provider-google#20491).
                    disableMetricValidation: true,
                },
            }],
            documentation: {
                subject: `${r.name}: ${r.summary}`,
                mimeType: "text/markdown",
                content: `${r.summary}.\n\nWhat to do: ${runbookLink(s, r.name)}`,
                // A notification's button; only an absolute URL opens from an e-mail or a phone.
                ...(s.runbookUrl !== undefined ? { links: [{ displayName: "Runbook", url: runbookLink(s, r.name) }] } : {}),
            },
            notificationChannels: s.notificationChannels,
            userLabels: { "part-of": "zk-kafka-gke", severity: r.severity },
        },
    }));
}
