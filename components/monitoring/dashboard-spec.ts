import type { MonitoringSettings } from "./spec";
import { podsOf } from "./promql";

/** A chart of the dashboard: where it sits on the 48-column grid and the PromQL of its lines. */
export interface Tile {
    title: string;
    x: number;
    y: number;
    width: number;
    height: number;
    /** Legend template (Cloud Monitoring's: `${labels.pod}` is the series' pod label) -> PromQL. */
    queries: Record<string, string>;
}

const W = 24;
const H = 16;

/**
 * The panels an operator opens first, top to bottom: is data safe (partitions, controller), is it
 * moving (ISR churn, latency, throughput, idle capacity), is ZooKeeper keeping up, is a disk or a
 * heap filling. Only the workloads whose metrics are on get panels.
 */
export function dashboardTiles(s: MonitoringSettings): Tile[] {
    const sel = `namespace="${s.namespace}"`;
    const panels: Array<Omit<Tile, "x" | "y" | "width" | "height">> = [];
    if (s.kafka.metrics) {
        panels.push(
            { title: "Kafka partitions at risk", queries: {
                offline: `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${sel}})`,
                "under min ISR": `sum(kafka_server_replicamanager_underminisrpartitioncount{${sel}})`,
                "under-replicated": `sum(kafka_server_replicamanager_underreplicatedpartitions{${sel}})`,
            } },
            { title: "Active controllers (must be 1)", queries: { controllers: `sum(kafka_controller_kafkacontroller_activecontrollercount{${sel}})` } },
            { title: "ISR shrinks and expands per second", queries: {
                shrinks: `sum(rate(kafka_server_replicamanager_isrshrinks_total{${sel}}[5m]))`,
                expands: `sum(rate(kafka_server_replicamanager_isrexpands_total{${sel}}[5m]))`,
            } },
            { title: "Request latency p99 (ms)", queries: {
                "${labels.request}": `max by (request) (kafka_network_requestmetrics_totaltimems{${sel},quantile="0.99"})`,
            } },
            { title: "Throughput (bytes per second)", queries: {
                // topic="": the all-topics series only; with kafka.metricsPerTopic the per-topic
                // ones share the name and would count every byte twice.
                in: `sum(rate(kafka_server_brokertopicmetrics_bytesin_total{${sel},topic=""}[5m]))`,
                out: `sum(rate(kafka_server_brokertopicmetrics_bytesout_total{${sel},topic=""}[5m]))`,
            } },
            { title: "Idle capacity (1 = idle)", queries: {
                "request handlers": `min(kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent{${sel}})`,
                "network processors": `min(kafka_network_socketserver_networkprocessoravgidlepercent{${sel}})`,
            } },
        );
    }
    if (s.consumerLag) {
        panels.push({ title: "Consumer lag of the declared groups (messages)", queries: {
            "${labels.consumergroup} ${labels.topic}": `max by (consumergroup, topic) (kafka_consumergroup_lag_sum{${sel}})`,
        } });
    }
    if (s.zookeeper.metrics) {
        panels.push(
            { title: "ZooKeeper latency (ms)", queries: {
                "avg ${labels.pod}": `max by (pod) (avg_latency{${sel},${podsOf("zk")}})`,
                "max ${labels.pod}": `max by (pod) (max_latency{${sel},${podsOf("zk")}})`,
            } },
            { title: "ZooKeeper outstanding requests", queries: { "${labels.pod}": `max by (pod) (outstanding_requests{${sel},${podsOf("zk")}})` } },
        );
    }
    panels.push(
        { title: "Data volume used (fraction)", queries: s.mode === "gke"
            ? { "${labels.pod_name}": `max by (pod_name) (kubernetes_io:pod_volume_utilization{namespace_name="${s.namespace}",volume_name="datadir"})` }
            : { "${labels.persistentvolumeclaim}": `max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${sel}} / kubelet_volume_stats_capacity_bytes{${sel}})` } },
        { title: "JVM heap used per pod (bytes)", queries: { "${labels.pod}": `sum by (pod) (jvm_memory_bytes_used{${sel},area="heap"})` } },
    );
    return panels.map((p, i) => ({ ...p, x: (i % 2) * W, y: Math.floor(i / 2) * H, width: W, height: H }));
}

/** The Cloud Monitoring dashboard (its JSON): a mosaic of line charts, each a PromQL query per line. */
export function dashboardJson(s: MonitoringSettings): string {
    return JSON.stringify({
        displayName: `ZooKeeper and Kafka (${s.namespace})`,
        mosaicLayout: {
            columns: 48,
            tiles: dashboardTiles(s).map((t) => ({
                xPos: t.x, yPos: t.y, width: t.width, height: t.height,
                widget: {
                    title: t.title,
                    xyChart: {
                        dataSets: Object.entries(t.queries).map(([legend, query]) => ({
                            timeSeriesQuery: { prometheusQuery: query }, plotType: "LINE", legendTemplate: legend,
                        })),
                    },
                },
            })),
        },
        labels: { "zk-kafka-gke": "" },
    });
}
