import * as YAML from "yaml";
import Ajv from "ajv";
import podMonitoringSchema from "./crds/monitoring.googleapis.com_v1_PodMonitoring.json";
import { RegisteredResource } from "./runtime";
import { durationSeconds } from "../components/shared/metrics";

/** A Kubernetes object as it would be sent to the API server. */
export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: unknown;
}

/** A rendered object that the Kubernetes OpenAPI schema rejects. */
export class ManifestError extends Error {}

// Apply order, as kubectl users expect to read it: what others refer to comes first.
const KIND_ORDER = ["Namespace", "ResourceQuota", "ServiceAccount", "ConfigMap", "Secret", "Service", "PodDisruptionBudget", "DaemonSet", "StatefulSet"];

/**
 * Custom resources and where their schema comes from: a kept models package where one exists
 * (the Prometheus Operator's), else the CRD's own OpenAPI schema, vendored (tools/crds/).
 */
const CUSTOM_MODELS: Record<string, () => new (data: unknown) => { validate(): void }> = {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- one model module, loaded when first needed
    "monitoring.coreos.com/v1/ServiceMonitor": () => require("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor").ServiceMonitor,
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
    "monitoring.coreos.com/v1/PodMonitor": () => require("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor").PodMonitor,
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
    "monitoring.coreos.com/v1/PrometheusRule": () => require("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule").PrometheusRule,
};
const validatePodMonitoring = new Ajv({ allErrors: true }).compile(podMonitoringSchema);

/** The Kubernetes objects among the registered resources, in apply order (server-side-apply patches left out). */
export function kubernetesObjects(resources: RegisteredResource[]): KubernetesObject[] {
    const rank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
    return resources
        // Patches (kubernetes:…Patch) are partial objects applied over live ones: resources.json has them.
        .filter((r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.endsWith("Patch"))
        .map((r) => r.props as KubernetesObject)
        .sort((a, b) => rank(a.kind) - rank(b.kind) ||
            (a.metadata.namespace ?? "").localeCompare(b.metadata.namespace ?? "") ||
            a.metadata.name.localeCompare(b.metadata.name));
}

/** `StatefulSet zk-kafka/zk` */
export function describeObject(o: KubernetesObject): string {
    return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
}

/**
 * Validates an object against the Kubernetes OpenAPI schema shipped by kubernetes-models and
 * throws a ManifestError naming the object and the offending field.
 */
export function validateObject(o: KubernetesObject): void {
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
        throw new ManifestError(`${JSON.stringify(o).slice(0, 80)}…: every object needs apiVersion, kind and metadata.name`);
    }
    if (o.apiVersion === "monitoring.googleapis.com/v1" && o.kind === "PodMonitoring") return validateAgainstCrd(o);
    let Model: new (data: unknown) => { validate(): void };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the model module is named by the object's apiVersion and kind
        Model = CUSTOM_MODELS[`${o.apiVersion}/${o.kind}`]?.() ?? require(`kubernetes-models/${o.apiVersion}/${o.kind}`)[o.kind];
    } catch {
        throw new ManifestError(`${describeObject(o)}: no Kubernetes schema for ${o.apiVersion} ${o.kind}`);
    }
    try {
        new Model(o).validate();
    } catch (e) {
        const detail = (e as Error).message.replace(/\bdata\//g, "").replace(/\/(\d+)(?=\/|\s|$)/g, "[$1]").replace(/\//g, ".");
        throw new ManifestError(`${describeObject(o)}: ${detail}`);
    }
}

function validateAgainstCrd(o: KubernetesObject): void {
    if (!validatePodMonitoring(o)) {
        const e = validatePodMonitoring.errors![0];
        throw new ManifestError(`${describeObject(o)}: ${e.instancePath.slice(1).replace(/\//g, ".")} ${e.message}`);
    }
    // The CRD's CEL rule: a scrape must end before the next one starts.
    const seconds = (d: string) => durationSeconds(d) ?? Number.NaN;
    for (const [i, e] of ((o.spec as { endpoints: Array<{ interval: string; timeout?: string }> }).endpoints).entries()) {
        if (e.timeout !== undefined && seconds(e.timeout) > seconds(e.interval)) {
            throw new ManifestError(`${describeObject(o)}: spec.endpoints[${i}].timeout (${e.timeout}) must not be greater than the interval (${e.interval})`);
        }
    }
}

/** Multi-document YAML, one document per object. */
export function toYaml(objects: KubernetesObject[]): string {
    return objects.map((o) => YAML.stringify(o, { lineWidth: 0 })).join("---\n");
}
