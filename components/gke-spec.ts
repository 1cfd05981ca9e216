import * as YAML from "yaml";
import type * as gcp from "@pulumi/gcp";

/** Defaults of the GKE cluster: the tutorial's "four nodes, each with 2 CPUs and 4 GiB". */
export const GKE_DEFAULTS = {
    nodeCount: 4,
    machineType: "e2-standard-2",
    diskSizeGb: 50,
    diskType: "pd-balanced" as "pd-balanced" | "pd-ssd" | "pd-standard",
    releaseChannel: "REGULAR" as "RAPID" | "REGULAR" | "STABLE" | "EXTENDED",
    masterCidr: "172.16.0.32/28",
    deletionProtection: true,
    privateNodes: false,
    network: "default",
    /** Zones GKE spreads a regional cluster's nodes over when none are given. */
    regionalZones: 3,
};

/**
 * What the nodes' own service account may do, and nothing more: write logs and metrics, read
 * monitoring, write resource metadata, pull images from Artifact Registry.
 */
export const NODE_ROLES = [
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/monitoring.viewer",
    "roles/stackdriver.resourceMetadata.writer",
    "roles/artifactregistry.reader",
] as const;

export interface GkeSettings {
    project: string;
    /** A zone (zonal cluster) or a region (regional cluster). */
    location: string;
    name: string;
    nodeCount: number;
    machineType: string;
    diskSizeGb: number;
    diskType: string;
    releaseChannel: string;
    deletionProtection: boolean;
    zones?: string[];
    privateNodes: boolean;
    masterCidr: string;
    masterAuthorizedNetworks?: Array<{ cidr: string; name?: string }>;
    maintenanceWindow?: string;
    network: string;
    subnetwork?: string;
}

/** The region of a location: europe-west1-b -> europe-west1; a region stays itself. */
export function regionOf(location: string): string {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location) ? location.replace(/-[a-z]$/, "") : location;
}

/** The node service account's ID (6-30 characters): gke-<cluster name>, cut to fit. */
export function nodeServiceAccountId(clusterName: string): string {
    return `gke-${clusterName}`.slice(0, 30).replace(/-+$/, "");
}

const labels = { "part-of": "zk-kafka-gke", "managed-by": "pulumi" };

/** The cluster, without its default node pool (the NodePool is managed on its own). */
export function clusterArgs(s: GkeSettings): gcp.container.ClusterArgs {
    return {
        project: s.project,
        name: s.name,
        location: s.location,
        // A cluster cannot be created without a pool: GKE makes a one-node default pool that
        // is deleted at once, so its settings never matter and changing them never replaces.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        releaseChannel: { channel: s.releaseChannel },
        workloadIdentityConfig: { workloadPool: `${s.project}.svc.id.goog` },
        // Dataplane V2 enforces NetworkPolicy itself; no separate networkPolicy addon.
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {},
        network: s.network,
        ...(s.subnetwork !== undefined ? { subnetwork: s.subnetwork } : {}),
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
        monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
        ...(s.privateNodes ? {
            privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false, masterIpv4CidrBlock: s.masterCidr },
        } : {}),
        ...(s.masterAuthorizedNetworks !== undefined ? {
            masterAuthorizedNetworksConfig: {
                cidrBlocks: s.masterAuthorizedNetworks.map((n) => ({ cidrBlock: n.cidr, displayName: n.name ?? n.cidr })),
            },
        } : {}),
        ...(s.maintenanceWindow !== undefined ? {
            maintenancePolicy: { dailyMaintenanceWindow: { startTime: s.maintenanceWindow } },
        } : {}),
        resourceLabels: labels,
        deletionProtection: s.deletionProtection,
    };
}

/** The node pool, minus the references (cluster, service account) only Pulumi knows. */
export function nodePoolArgs(s: GkeSettings): Omit<gcp.container.NodePoolArgs, "cluster"> & {
    nodeConfig: gcp.types.input.container.NodePoolNodeConfig;
} {
    return {
        project: s.project,
        location: s.location,
        nodeCount: s.nodeCount,
        ...(s.zones !== undefined ? { nodeLocations: s.zones } : {}),
        management: { autoRepair: true, autoUpgrade: true },
        // Surge one node in before draining one: an upgrade never dips below the capacity the
        // PodDisruptionBudgets and the hostname anti-affinity count on.
        upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
        nodeConfig: {
            machineType: s.machineType,
            diskSizeGb: s.diskSizeGb,
            diskType: s.diskType,
            imageType: "COS_CONTAINERD",
            oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            metadata: { "disable-legacy-endpoints": "true" },
            resourceLabels: labels,
        },
    };
}

/**
 * A kubeconfig for the cluster that authenticates through the gke-gcloud-auth-plugin exec
 * plugin (the `auth-provider: gcp` of old kubectl is gone since Kubernetes 1.26).
 */
export function gkeKubeconfig(c: { name: string; endpoint: string; caCertificate: string }): string {
    const context = `gke_${c.name}`;
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: `https://${c.endpoint}`, "certificate-authority-data": c.caCertificate } }],
        contexts: [{ name: context, context: { cluster: context, user: context } }],
        "current-context": context,
        users: [{
            name: context,
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1",
                    command: "gke-gcloud-auth-plugin",
                    installHint: "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin",
                    provideClusterInfo: true,
                    interactiveMode: "IfAvailable",
                },
            },
        }],
    });
}
