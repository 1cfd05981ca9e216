import * as pulumi from "@pulumi/pulumi";
import { GkeCluster, GkeClusterArgs } from "./cluster";
import { ExistingCluster, ExistingClusterArgs } from "./existing-cluster";

/** Where the workloads run, as the config's `cluster.mode` names it. */
export type ClusterTargetArgs = { mode: "gke"; gke: GkeClusterArgs } | { mode: "existing"; existing: ExistingClusterArgs };

/**
 * The cluster of a target: created on GKE, or given. The one place that chooses, for the
 * program and for the tests that render the cluster without the workloads.
 */
export function clusterFor(name: string, target: ClusterTargetArgs, opts?: pulumi.ComponentResourceOptions): GkeCluster | ExistingCluster {
    return target.mode === "gke" ? new GkeCluster(name, target.gke, opts) : new ExistingCluster(name, target.existing, opts);
}
