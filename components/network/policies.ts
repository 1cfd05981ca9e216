import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { NetworkSettings, networkPolicySpecs } from "./spec";

/**
 * Settings of the data namespace's isolation: `network.*` (components/network/options.ts), the
 * clients of `zookeeper.allowedClients` and `kafka.allowedClients`, and the workloads' own
 * selectors and ports, passed from their specs so that the policies select what they deploy.
 */
export type NetworkPoliciesArgs = Omit<NetworkSettings, "namespace"> & {
    /** The data namespace (pass the Namespace resource's name to depend on it). */
    namespace: pulumi.Input<string>;
};

/** Default-deny NetworkPolicies with exactly the flows ZooKeeper and Kafka need. */
export class NetworkPolicies extends pulumi.ComponentResource {
    readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:network:Policies", name, {}, opts);
        // Which policies exist depends on settings alone; only their namespace waits on the Namespace.
        this.policies = networkPolicySpecs({ ...args, namespace: "" }).map((spec) => {
            const policyName = (spec.metadata as { name: string }).name;
            return new k8s.networking.v1.NetworkPolicy(policyName, {
                ...spec,
                metadata: { ...(spec.metadata as object), namespace: args.namespace },
            }, { parent: this });
        });
        this.registerOutputs({});
    }
}
