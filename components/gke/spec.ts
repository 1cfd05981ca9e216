import * as YAML from "yaml";
import type * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { GkeSettings } from "./options";

/** Zones GKE spreads a regional cluster's nodes over when none are given. */
export const REGIONAL_DEFAULT_ZONES = 3;

/**
 * The metadata server as pods reach it: with Workload Identity, GKE's metadata server answers
 * there (static metadata such as instance/zone, and tokens only for the pod's own identity).
 */
export const GKE_METADATA_SERVER = "169.254.169.254:80";

/**
 * Where GKE delivers pods' metadata requests, for an egress NetworkPolicy to admit: the address
 * itself under Dataplane V2, the node's gke-metadata-server on 988 otherwise (GKE's Workload
 * Identity docs, on network policies).
 */
export const GKE_METADATA_EGRESS = [{ cidr: "169.254.169.254/32", port: 80 }, { cidr: "169.254.169.252/32", port: 988 }];

/**
 * What the nodes' own service account may do, and nothing more. GKE's predefined minimum for
 * nodes (logs, metrics, monitoring reads, resource metadata, autoscaling metrics), per "Configure
 * GKE node service accounts" (cloud.google.com/kubernetes-engine/security/configure-node-service-accounts)
 * and CIS GKE Benchmark v1.9.0 §5.2.1; plus image pulls from Artifact Registry, which it leaves out.
 */
export const NODE_ROLES = [
    "roles/container.defaultNodeServiceAccount",
    "roles/artifactregistry.reader",
] as const;

/** IAM, not access scopes, limits what nodes may do; GKE's documented setting for a custom account. */
export const NODE_OAUTH_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/** The region of a location: europe-west1-b -> europe-west1; a region stays itself. */
export function regionOf(location: string): string {
    return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location) ? location.replace(/-[a-z]$/, "") : location;
}

/**
 * The node service account's ID (6-30 characters): gke-<cluster name>, cut to fit, and padded
 * with -nodes when the name is too short (`gke-a` is below the minimum). Names of two or more
 * characters keep the ID they always had, so existing stacks keep their account.
 */
export function nodeServiceAccountId(clusterName: string): string {
    const id = `gke-${clusterName}`.slice(0, 30).replace(/-+$/, "");
    return id.length >= 6 ? id : `${id}-nodes`;
}

/**
 * Identity and hardening every node VM gets, the default pool's included. The service account,
 * scopes, metadata and shielded-instance settings are create-only in the provider (a change
 * replaces the pool); the metadata server mode and the kubelet's settings are updated in place
 * (node_config.go: workload_metadata_config and kubelet_config carry no ForceNew).
 */
function nodeIdentity(serviceAccount: pulumi.Input<string>) {
    return {
        serviceAccount,
        oauthScopes: NODE_OAUTH_SCOPES,
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        metadata: { "disable-legacy-endpoints": "true" },
        // Port 10255 serves pod specs and node stats to anyone without authentication; nothing
        // here reads it (GMP and node-exporter scrape their own ports).
        kubeletConfig: { insecureKubeletReadonlyPortEnabled: "FALSE" },
    };
}

/** The keys the cluster and its pool encrypt with; absent where that encryption is off. */
export interface ClusterKeys {
    /** The Cloud KMS key of application-layer secrets encryption. */
    secrets?: pulumi.Input<string>;
    /** The Cloud KMS key of the nodes' boot disks. */
    bootDisk?: pulumi.Input<string>;
}

/**
 * The control plane's endpoints, each block always sent: they are Optional+Computed in the
 * provider, so a block left out keeps whatever the cluster has (an old authorized network
 * included). With the DNS endpoint the IP endpoint is off, and GKE then reports the private
 * endpoint as enabled whatever was asked (terraform-provider-google, resource_container_cluster.go,
 * containerClusterApiDictatedPrivateEndpointField), so that is what is asked. The whole block is
 * one UpdateCluster call, in place (expandControlPlaneEndpointsConfig).
 */
function controlPlaneAccess(s: GkeSettings) {
    const ip = s.controlPlaneEndpoint === "ip";
    return {
        controlPlaneEndpointsConfig: { dnsEndpointConfig: { allowExternalTraffic: !ip }, ipEndpointsConfig: { enabled: ip } },
        // enablePrivateNodes is sent "off" included, and updatable in place on a Private Service
        // Connect cluster (the kind GKE creates when no masterIpv4CidrBlock is given); the CIDR
        // itself is create-only.
        privateClusterConfig: {
            enablePrivateNodes: s.privateNodes,
            enablePrivateEndpoint: !ip,
            ...(s.masterCidr !== undefined ? { masterIpv4CidrBlock: s.masterCidr } : {}),
        },
        // Sent only with the IP endpoint, which is all it guards: the provider leaves it out of the
        // request when the IP endpoint is off. The options require networks in ip mode.
        ...(ip ? {
            masterAuthorizedNetworksConfig: {
                cidrBlocks: (s.masterAuthorizedNetworks ?? []).map((n) => ({ cidrBlock: n.cidr, displayName: n.name ?? n.cidr })),
                gcpPublicCidrsAccessEnabled: false,
            },
        } : {}),
    };
}

const labels = { "part-of": "zk-kafka-gke", "managed-by": "pulumi" };

/**
 * The cluster, without its default node pool (the NodePool is managed on its own). `nodeAccount`
 * is the node service account's email: the short-lived default pool runs as it too, so a project
 * that deleted the Compute Engine default account can still create the cluster.
 */
export function clusterArgs(s: GkeSettings, nodeAccount: pulumi.Input<string>, keys: ClusterKeys = {}): gcp.container.ClusterArgs {
    return {
        project: s.project,
        name: s.name,
        location: s.location,
        // A cluster cannot be created without a pool: GKE makes a one-node default pool that is
        // deleted at once. Its nodeConfig is create-only and GKE later reports another pool's
        // there, so the component ignores changes to it after creation.
        removeDefaultNodePool: true,
        initialNodeCount: 1,
        nodeConfig: nodeIdentity(nodeAccount),
        releaseChannel: { channel: s.releaseChannel },
        workloadIdentityConfig: { workloadPool: `${s.project}.svc.id.goog` },
        // Dataplane V2 enforces NetworkPolicy itself; no separate networkPolicy addon.
        datapathProvider: "ADVANCED_DATAPATH",
        enableShieldedNodes: true,
        networkingMode: "VPC_NATIVE",
        ipAllocationPolicy: {},
        network: s.network,
        ...(s.subnetwork !== undefined ? { subnetwork: s.subnetwork } : {}),
        // Same-node pod traffic goes through the VPC too, where flow logs and firewall rules see it.
        enableIntranodeVisibility: true,
        loggingConfig: { enableComponents: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
        monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
        ...controlPlaneAccess(s),
        // GKE's defaults since 1.12 (no client certificate, no ABAC), pinned. The certificate
        // block is ForceNew, but the provider reads it back from the cluster (flattenMasterAuth),
        // so a cluster that never issued one sees no change.
        masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
        enableLegacyAbac: false,
        // No RoleBinding may grant anything to system:anonymous, system:unauthenticated or
        // system:authenticated (GKE's own default bindings excepted).
        rbacBindingConfig: { enableInsecureBindingSystemUnauthenticated: false, enableInsecureBindingSystemAuthenticated: false },
        // Pools created later (by hand or by GKE) get the read-only port off too.
        nodePoolDefaults: { nodeConfigDefaults: { insecureKubeletReadonlyPortEnabled: "FALSE" } },
        // Workload configuration audit on; the basic vulnerability tier is deprecated and the
        // advanced one needs GKE Enterprise, so scanning is Artifact Analysis's (the program
        // turns on containerscanning.googleapis.com).
        securityPostureConfig: { mode: "BASIC", vulnerabilityMode: "VULNERABILITY_DISABLED" },
        binaryAuthorization: { evaluationMode: s.binaryAuthorization === "off" ? "DISABLED" : "PROJECT_SINGLETON_POLICY_ENFORCE" },
        // Always sent: the block is Optional+Computed, so leaving it out would not turn encryption off.
        databaseEncryption: keys.secrets !== undefined ? { state: "ENCRYPTED", keyName: keys.secrets } : { state: "DECRYPTED" },
        ...(s.maintenanceWindow !== undefined ? {
            maintenancePolicy: { dailyMaintenanceWindow: { startTime: s.maintenanceWindow } },
        } : {}),
        resourceLabels: labels,
        deletionProtection: s.deletionProtection,
    };
}

/** The node pool, minus the cluster reference only Pulumi knows; `nodeAccount` as for clusterArgs. */
export function nodePoolArgs(s: GkeSettings, nodeAccount: pulumi.Input<string>, keys: ClusterKeys = {}): Omit<gcp.container.NodePoolArgs, "cluster"> {
    return {
        project: s.project,
        location: s.location,
        nodeCount: s.nodeCount,
        ...(s.zones !== undefined ? { nodeLocations: s.zones } : {}),
        management: { autoRepair: true, autoUpgrade: true },
        // Surge one node in before draining one: an upgrade never dips below the capacity the
        // PodDisruptionBudgets and the hostname anti-affinity count on.
        upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
        // The pool's own switch: the cluster-level one applies to pools created later, this one
        // moves the existing nodes on or off public IPs in place.
        networkConfig: { enablePrivateNodes: s.privateNodes },
        // machineType, disk and image are updated in place by GKE (a surge upgrade, node by
        // node); the identity block and the boot disk key are create-only and replace the pool.
        nodeConfig: {
            ...nodeIdentity(nodeAccount),
            machineType: s.machineType,
            diskSizeGb: s.diskSizeGb,
            diskType: s.diskType,
            imageType: "COS_CONTAINERD",
            ...(keys.bootDisk !== undefined ? { bootDiskKmsKey: keys.bootDisk } : {}),
            resourceLabels: labels,
        },
    };
}

/** Where a kubeconfig reaches the cluster's API server, and the CA its certificate is checked against. */
export interface ApiServer {
    /** `https://…`: the DNS endpoint's name, or the IP endpoint's address. */
    server: string;
    /** The cluster CA (base64 PEM) for the IP endpoint; absent for the DNS endpoint. */
    caCertificate?: string;
}

/**
 * The API server a kubeconfig names for the chosen endpoint. The DNS endpoint (`*.gke.goog`)
 * presents a publicly trusted certificate, not one of the cluster CA: a kubeconfig that pins the
 * cluster CA fails TLS there (crossplane-contrib/provider-upjet-gcp#988, kubeswitch#163), so it
 * names none, as `gcloud container clusters get-credentials --dns-endpoint` does.
 */
export function apiServer(endpoint: "dns" | "ip", c: { dnsEndpoint?: string; ipEndpoint: string; caCertificate: string }): ApiServer {
    if (endpoint === "ip") return { server: `https://${c.ipEndpoint}`, caCertificate: c.caCertificate };
    if (!c.dnsEndpoint) throw new Error("the cluster reports no DNS endpoint (controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint); set cluster.controlPlaneEndpoint to ip");
    return { server: `https://${c.dnsEndpoint}` };
}

/**
 * A kubeconfig for the cluster that authenticates through the gke-gcloud-auth-plugin exec
 * plugin (the `auth-provider: gcp` of old kubectl is gone since Kubernetes 1.26); the plugin's
 * Google token is what IAM authorizes on the DNS endpoint too.
 */
export function gkeKubeconfig(c: { name: string } & ApiServer): string {
    const context = `gke_${c.name}`;
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: context, cluster: { server: c.server, ...(c.caCertificate !== undefined ? { "certificate-authority-data": c.caCertificate } : {}) } }],
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
