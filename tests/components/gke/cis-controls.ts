import type { RenderedStack } from "../../harness/render";

type Props = Record<string, any>;

/** What a control is judged on: the rendered Cluster and NodePool inputs, and the stack's other resources. */
export interface Rendered {
    cluster: Props;
    pool: Props;
    stack: RenderedStack;
}

export interface Control {
    /** Its number in the CIS Google Kubernetes Engine (GKE) Benchmark v1.9.0. */
    id: string;
    title: string;
    /** The input that proves it, as docs/design.md names it. */
    field: string;
    holds(r: Rendered): boolean;
    /** Why it does not hold in a stack, as docs/design.md gives it; absent: it holds in both. */
    reason?: { dev?: string; prod?: string };
}

const has = (r: Rendered, type: string, ok: (p: Props) => boolean = () => true) =>
    r.stack.resources.some((x) => x.type === type && ok(x.props as Props));

/**
 * Every automated control of section 5 (Managed Services) of CIS GKE v1.9.0, as kube-bench's
 * cfg/gke-1.9.0/managedservices.yaml lists them (aquasecurity/kube-bench), and the benchmark's
 * controls the cluster's own inputs decide elsewhere: 3.2.4 (kube-bench's gke-1.9.0 node.yaml
 * leaves section 3.2 out) and 4.1.8-4.1.10. Binary Authorization (5.1.4) is manual there.
 */
export const CIS_CONTROLS: Control[] = [
    { id: "3.2.4", title: "Kubelet read-only port disabled", field: "nodePool.nodeConfig.kubeletConfig.insecureKubeletReadonlyPortEnabled, cluster.nodePoolDefaults",
        holds: (r) => r.pool.nodeConfig.kubeletConfig?.insecureKubeletReadonlyPortEnabled === "FALSE" &&
            r.cluster.nodePoolDefaults?.nodeConfigDefaults?.insecureKubeletReadonlyPortEnabled === "FALSE" },
    { id: "4.1.8-4.1.10", title: "No bindings to system:anonymous, system:unauthenticated, system:authenticated", field: "cluster.rbacBindingConfig",
        holds: (r) => r.cluster.rbacBindingConfig?.enableInsecureBindingSystemUnauthenticated === false &&
            r.cluster.rbacBindingConfig?.enableInsecureBindingSystemAuthenticated === false },
    { id: "5.1.1", title: "Image vulnerability scanning enabled", field: "projects.Service containerscanning.googleapis.com",
        holds: (r) => has(r, "gcp:projects/service:Service", (p) => p.service === "containerscanning.googleapis.com") },
    { id: "5.1.4", title: "Only trusted container images (Binary Authorization; manual)", field: "cluster.binaryAuthorization, binaryauthorization.Policy",
        holds: (r) => r.cluster.binaryAuthorization?.evaluationMode === "PROJECT_SINGLETON_POLICY_ENFORCE" &&
            has(r, "gcp:binaryauthorization/policy:Policy", (p) => p.defaultAdmissionRule?.evaluationMode === "ALWAYS_DENY"),
        reason: { dev: "off in Pulumi.dev.yaml: the policy is one per project, and a sandbox project is often shared" } },
    { id: "5.2.1", title: "Not the Compute Engine default service account", field: "nodePool.nodeConfig.serviceAccount",
        holds: (r) => typeof r.pool.nodeConfig.serviceAccount === "string" && !/-compute@developer\.gserviceaccount\.com$|^default$/.test(r.pool.nodeConfig.serviceAccount) },
    { id: "5.3.1", title: "Secrets encrypted with Cloud KMS keys", field: "cluster.databaseEncryption",
        holds: (r) => r.cluster.databaseEncryption?.state === "ENCRYPTED" && typeof r.cluster.databaseEncryption.keyName === "string" },
    { id: "5.4.1", title: "GKE Metadata Server enabled", field: "nodePool.nodeConfig.workloadMetadataConfig",
        holds: (r) => r.pool.nodeConfig.workloadMetadataConfig?.mode === "GKE_METADATA" },
    { id: "5.5.1", title: "Container-Optimized OS (cos_containerd)", field: "nodePool.nodeConfig.imageType",
        holds: (r) => r.pool.nodeConfig.imageType === "COS_CONTAINERD" },
    { id: "5.5.2", title: "Node auto-repair", field: "nodePool.management.autoRepair", holds: (r) => r.pool.management?.autoRepair === true },
    { id: "5.5.3", title: "Node auto-upgrade", field: "nodePool.management.autoUpgrade", holds: (r) => r.pool.management?.autoUpgrade === true },
    { id: "5.5.4", title: "Release channel", field: "cluster.releaseChannel",
        holds: (r) => ["RAPID", "REGULAR", "STABLE", "EXTENDED"].includes(r.cluster.releaseChannel?.channel) },
    { id: "5.5.5", title: "Shielded GKE nodes", field: "cluster.enableShieldedNodes", holds: (r) => r.cluster.enableShieldedNodes === true },
    { id: "5.5.6", title: "Integrity monitoring", field: "nodePool.nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring",
        holds: (r) => r.pool.nodeConfig.shieldedInstanceConfig?.enableIntegrityMonitoring === true },
    { id: "5.5.7", title: "Secure boot", field: "nodePool.nodeConfig.shieldedInstanceConfig.enableSecureBoot",
        holds: (r) => r.pool.nodeConfig.shieldedInstanceConfig?.enableSecureBoot === true },
    { id: "5.6.1", title: "Intranode visibility (and VPC flow logs, the subnetwork's)", field: "cluster.enableIntranodeVisibility",
        holds: (r) => r.cluster.enableIntranodeVisibility === true },
    { id: "5.6.2", title: "VPC-native cluster", field: "cluster.networkingMode, cluster.ipAllocationPolicy",
        holds: (r) => r.cluster.networkingMode === "VPC_NATIVE" && r.cluster.ipAllocationPolicy !== undefined },
    { id: "5.6.3", title: "Control plane authorized networks", field: "cluster.controlPlaneEndpointsConfig.ipEndpointsConfig, cluster.masterAuthorizedNetworksConfig",
        holds: (r) => r.cluster.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enabled === false ||
            (r.cluster.masterAuthorizedNetworksConfig?.gcpPublicCidrsAccessEnabled === false && r.cluster.masterAuthorizedNetworksConfig.cidrBlocks.length > 0) },
    { id: "5.6.4", title: "Private endpoint, no public access", field: "cluster.privateClusterConfig.enablePrivateEndpoint, ipEndpointsConfig.enabled",
        holds: (r) => r.cluster.privateClusterConfig?.enablePrivateEndpoint === true && r.cluster.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enabled === false },
    { id: "5.6.5", title: "Private nodes", field: "cluster.privateClusterConfig.enablePrivateNodes, nodePool.networkConfig",
        holds: (r) => r.cluster.privateClusterConfig?.enablePrivateNodes === true && r.pool.networkConfig?.enablePrivateNodes === true },
    { id: "5.6.7", title: "Google-managed SSL certificates", field: "no LoadBalancer Service or Ingress",
        holds: (r) => !r.stack.resources.some((x) => x.type === "kubernetes:networking.k8s.io/v1:Ingress" ||
            (x.type === "kubernetes:core/v1:Service" && (x.props as Props).spec?.type === "LoadBalancer")) },
    { id: "5.7.1", title: "Logging and Cloud Monitoring", field: "cluster.loggingConfig, cluster.monitoringConfig",
        holds: (r) => r.cluster.loggingConfig?.enableComponents?.includes("WORKLOADS") && r.cluster.monitoringConfig?.enableComponents?.includes("SYSTEM_COMPONENTS") },
    { id: "5.8.1", title: "Client certificate authentication disabled", field: "cluster.masterAuth.clientCertificateConfig",
        holds: (r) => r.cluster.masterAuth?.clientCertificateConfig?.issueClientCertificate === false },
    { id: "5.8.3", title: "Legacy authorization (ABAC) disabled", field: "cluster.enableLegacyAbac", holds: (r) => r.cluster.enableLegacyAbac === false },
    { id: "5.9.2", title: "CMEK for boot disks", field: "nodePool.nodeConfig.bootDiskKmsKey", holds: (r) => typeof r.pool.nodeConfig.bootDiskKmsKey === "string" },
    { id: "5.10.1", title: "Kubernetes web UI disabled", field: "cluster.addonsConfig (no dashboard add-on since GKE 1.15)",
        holds: (r) => r.cluster.addonsConfig?.kubernetesDashboard === undefined },
    { id: "5.10.2", title: "No alpha cluster", field: "cluster.enableKubernetesAlpha", holds: (r) => r.cluster.enableKubernetesAlpha !== true },
    { id: "5.10.3", title: "GKE Sandbox for untrusted workloads", field: "nodePool.nodeConfig.sandboxConfig",
        holds: (r) => r.pool.nodeConfig.sandboxConfig?.sandboxType === "gvisor",
        reason: {
            dev: "off: the workloads are this program's own, not untrusted; gVisor's syscall interception costs the JVM brokers' disk and network I/O",
            prod: "off: the workloads are this program's own, not untrusted; gVisor's syscall interception costs the JVM brokers' disk and network I/O",
        } },
    { id: "5.10.4", title: "Security posture", field: "cluster.securityPostureConfig.mode", holds: (r) => r.cluster.securityPostureConfig?.mode === "BASIC" },
];
