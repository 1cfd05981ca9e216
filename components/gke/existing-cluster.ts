import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** A cluster this program does not manage: kind, minikube, another cloud. */
export interface ExistingClusterArgs {
    /** Kubeconfig path or content. @default the ambient kubeconfig ($KUBECONFIG or ~/.kube/config) */
    kubeconfig?: pulumi.Input<string>;
    /** Context of the kubeconfig. @default its current-context */
    context?: string;
}

/**
 * Bring-your-own-cluster mode: registers no cloud resource, only the Kubernetes provider that
 * every workload uses, so switching a stack's target is one config key.
 */
export class ExistingCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    /** The kubeconfig given, as a secret (it may hold credentials); undefined for the ambient one. */
    readonly kubeconfig?: pulumi.Output<string>;
    /** The context the workloads go to; undefined for the kubeconfig's current one. */
    readonly clusterName?: string;
    /** Unknown for a cluster this program does not manage. */
    readonly location?: pulumi.Output<string>;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:cluster:Existing", name, {}, opts);
        this.kubeconfig = args.kubeconfig !== undefined ? pulumi.secret(args.kubeconfig) : undefined;
        this.clusterName = args.context;
        this.provider = new k8s.Provider(`${name}-k8s`, {
            ...(this.kubeconfig !== undefined ? { kubeconfig: this.kubeconfig } : {}),
            ...(args.context !== undefined ? { context: args.context } : {}),
        }, { parent: this });
        this.registerOutputs({ context: args.context });
    }
}
