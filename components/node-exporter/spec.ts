import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, podLabels, podSecurityLabels, selectorLabels } from "../shared/labels";
import { imageTag } from "../shared/fields";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "../shared/pod";
import { NodeExporterOptions } from "./options";
import { CustomObject, METRICS_PORT_NAME, operatorMetadata, scrapeObject } from "../shared/metrics";

export const NODE_EXPORTER_NAME = "node-exporter";
export const NODE_EXPORTER_PORT = 9100;
/** The Prometheus project's image runs as nobody. */
const NOBODY = 65534;
const PRIORITY_CLASS = "system-node-critical";

export const nodeExporterSelector = selectorLabels(NODE_EXPORTER_NAME);

/** Host filesystems it reads, each read-only, and the flag that points node-exporter at it. */
export const HOST_MOUNTS = [
    { name: "proc", hostPath: "/proc", mountPath: "/host/proc", flag: "--path.procfs" },
    { name: "sys", hostPath: "/sys", mountPath: "/host/sys", flag: "--path.sysfs" },
    { name: "root", hostPath: "/", mountPath: "/host/root", flag: "--path.rootfs" },
] as const;

/**
 * udev's database on the host, for the disk and network collectors' device labels: node_exporter
 * resolves --path.udev.data on its own (default /run/udev/data, the container's), not under
 * --path.rootfs (node_exporter collector/paths.go), so it is named under the host's root mount.
 */
export const UDEV_DATA_ARG = `--path.udev.data=${HOST_MOUNTS.find((m) => m.name === "root")!.mountPath}/run/udev/data`;

/** The collectors' exclusions of kube-prometheus, plus GKE's COS mount points: container and virtual filesystems say nothing about the node. */
const ARGS = [
    "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+|var/lib/containerd/.+|home/kubernetes/containerized_mounter/.+)($|/)",
    "--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|tmpfs)$",
    "--collector.netclass.ignored-devices=^(veth.*|lxc.*|[a-f0-9]{15})$",
    "--collector.netdev.device-exclude=^(veth.*|lxc.*|[a-f0-9]{15})$",
];

/** Seconds a new pod must stay Ready before the rollout counts it and moves to the next node. */
export const MIN_READY_SECONDS = 10;

export interface NodeExporterSpecs {
    namespace: k8s.core.v1.NamespaceArgs;
    criticalPodsQuota: k8s.core.v1.ResourceQuotaArgs;
    daemonSet: k8s.apps.v1.DaemonSetArgs;
    service: k8s.core.v1.ServiceArgs;
    podMonitoring?: CustomObject;
    serviceMonitor?: CustomObject;
}

/** Every object of node-exporter, as plain data (no Pulumi runtime needed). */
export function nodeExporterSpecs(s: NodeExporterOptions & { operatorLabels?: Record<string, string> }): NodeExporterSpecs {
    const labels = objectLabels(nodeExporterSelector, NODE_EXPORTER_NAME, "metrics");
    const meta = { name: NODE_EXPORTER_NAME, namespace: s.namespace, labels };
    const endpoint = { port: METRICS_PORT_NAME, interval: s.scrapeInterval };
    return {
        // hostNetwork, hostPID and hostPath mounts are what node-exporter is for, and the
        // restricted and baseline levels forbid each of them: this namespace alone is privileged,
        // and it holds nothing else. The data namespace stays restricted.
        namespace: { metadata: { name: s.namespace, labels: { ...podSecurityLabels("privileged"), "app.kubernetes.io/part-of": "zk-kafka-gke" } } },
        // GKE admits pods of the system-*-critical classes only in namespaces with a quota that
        // names them (Kubernetes "Limit Priority Class consumption by default"; without it:
        // "insufficient quota to match these scopes"). Harmless elsewhere.
        criticalPodsQuota: {
            metadata: { name: `${NODE_EXPORTER_NAME}-critical-pods`, namespace: s.namespace, labels },
            spec: {
                hard: { pods: "1000" },
                scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: [PRIORITY_CLASS] }] },
            },
        },
        daemonSet: {
            metadata: meta,
            spec: {
                selector: { matchLabels: { ...nodeExporterSelector } },
                updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: s.maxUnavailable } },
                minReadySeconds: MIN_READY_SECONDS,
                // The rollback history `kubectl rollout history` shows; the stack's history is the other.
                revisionHistoryLimit: 10,
                template: {
                    metadata: { labels: podLabels(labels, imageTag(s.image)) },
                    spec: podSpec(s),
                },
            },
        },
        service: {
            metadata: meta,
            spec: {
                clusterIP: "None",
                selector: { ...nodeExporterSelector },
                ports: [{ name: "metrics", port: NODE_EXPORTER_PORT, targetPort: "metrics" }],
            },
        },
        // The same scrape object as ZooKeeper's and Kafka's (shared/metrics.ts).
        ...(s.podMonitoring ? { podMonitoring: scrapeObject({ kind: "managed" }, meta, nodeExporterSelector, s.scrapeInterval) } : {}),
        ...(s.serviceMonitor ? {
            serviceMonitor: {
                apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: operatorMetadata(meta, s.operatorLabels),
                spec: { selector: { matchLabels: { ...nodeExporterSelector } }, namespaceSelector: { matchNames: [s.namespace] }, endpoints: [endpoint] },
            },
        } : {}),
    };
}

function podSpec(s: NodeExporterOptions): k8s.types.input.core.v1.PodSpec {
    const httpProbe = { httpGet: { path: "/", port: "metrics" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
    return {
        hostNetwork: true,
        hostPID: true,
        // With hostNetwork, cluster DNS needs this policy; node-exporter resolves nothing, but kubelet warns without it.
        dnsPolicy: "ClusterFirstWithHostNet",
        priorityClassName: PRIORITY_CLASS,
        // Every node, tainted or not: a node without metrics is the one nobody watches.
        tolerations: [{ operator: "Exists" }],
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        // Reads the host only through read-only hostPath mounts: no volume to own.
        securityContext: hardenedPodSecurityContext(NOBODY, NOBODY, false),
        containers: [{
            name: NODE_EXPORTER_NAME,
            image: s.image,
            args: [...HOST_MOUNTS.map((m) => `${m.flag}=${m.mountPath}`), UDEV_DATA_ARG, `--web.listen-address=:${NODE_EXPORTER_PORT}`, ...ARGS],
            // With hostNetwork the port is the node's: declared, so that a second exporter on 9100 stays Pending instead of crash-looping.
            ports: [{ name: "metrics", containerPort: NODE_EXPORTER_PORT, hostPort: NODE_EXPORTER_PORT, protocol: "TCP" }],
            resources: { requests: { cpu: s.cpu, memory: s.memory }, limits: { cpu: s.cpu, memory: s.memory } },
            readinessProbe: httpProbe,
            livenessProbe: { ...httpProbe, initialDelaySeconds: 5 },
            securityContext: hardenedContainerSecurityContext(),
            volumeMounts: HOST_MOUNTS.map((m) => ({
                name: m.name, mountPath: m.mountPath, readOnly: true,
                // Mounts made on the host after the pod started (new volumes) show up for the filesystem collector.
                ...(m.name === "root" ? { mountPropagation: "HostToContainer" } : {}),
            })),
        }],
        volumes: HOST_MOUNTS.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
    };
}
