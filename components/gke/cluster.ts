import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { ClusterKeys, NODE_ROLES, apiServer, clusterArgs, gkeKubeconfig, nodePoolArgs, nodeServiceAccountId, regionOf } from "./spec";
import { KEY_ROTATION_PERIOD, KEY_USER_ROLE, binaryAuthorizationPolicyArgs, keysToCreate, projectServices, serviceAgents } from "./hardening";
import { GkeOptionsInput, GkeSettings, gkeOptions } from "./options";
import { parseArgs } from "../shared/fields";

/**
 * Settings of the GKE cluster: project, location and name, plus every key of `gkeFields`
 * (components/gke/options.ts, where each one's default, rule and description are defined;
 * docs/configuration.md lists them), all optional.
 */
export type GkeClusterArgs = GkeOptionsInput;

/**
 * A GKE cluster for the tutorial's workloads, hardened to the CIS GKE Benchmark v1.9.0
 * (docs/design.md): release channel, Workload Identity, Dataplane V2, shielded private nodes,
 * VPC-native, the DNS endpoint only, Secrets and boot disks under Cloud KMS keys, Binary
 * Authorization; a separate node pool with surge upgrades and a least-privilege node service
 * account; a kubeconfig (exec plugin) and a Kubernetes provider that waits for the node pool.
 */
export class GkeCluster extends pulumi.ComponentResource {
    readonly cluster: gcp.container.Cluster;
    readonly nodePool: gcp.container.NodePool;
    readonly nodeServiceAccount: gcp.serviceaccount.Account;
    /** A kubeconfig for the cluster; secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** The provider every workload must use. */
    readonly provider: k8s.Provider;
    readonly clusterName: pulumi.Output<string>;
    readonly location: pulumi.Output<string>;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:gke:Cluster", name, {}, opts);
        const s = parseArgs("GkeCluster", name, gkeOptions, args);
        const parent = { parent: this };

        this.nodeServiceAccount = new gcp.serviceaccount.Account(`${name}-nodes`, {
            project: s.project,
            accountId: nodeServiceAccountId(s.name),
            displayName: `GKE nodes of ${s.name} (zk-kafka-gke)`,
        }, { ...parent, deleteBeforeReplace: true });
        const member = pulumi.interpolate`serviceAccount:${this.nodeServiceAccount.email}`;
        const roles = NODE_ROLES.map((role) => new gcp.projects.IAMMember(`${name}-nodes-${role.split("/")[1]}`, {
            project: s.project, role, member,
        }, parent));

        const services = projectServices(s).map((service) => new gcp.projects.Service(`${name}-${service.split(".")[0]}`, {
            project: s.project, service, disableOnDestroy: false, disableDependentServices: false,
        }, parent));
        const { keys, grants } = this.encryptionKeys(name, s, services);

        // The cluster's name is fixed, so a replacement can only delete first (protect stops that
        // in production). Its default pool already runs as the node account, which must hold its
        // roles by then. nodeConfig describes that short-lived pool only: ignored after creation.
        this.cluster = new gcp.container.Cluster(name, clusterArgs(s, this.nodeServiceAccount.email, keys), {
            ...parent, protect: s.deletionProtection, deleteBeforeReplace: true, ignoreChanges: ["nodeConfig"],
            dependsOn: [...roles, ...services, ...grants.secrets],
        });

        // The pool is auto-named, so a change to a create-only input (service account, scopes,
        // metadata, shielded-instance settings, boot disk key) brings the new pool up before the
        // old one is deleted, and GKE deletes a pool without honouring PodDisruptionBudgets: the
        // preview refuses such a change on a live stack (schema/deployed.ts). Machine type and
        // disk are updated in place, node by node.
        const nat = s.privateNodes && s.cloudNat ? this.cloudNat(name, s) : [];
        this.nodePool = new gcp.container.NodePool(`${name}-pool`, {
            ...nodePoolArgs(s, this.nodeServiceAccount.email, keys),
            cluster: this.cluster.name,
        }, { ...parent, dependsOn: [...roles, ...nat, ...grants.bootDisk] });
        // Enforced by the cluster once the policy exists: it must allow the workloads before any runs.
        const policy = s.binaryAuthorization === "managed"
            ? [new gcp.binaryauthorization.Policy(`${name}-binauthz`, binaryAuthorizationPolicyArgs(s.project, s.images), { ...parent, dependsOn: services })]
            : [];

        const dnsEndpoint = this.cluster.controlPlaneEndpointsConfig.apply((c) => c?.dnsEndpointConfig?.endpoint);
        this.kubeconfig = pulumi.secret(pulumi.all([this.cluster.name, this.cluster.endpoint, this.cluster.masterAuth, dnsEndpoint])
            .apply(([clusterName, ipEndpoint, auth, dns]) => gkeKubeconfig({
                name: clusterName,
                ...apiServer(s.controlPlaneEndpoint, { dnsEndpoint: dns, ipEndpoint, caCertificate: auth.clusterCaCertificate ?? "" }),
            })));
        // Workloads need schedulable nodes, not just a control plane. The provider's identity is
        // the cluster's DNS name, unique to this cluster for its whole life: switching the
        // kubeconfig between the DNS and IP endpoints is then an update of the provider, where its
        // own heuristic (a new server in the kubeconfig) would replace every Kubernetes object,
        // and a replaced cluster still replaces them (pulumi-kubernetes, provider.go, DiffConfig).
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, clusterIdentifier: dnsEndpoint },
            { ...parent, dependsOn: [this.nodePool, ...policy] });
        this.clusterName = this.cluster.name;
        this.location = this.cluster.location;
        this.registerOutputs({ clusterName: this.clusterName, location: this.location, kubeconfig: this.kubeconfig });
    }

    /**
     * The Cloud KMS keys of the Secrets and the boot disks, given or created, and each one's use
     * granted to the service agent that encrypts with it. Created keys live in the cluster's
     * region (a key must be where the cluster is) and are never destroyed by Pulumi: destroying
     * a key's versions makes whatever it encrypted unreadable, and a key ring cannot be deleted.
     */
    private encryptionKeys(name: string, s: GkeSettings, services: pulumi.Resource[]): { keys: ClusterKeys; grants: { secrets: pulumi.Resource[]; bootDisk: pulumi.Resource[] } } {
        const parent = { parent: this };
        const created = keysToCreate(s);
        const ring = created.length > 0
            ? new gcp.kms.KeyRing(`${name}-keys`, { project: s.project, location: regionOf(s.location) }, { ...parent, retainOnDelete: true, dependsOn: services })
            : undefined;
        const key = (purpose: "secrets" | "boot-disks") => new gcp.kms.CryptoKey(`${name}-${purpose}`, {
            name: `gke-${purpose}`, keyRing: ring!.id, rotationPeriod: KEY_ROTATION_PERIOD, labels: { "part-of": "zk-kafka-gke" },
        }, { ...parent, retainOnDelete: true }).id;
        const keys: ClusterKeys = {
            ...(s.secretsEncryption ? { secrets: s.secretsKmsKey ?? key("secrets") } : {}),
            ...(s.bootDiskEncryption === "cmek" ? { bootDisk: s.bootDiskKmsKey ?? key("boot-disks") } : {}),
        };
        const agents = gcp.organizations.getProjectOutput({ projectId: s.project }, parent).apply((p) => serviceAgents(p.number));
        const grant = (purpose: string, cryptoKeyId: pulumi.Input<string> | undefined, member: pulumi.Output<string>) =>
            cryptoKeyId === undefined ? [] : [new gcp.kms.CryptoKeyIAMMember(`${name}-${purpose}-user`, { cryptoKeyId, role: KEY_USER_ROLE, member }, parent)];
        return {
            keys,
            grants: {
                secrets: grant("secrets", keys.secrets, agents.gke),
                bootDisk: grant("boot-disks", keys.bootDisk, agents.compute),
            },
        };
    }

    // Private nodes have no public IP: without NAT they could not pull the workloads' images.
    // Only the cluster's subnetwork is translated (all its ranges: the pods' too), so another
    // NAT of the network in that region, for other subnetworks, is no conflict.
    private cloudNat(name: string, s: GkeSettings): pulumi.Resource[] {
        const region = regionOf(s.location);
        const router = new gcp.compute.Router(`${name}-router`, { project: s.project, region, network: s.network }, { parent: this });
        const subnetwork = pulumi.interpolate`projects/${s.project}/regions/${region}/subnetworks/${s.subnetwork ?? this.cluster.subnetwork}`;
        const nat = new gcp.compute.RouterNat(`${name}-nat`, {
            project: s.project, region, router: router.name,
            natIpAllocateOption: "AUTO_ONLY",
            sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
            subnetworks: [{ name: subnetwork, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        }, { parent: this });
        return [router, nat];
    }
}
