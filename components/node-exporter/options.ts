import * as v from "valibot";
import type { NodeExporterOptionsInput as Documented } from "./generated/node-exporter-options";
import { field, optionalKey, SameAs, strictSection, withDefault } from "../shared/fields";
import { isScrapeInterval } from "../shared/metrics";

/** A DaemonSet's maxUnavailable: an integer >= 1 or a percentage from 1% to 100%. */
export function isMaxUnavailable(value: unknown): boolean {
    if (typeof value === "number") return Number.isInteger(value) && value >= 1;
    const m = typeof value === "string" ? /^(\d{1,3})%$/.exec(value) : null;
    return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 100;
}

const maxUnavailableMust = "must be an integer >= 1 or a percentage from 1% to 100%, e.g. 1 or 10%";

/**
 * Every setting of the node-exporter DaemonSet, defined once: type, default, rule and
 * description. The stack's `nodeExporter` section is exactly this.
 */
export const nodeExporterOptions = strictSection({
    enabled: withDefault(field.bool(), true,
        { description: "Deploy node-exporter on every node (false: no node-exporter object and no monitoring namespace)" }),
    namespace: withDefault(field.dnsLabel(), "monitoring",
        { description: "Namespace of node-exporter, created with Pod Security privileged (hostNetwork, hostPID and hostPath are its point)" }),
    image: withDefault(field.image(), "quay.io/prometheus/node-exporter:v1.10.2",
        { description: "The Prometheus project's node-exporter 1.x image; a change rolls one node at a time" }),
    maxUnavailable: withDefault(v.pipe(v.union([v.number(), v.string()], maxUnavailableMust), v.check((x: number | string) => isMaxUnavailable(x), maxUnavailableMust)), 1,
        { description: "RollingUpdate maxUnavailable: nodes updated at once", allowed: maxUnavailableMust }),
    cpu: withDefault(field.quantity("must be a positive Kubernetes CPU quantity, e.g. 100m"), "100m",
        { description: "CPU request and limit of each pod" }),
    memory: withDefault(field.quantity("must be a Kubernetes memory quantity of at least 32Mi, e.g. 96Mi", (size) => size >= 32 * 2 ** 20), "96Mi",
        { description: "Memory request and limit of each pod" }),
    timeoutMinutes: withDefault(field.int("must be an integer number of minutes from 1 to 60", { min: 1, max: 60 }), 5,
        { description: "How long pulumi up waits for the DaemonSet's rollout before it fails, naming it (a bad image stops there)" }),
    podMonitoring: optionalKey(field.bool(),
        { description: "A PodMonitoring for GKE's Managed Service for Prometheus", defaultText: "true in gke mode, false in existing mode" }),
    serviceMonitor: withDefault(field.bool(), false,
        { description: "A ServiceMonitor for a Prometheus Operator (its CRDs must be installed)" }),
    scrapeInterval: withDefault(field.string("must be a Prometheus duration from 5s to 5m such as 30s or 1m", isScrapeInterval), "30s",
        { description: "How often the metrics are scraped" }),
});

export type NodeExporterOptionsInput = SameAs<Documented, v.InferInput<typeof nodeExporterOptions>>;
/** With every default applied; podMonitoring resolved by the stack from the cluster mode. */
export type NodeExporterOptions = Omit<v.InferOutput<typeof nodeExporterOptions>, "podMonitoring"> & { podMonitoring: boolean };
