import type { AlertRule, MonitoringSettings } from "./spec";
import { fresh, podsOf } from "./promql";

/**
 * The alerts an operator of Kafka and ZooKeeper expects beyond availability (Strimzi's and
 * ZooKeeper's own rules have them): a broker or server that is slow, short of heap, file
 * descriptors or threads, or losing data, before it goes down. Each workload's only when its
 * metrics are on. The JVM and process series come from the exporters' default collectors
 * (the JMX agent's and ZooKeeper's Prometheus provider register the hotspot and process
 * collectors of client_java); the Kafka ones from the agent's rules (components/kafka/metrics.ts).
 */
export function healthRules(s: MonitoringSettings): AlertRule[] {
    const sel = `namespace="${s.namespace}"`;
    const workloads = [s.zookeeper.metrics ? "zk" : undefined, s.kafka.metrics ? "kafka" : undefined].filter((w): w is string => w !== undefined);
    const rules: AlertRule[] = [];
    if (workloads.length > 0) {
        const pods = `${sel},${podsOf(workloads.join("|"))}`;
        rules.push(
            { name: "JvmHeapNearlyFull", for: "10m", severity: "warning",
                expr: `sum by (pod) (${fresh(s, `jvm_memory_bytes_used{${pods},area="heap"}`)}) / sum by (pod) (jvm_memory_bytes_max{${pods},area="heap"}) > 0.9`,
                summary: "A ZooKeeper server's or Kafka broker's heap has been over 90% used for 10 minutes: long GC pauses, then an OutOfMemoryError" },
            { name: "JvmGcTimeHigh", for: "10m", severity: "warning",
                expr: `sum by (pod) (rate(jvm_gc_collection_seconds_sum{${pods}}[5m])) > 0.1`,
                summary: "A ZooKeeper server or Kafka broker spends over 10% of its time in garbage collection: sessions and requests time out" },
            { name: "OpenFileDescriptorsNearLimit", for: "10m", severity: "warning",
                expr: `${fresh(s, `process_open_fds{${pods}}`)} / process_max_fds{${pods}} > 0.8`,
                summary: "A ZooKeeper server or Kafka broker uses over 80% of its file descriptors: at the limit it refuses connections and cannot open segments" },
        );
    }
    if (s.kafka.metrics) {
        const kafka = `${sel},${podsOf("kafka")}`;
        rules.push(
            { name: "KafkaUncleanLeaderElections", for: "0s", severity: "critical",
                expr: `sum(increase(kafka_controller_controllerstats_uncleanleaderelections_total{${kafka}}[10m])) > 0`,
                summary: "Kafka elected an out-of-sync replica leader: acknowledged messages of those partitions are lost" },
            { name: "KafkaOfflineLogDirectories", for: "1m", severity: "critical",
                expr: `sum(${fresh(s, `kafka_log_logmanager_offlinelogdirectorycount{${kafka}}`)}) > 0`,
                summary: "A Kafka broker's log directory is offline (a disk error): its partitions there have no replica on it" },
            { name: "KafkaIsrShrinking", for: "15m", severity: "warning",
                expr: `sum(rate(kafka_server_replicamanager_isrshrinks_total{${kafka}}[5m])) > 0`,
                summary: "Kafka ISRs have kept shrinking for 15 minutes, longer than a roll: a broker falls behind or flaps" },
            { name: "KafkaRequestHandlersBusy", for: "10m", severity: "warning",
                expr: `min(${fresh(s, `kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${kafka}}`)}) < 0.2`,
                summary: "A Kafka broker's request handler threads have been under 20% idle for 10 minutes: requests queue and latency grows" },
            { name: "KafkaNetworkProcessorsBusy", for: "10m", severity: "warning",
                expr: `min(${fresh(s, `kafka_network_socketserver_networkprocessoravgidlepercent{${kafka}}`)}) < 0.2`,
                summary: "A Kafka broker's network threads have been under 20% idle for 10 minutes: connections and requests wait" },
        );
    }
    if (s.zookeeper.metrics) {
        const zk = `${sel},${podsOf("zk")}`;
        rules.push(
            { name: "ZooKeeperHighLatency", for: "10m", severity: "warning",
                expr: `max(${fresh(s, `avg_latency{${zk}}`)}) > 50`,
                summary: "A ZooKeeper server's average request latency has been over 50 ms for 10 minutes: Kafka's metadata changes slow down" },
            { name: "ZooKeeperSlowFsync", for: "10m", severity: "warning",
                expr: `max by (pod) (rate(fsynctime_sum{${zk}}[5m]) / rate(fsynctime_count{${zk}}[5m])) > 100`,
                summary: "A ZooKeeper server's transaction log fsync has averaged over 100 ms for 10 minutes: its disk is too slow, and followers fall behind" },
        );
    }
    return rules;
}

/**
 * The data volumes: a warning when one will be full within a day at the last six hours' rate
 * (predict_linear, before any threshold), a warning at 80%, a page at 90%. GKE exports the
 * kubelet's volume usage as a system metric (kubernetes.io/pod/volume/utilization, queried as
 * kubernetes_io:pod_volume_utilization); a Prometheus that scrapes the kubelets has kubelet_volume_stats_*.
 */
export function volumeRules(s: MonitoringSettings): AlertRule[] {
    const utilization = `kubernetes_io:pod_volume_utilization{namespace_name="${s.namespace}",volume_name="datadir"}`;
    const claims = `namespace="${s.namespace}",persistentvolumeclaim=~"datadir-(zk|kafka)-[0-9]+"`;
    const used = s.mode === "gke"
        ? `max by (pod_name) (${utilization})`
        : `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${claims}} / kubelet_volume_stats_capacity_bytes{${claims}})`;
    const predicted = s.mode === "gke"
        ? `max by (pod_name) (predict_linear(${utilization}[6h], 86400)) > 1`
        : `min by (persistentvolumeclaim) (predict_linear(kubelet_volume_stats_available_bytes{${claims}}[6h], 86400)) < 0`;
    return [
        { name: "DataVolumeFillingUp", expr: predicted, for: "30m", severity: "warning",
            summary: "A ZooKeeper or Kafka data volume will be full within a day at its last six hours' rate" },
        { name: "DataVolumeFilling", expr: `${used} > 0.8`, for: "5m", severity: "warning",
            summary: "A ZooKeeper or Kafka data volume is over 80% full" },
        { name: "DataVolumeAlmostFull", expr: `${used} > 0.9`, for: "5m", severity: "critical",
            summary: "A ZooKeeper or Kafka data volume is over 90% full: at 100% the broker or server stops" },
    ];
}
