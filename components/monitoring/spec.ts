import type { MonitoringOptions } from "./options";
import type { CustomObject } from "../shared/metrics";

/** What the alerts and the dashboard watch: the workloads, where they run, which exporters are on. */
export interface MonitoringSettings extends MonitoringOptions {
    mode: "gke" | "existing";
    /** The data namespace (ZooKeeper and Kafka). */
    namespace: string;
    zookeeper: { replicas: number; metrics: boolean };
    kafka: { replicas: number; metrics: boolean };
    /** node-exporter's namespace when it runs and is scraped. */
    nodeExporter?: { namespace: string };
    /** Where the alerts' runbook links point. @default "docs/runbook.md" */
    runbook: string;
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

/** A pod-name matcher for a StatefulSet's pods (zk-0, kafka-2, …). */
const podsOf = (statefulSet: string) => `pod=~"${statefulSet}-[0-9]+"`;

/**
 * `up` of a StatefulSet's pods, counted; 0 when no target is left at all (every pod gone). Managed
 * collection writes `up` per scraped target as Prometheus does (prometheus-engine,
 * e2e/collector_test.go, testValidateCollectorUpMetrics), with the target's `namespace` and `pod`.
 */
const podsUp = (ns: string, statefulSet: string) => `(count(up{namespace="${ns}",${podsOf(statefulSet)}} == 1) or vector(0))`;

/**
 * The alerts that page on lost data or availability, each with the condition that fires it.
 * Volume usage comes from the kubelet: GKE exports it as a system metric (kubernetes.io/pod/volume/utilization,
 * queried as kubernetes_io:pod_volume_utilization); a Prometheus that scrapes the kubelets has kubelet_volume_stats_*.
 */
export function alertRules(s: MonitoringSettings): AlertRule[] {
    const ns = s.namespace;
    const sel = `namespace="${ns}"`;
    const rules: AlertRule[] = [];
    if (s.kafka.metrics) {
        rules.push(
            { name: "KafkaOfflinePartitions", expr: `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${sel}}) > 0`, for: "1m", severity: "critical",
                summary: "Kafka has partitions without a leader: their data can be neither written nor read" },
            { name: "KafkaUnderMinIsrPartitions", expr: `sum(kafka_server_replicamanager_underminisrpartitioncount{${sel}}) > 0`, for: "1m", severity: "critical",
                summary: "Kafka partitions are below min.insync.replicas: acks=all writes to them are refused" },
            { name: "KafkaActiveControllerCount", expr: `sum(kafka_controller_kafkacontroller_activecontrollercount{${sel}}) != 1`, for: "1m", severity: "critical",
                summary: "Kafka has no active controller, or more than one: leadership and ISR changes stall or conflict" },
            { name: "KafkaUnderReplicatedPartitions", expr: `sum(kafka_server_replicamanager_underreplicatedpartitions{${sel}}) > 0`, for: "10m", severity: "warning",
                summary: "Kafka partitions have been under-replicated for 10 minutes: one more broker lost may stop writes" },
            { name: "KafkaBrokerDown", expr: `${podsUp(ns, "kafka")} < ${s.kafka.replicas}`, for: "2m", severity: "critical",
                summary: `Fewer than ${s.kafka.replicas} Kafka brokers answer their metrics scrape` },
        );
    }
    if (s.zookeeper.metrics) {
        rules.push(
            { name: "ZooKeeperServerDown", expr: `${podsUp(ns, "zk")} < ${s.zookeeper.replicas}`, for: "2m", severity: "critical",
                summary: `Fewer than ${s.zookeeper.replicas} ZooKeeper servers answer their metrics scrape` },
            // Only the leader exports leader_uptime: none means no quorum, two a split.
            { name: "ZooKeeperNoLeader", expr: `(count(leader_uptime{${sel},${podsOf("zk")}}) or vector(0)) != 1`, for: "1m", severity: "critical",
                summary: "The ZooKeeper ensemble has no quorum leader: Kafka cannot change any metadata" },
        );
    }
    const claims = `(${["zk", "kafka"].join("|")})-[0-9]+`;
    rules.push(s.mode === "gke"
        ? { name: "DataVolumeFilling", expr: `max by (pod_name) (kubernetes_io:pod_volume_utilization{namespace_name="${ns}",volume_name="datadir"}) > 0.8`,
            for: "5m", severity: "warning", summary: "A ZooKeeper or Kafka data volume is over 80% full" }
        : { name: "DataVolumeFilling", for: "5m", severity: "warning", summary: "A ZooKeeper or Kafka data volume is over 80% full",
            expr: `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${sel},persistentvolumeclaim=~"datadir-${claims}"}` +
                ` / kubelet_volume_stats_capacity_bytes{${sel},persistentvolumeclaim=~"datadir-${claims}"}) > 0.8` });
    if (s.nodeExporter) {
        rules.push({ name: "NodeExporterDown", expr: `up{namespace="${s.nodeExporter.namespace}",pod=~"node-exporter-.+"} == 0`, for: "5m", severity: "warning",
            summary: "A node's node-exporter does not answer: that node's disk, memory and network go unwatched" });
    }
    return rules;
}

/** The runbook section of an alert: docs/runbook.md has a heading per alert. */
export function runbookLink(s: Pick<MonitoringSettings, "runbook">, alert: string): string {
    return `${s.runbook}#${alert.toLowerCase()}`;
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
                interval: s.scrapeInterval,
                rules: [...alertRules(s), ...extra].map((r) => ({
                    alert: r.name, expr: r.expr, for: r.for, labels: { severity: r.severity },
                    annotations: { summary: r.summary, runbook_url: runbookLink(s, r.name) },
                })),
            }],
        },
    };
}

const seconds = (duration: string) => {
    const m = /^(\d+)(s|m|h)$/.exec(duration)!;
    return `${Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"]}s`;
};

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
                    query: r.expr, duration: seconds(r.for), evaluationInterval: seconds(s.scrapeInterval),
                    alertRule: r.name, ruleGroup: RULE_GROUP, labels: { severity: r.severity },
                },
            }],
            documentation: {
                subject: `${r.name}: ${r.summary}`,
                mimeType: "text/markdown",
                content: `${r.summary}.\n\nWhat to do: ${runbookLink(s, r.name)}`,
            },
            notificationChannels: s.notificationChannels,
            userLabels: { "part-of": "zk-kafka-gke", severity: r.severity },
        },
    }));
}
