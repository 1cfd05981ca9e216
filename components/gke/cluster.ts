import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import { NODE_ROLES, apiServer, clusterArgs, gkeKubeconfig, nodePoolArgs, nodeServiceAccountId, regionOf } from "./spec";
import { GkeOptionsInput, GkeSettings, gkeOptions } from "./options";
import { parseArgs } from "../shared/fields";

/**
 * Settings of the GKE cluster: project, location and name, plus every key of `gkeFields`
 * (components/gke/options.ts, where each one's default, rule and description are defined;
 * docs/configuration.md lists them), all optional.
 */
export type GkeClusterArgs = GkeOptionsInput;

/**
 * A GKE cluster for the tutorial's workloads: release channel, Workload Identity, Dataplane V2,
 * shielded nodes, VPC-native; a separate node pool with surge upgrades and a least-privilege
 * node service account; a kubeconfig (exec plugin) and a Kubernetes provider that waits for
 * the node pool.
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

        // The cluster's name is fixed, so a replacement can only delete first (protect stops that
        // in production). Its default pool already runs as the node account, which must hold its
        // roles by then. nodeConfig describes that short-lived pool only: ignored after creation.
        this.cluster = new gcp.container.Cluster(name, clusterArgs(s, this.nodeServiceAccount.email), {
            ...parent, protect: s.deletionProtection, deleteBeforeReplace: true, dependsOn: roles, ignoreChanges: ["nodeConfig"],
        });

        // The pool is auto-named, so a change to a create-only input (service account, scopes,
        // metadata, shielded-instance settings) brings the new pool up before the old one is
        // drained and deleted. Machine type and disk are updated in place, node by node.
        const nat = s.privateNodes ? this.cloudNat(name, s) : [];
        this.nodePool = new gcp.container.NodePool(`${name}-pool`, {
            ...nodePoolArgs(s, this.nodeServiceAccount.email),
            cluster: this.cluster.name,
        }, { ...parent, dependsOn: [...roles, ...nat] });

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
            { ...parent, dependsOn: [this.nodePool] });
        this.clusterName = this.cluster.name;
        this.location = this.cluster.location;
        this.registerOutputs({ clusterName: this.clusterName, location: this.location, kubeconfig: this.kubeconfig });
    }

    // Private nodes have no public IP: without NAT they could not pull the workloads' images.
    private cloudNat(name: string, s: GkeSettings): pulumi.Resource[] {
        const region = regionOf(s.location);
        const router = new gcp.compute.Router(`${name}-router`, { project: s.project, region, network: s.network }, { parent: this });
        const nat = new gcp.compute.RouterNat(`${name}-nat`, {
            project: s.project, region, router: router.name,
            natIpAllocateOption: "AUTO_ONLY",
            sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        }, { parent: this });
        return [router, nat];
    }
}
