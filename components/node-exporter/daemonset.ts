import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NODE_EXPORTER_NAME, nodeExporterSpecs } from "./spec";
import { NodeExporterOptionsInput, nodeExporterOptions } from "./options";
import { parseArgs } from "../shared/fields";

/**
 * Settings of node-exporter: every key of `nodeExporterOptions` (components/node-exporter/options.ts,
 * where each one's default, rule and description are defined; docs/configuration.md lists them).
 */
export type NodeExporterArgs = Omit<NodeExporterOptionsInput, "enabled" | "podMonitoring"> & {
    /** Create a PodMonitoring for GKE's Managed Service for Prometheus. @default false */
    podMonitoring?: boolean;
    /** Labels on the ServiceMonitor that a Prometheus Operator's selectors need (monitoring.prometheusOperatorLabels). @default none */
    operatorLabels?: Record<string, string>;
};

/**
 * Prometheus node-exporter on every node, as in the "StatefulSet and DaemonSet updates"
 * walkthrough: its own privileged namespace, a hardened non-root DaemonSet reading the host
 * read-only, a headless Service, and the scrape object of the Prometheus the cluster runs.
 */
export class NodeExporter extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly daemonSet: k8s.apps.v1.DaemonSet;
    readonly service: k8s.core.v1.Service;

    constructor(name: string, args: NodeExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:monitoring:NodeExporter", name, {}, opts);
        const { operatorLabels, ...options } = args;
        const settings = parseArgs("NodeExporter", name, nodeExporterOptions, options);
        const specs = nodeExporterSpecs({ ...settings, podMonitoring: settings.podMonitoring ?? false, operatorLabels });
        const parent = { parent: this };

        this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, specs.namespace, parent);
        // Every namespaced object names the Namespace resource's output: created after it, deleted before it.
        const inNamespace = <T extends { metadata?: unknown }>(spec: T): T =>
            ({ ...spec, metadata: { ...(spec.metadata as object), namespace: this.namespace.metadata.name } });
        const quota = new k8s.core.v1.ResourceQuota(`${NODE_EXPORTER_NAME}-critical-pods`, inNamespace(specs.criticalPodsQuota), parent);
        this.daemonSet = new k8s.apps.v1.DaemonSet(NODE_EXPORTER_NAME, inNamespace(specs.daemonSet), {
            ...parent,
            dependsOn: [quota],
            // A bad image must not hold `pulumi up` for the provider's default ten minutes: fail,
            // naming the DaemonSet, while maxUnavailable keeps the other nodes on the old version.
            customTimeouts: { create: `${settings.timeoutMinutes}m`, update: `${settings.timeoutMinutes}m` },
        });
        this.service = new k8s.core.v1.Service(NODE_EXPORTER_NAME, inNamespace(specs.service), parent);
        for (const monitor of [specs.podMonitoring, specs.serviceMonitor]) {
            if (monitor) new k8s.apiextensions.CustomResource(`${NODE_EXPORTER_NAME}-${monitor.kind.toLowerCase()}`, inNamespace(monitor), parent);
        }
        this.registerOutputs({ namespace: this.namespace.metadata.name });
    }
}
