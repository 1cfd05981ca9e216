import type { SelectorLabels } from "./labels";

/** The container port every exporter of this project serves /metrics on, by name. */
export const METRICS_PORT_NAME = "metrics";

/**
 * Who scrapes the pods: GKE's managed collection (a PodMonitoring; its collectors in gmp-system),
 * or a Prometheus in `namespace`, told by a PodMonitor when a Prometheus Operator runs it.
 */
export type Scraper =
    | { kind: "managed" }
    | { kind: "prometheus"; namespace: string; operator: boolean; /** Labels its selectors need on a PodMonitor. */ labels?: Record<string, string> };

/**
 * A Prometheus duration (30s, 1m, 1m30s, 5000ms: units from the largest down, each at most once;
 * prometheus/common model.ParseDuration) in seconds; undefined for anything else.
 */
export function durationSeconds(s: string): number | undefined {
    const m = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/.exec(s);
    if (!m || s === "") return undefined;
    const [y, w, d, h, min, sec, ms] = [2, 4, 6, 8, 10, 12, 14].map((i) => Number(m[i] ?? 0));
    return (((y * 365 + w * 7 + d) * 24 + h) * 60 + min) * 60 + sec + ms / 1000;
}

/** A Prometheus duration from 5 s to 5 min: what a scrape interval may be. */
export function isScrapeInterval(s: string): boolean {
    const seconds = durationSeconds(s);
    return seconds !== undefined && seconds >= 5 && seconds <= 300;
}

/**
 * A Prometheus duration that Cloud Monitoring takes as an alert's evaluation interval (a positive
 * multiple of 30 s: AlertPolicy conditionPrometheusQueryLanguage.evaluationInterval), up to 10 min.
 */
export function isEvaluationInterval(s: string): boolean {
    const seconds = durationSeconds(s);
    return seconds !== undefined && seconds > 0 && seconds <= 600 && seconds % 30 === 0;
}

/** Who scrapes a workload's metrics port, and how often. */
export interface Scrape { scraper: Scraper; interval: string }

/** A custom resource as plain data, ready for k8s.apiextensions.CustomResource. */
export interface CustomObject { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: Record<string, unknown> }

/** The type of the scrape object `scrapeObject` makes, known before any Output resolves. */
export function scrapeType(scrape: Scrape | undefined): { apiVersion: string; kind: string } | undefined {
    const o = scrape && scrapeObject(scrape.scraper, { name: "", namespace: "" }, {}, scrape.interval);
    return o && { apiVersion: o.apiVersion, kind: o.kind };
}

/**
 * The scrape configuration of a workload's pods: their selector labels (the same object their
 * template and Services use) and the named metrics port, every `interval`.
 */
export function scrapeObject(scraper: Scraper, metadata: { name: string; namespace: string; labels?: Record<string, string> },
    selector: SelectorLabels, interval: string): CustomObject | undefined {
    const matchLabels = { ...selector };
    const endpoint = { port: METRICS_PORT_NAME, interval };
    switch (scraper.kind) {
        case "managed":
            return { apiVersion: "monitoring.googleapis.com/v1", kind: "PodMonitoring", metadata, spec: { selector: { matchLabels }, endpoints: [endpoint] } };
        case "prometheus":
            return scraper.operator
                ? { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: operatorMetadata(metadata, scraper.labels),
                    spec: { selector: { matchLabels }, podMetricsEndpoints: [endpoint] } }
                : undefined;
    }
}

/** An operator object's metadata with the labels its Prometheus selects on; the object's own labels win a clash. */
export function operatorMetadata<M extends { labels?: Record<string, string> }>(metadata: M, labels: Record<string, string> = {}): M {
    return { ...metadata, labels: { ...labels, ...metadata.labels } };
}

/**
 * The scrapers' pods, as a NetworkPolicy `from` peer: managed collection's collector DaemonSet
 * (gmp-system, app.kubernetes.io/name=collector: prometheus-engine, manifests/operator.yaml),
 * or every pod of the Prometheus namespace.
 */
export function scraperPeer(scraper: Scraper): { namespaceSelector: { matchLabels: Record<string, string> }; podSelector?: { matchLabels: Record<string, string> } } {
    const ns = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
    switch (scraper.kind) {
        case "managed":
            return { namespaceSelector: ns("gmp-system"), podSelector: { matchLabels: { "app.kubernetes.io/name": "collector" } } };
        case "prometheus":
            return { namespaceSelector: ns(scraper.namespace) };
    }
}

/** A workload's metrics port and who may scrape it, as its WorkloadTraffic says: nothing when metrics are off or nobody scrapes. */
export function scrapePeer(metrics: boolean | undefined, port: number, scrape: Scrape | undefined): { metrics?: { port: number; from: ReturnType<typeof scraperPeer> } } {
    return metrics && scrape !== undefined ? { metrics: { port, from: scraperPeer(scrape.scraper) } } : {};
}
