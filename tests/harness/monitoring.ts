import { alertRules } from "../../components/monitoring";
import { DEV_MONITORING } from "../../tools/dashboard-picture";
import { dashboardTiles } from "../../components/monitoring";
import { metricNames } from "./prometheus";

/** Every query the alerts and the dashboard run, in both modes, every exporter on. */
export function allQueries(): string[] {
    // The dev stack's settings with every kind of scrape and alert on.
    const base = { ...DEV_MONITORING, prometheusOperator: true };
    return (["gke", "existing"] as const).flatMap((mode) => {
        const s = { ...base, mode };
        return [...alertRules(s).map((r) => r.expr), ...dashboardTiles(s).flatMap((t) => Object.values(t.queries))];
    });
}

/**
 * The metric names those queries read, by who must serve them: `up` is the scraper's own, volume
 * usage the kubelet's (GKE's system metric, or kubelet_volume_stats_*), consumer lag kafka_exporter's;
 * the rest the brokers' and servers' exporters'.
 */
export function queriedMetrics(): { zookeeper: string[]; kafka: string[]; lag: string[]; platform: string[] } {
    const names = [...new Set(allQueries().flatMap(metricNames))].sort();
    const platform = names.filter((n) => n === "up" || n.startsWith("kubernetes_io:") || n.startsWith("kubelet_"));
    // kafka_exporter's (components/kafka-exporter), not the brokers' JMX agent.
    const lag = names.filter((n) => n.startsWith("kafka_consumergroup_"));
    const exporters = names.filter((n) => !platform.includes(n) && !lag.includes(n));
    return {
        platform,
        lag,
        // The JVM and process collectors run in both exporters.
        kafka: exporters.filter((n) => n.startsWith("kafka_") || n.startsWith("jvm_") || n.startsWith("process_")),
        zookeeper: exporters.filter((n) => !n.startsWith("kafka_")),
    };
}
