import { z } from "zod";
import { field, strictSection } from "./shared/fields";

/** A Prometheus duration as the scrape configs take it: 30s, 1m, 1m30s. */
export const PROMETHEUS_DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** A DaemonSet's maxUnavailable: an integer >= 1 or a percentage from 1% to 100%. */
export function isMaxUnavailable(v: unknown): boolean {
    if (typeof v === "number") return Number.isInteger(v) && v >= 1;
    const m = typeof v === "string" ? /^(\d{1,3})%$/.exec(v) : null;
    return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 100;
}

const maxUnavailableMust = "must be an integer >= 1 or a percentage from 1% to 100%, e.g. 1 or 10%";

/**
 * Every setting of the node-exporter DaemonSet, defined once: type, default, rule and
 * description. The stack's `nodeExporter` section is exactly this.
 */
export const nodeExporterOptions = strictSection({
    enabled: field.bool().default(true)
        .meta({ description: "Deploy node-exporter on every node (false: no node-exporter object and no monitoring namespace)" }),
    namespace: field.dnsLabel().default("monitoring")
        .meta({ description: "Namespace of node-exporter, created with Pod Security privileged (hostNetwork, hostPID and hostPath are its point)" }),
    image: field.image().default("quay.io/prometheus/node-exporter:v1.10.2")
        .meta({ description: "The Prometheus project's node-exporter 1.x image; a change rolls one node at a time" }),
    maxUnavailable: z.union([z.number(), z.string()], { error: maxUnavailableMust }).refine(isMaxUnavailable, { error: maxUnavailableMust })
        .default(1).meta({ description: "RollingUpdate maxUnavailable: nodes updated at once", allowed: maxUnavailableMust }),
    cpu: field.quantity("must be a positive Kubernetes CPU quantity, e.g. 100m").default("100m")
        .meta({ description: "CPU request and limit of each pod" }),
    memory: field.quantity("must be a Kubernetes memory quantity of at least 32Mi, e.g. 96Mi", (v) => v >= 32 * 2 ** 20).default("96Mi")
        .meta({ description: "Memory request and limit of each pod" }),
    timeoutMinutes: field.int("must be an integer number of minutes from 1 to 60", { min: 1, max: 60 }).default(5)
        .meta({ description: "How long pulumi up waits for the DaemonSet's rollout before it fails, naming it (a bad image stops there)" }),
    podMonitoring: field.bool().optional()
        .meta({ description: "A PodMonitoring for GKE's Managed Service for Prometheus", defaultText: "true in gke mode, false in existing mode" }),
    serviceMonitor: field.bool().default(false)
        .meta({ description: "A ServiceMonitor for a Prometheus Operator (its CRDs must be installed)" }),
    scrapeInterval: field.string("must be a Prometheus duration from 5s to 5m such as 30s or 1m", isScrapeInterval).default("30s")
        .meta({ description: "How often the metrics are scraped" }),
});

function isScrapeInterval(s: string): boolean {
    const m = PROMETHEUS_DURATION.exec(s);
    if (!m || s === "") return false;
    const [y, w, d, h, min, sec, ms] = [2, 4, 6, 8, 10, 12, 14].map((i) => Number(m[i] ?? 0));
    const seconds = (((y * 365 + w * 7 + d) * 24 + h) * 60 + min) * 60 + sec + ms / 1000;
    return seconds >= 5 && seconds <= 300;
}

export type NodeExporterOptionsInput = z.input<typeof nodeExporterOptions>;
/** With every default applied; podMonitoring resolved by the stack from the cluster mode. */
export type NodeExporterOptions = Omit<z.output<typeof nodeExporterOptions>, "podMonitoring"> & { podMonitoring: boolean };
