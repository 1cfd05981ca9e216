import type { AlertRule, MonitoringSettings } from "./spec";
import { fresh, podsOfDeployment, podsUp } from "./promql";
import { KAFKA_EXPORTER_NAME } from "../kafka-exporter";

/**
 * The declared consumer groups' lag, as kafka_exporter reports it (components/kafka-exporter):
 * kafka_consumergroup_lag_sum per group and topic (the log end offsets less the committed ones,
 * summed over the partitions that have a commit) and kafka_consumergroup_current_offset_sum (the
 * committed offsets, summed). A group whose consumers keep up commits and stays near zero; one
 * that falls behind lags; one that has stopped has lag and commits nothing. While the exporter's
 * pod is replaced both pods' series show for the freshness window: each alert takes the max.
 */
export function consumerLagRules(s: MonitoringSettings): AlertRule[] {
    if (!s.consumerLag) return [];
    const pods = podsOfDeployment(KAFKA_EXPORTER_NAME);
    const exporter = `namespace="${s.namespace}",${pods}`;
    const lag = `max by (consumergroup, topic) (${fresh(s, `kafka_consumergroup_lag_sum{${exporter}}`)})`;
    const commits = `max by (consumergroup, topic) (changes(kafka_consumergroup_current_offset_sum{${exporter}}[10m]))`;
    return [
        { name: "KafkaConsumerGroupLagging", for: "15m", severity: "warning",
            expr: `${lag} > ${s.consumerLagMessages}`,
            summary: `A declared consumer group has been over ${s.consumerLagMessages} messages behind on a topic for 15 minutes: its consumers do not keep up` },
        // Ten minutes without a changed commit, held five: a consumer commits every few seconds while it reads (auto.commit.interval.ms 5 s).
        { name: "KafkaConsumerGroupStalled", for: "5m", severity: "warning",
            expr: `(${lag} > 0) and on (consumergroup, topic) (${commits} == 0)`,
            summary: "A declared consumer group has messages to read on a topic but has committed nothing for 15 minutes: its consumers are stopped or stuck" },
        { name: "KafkaExporterDown", for: "5m", severity: "warning",
            expr: `${podsUp(s, pods)} < 1`,
            summary: "The lag exporter does not answer its scrape: the consumer-lag alerts see nothing" },
    ];
}
