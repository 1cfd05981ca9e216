/**
 * Where the workloads run: a GKE cluster this program creates (GkeCluster) or one it is given
 * (ExistingCluster); either way, the Kubernetes provider every object goes through. The config
 * schema builds the `cluster` section from the definitions exported here.
 */
export { GkeCluster, type GkeClusterArgs } from "./cluster";
export { ExistingCluster, type ExistingClusterArgs } from "./existing-cluster";
export { clusterFor, type ClusterTargetArgs } from "./target";
export { clusterNameField, gkeFields, gkeOptions, gkeRules, machineShape, nodeCountField } from "./options";
export { GKE_METADATA_EGRESS, GKE_METADATA_SERVER, REGIONAL_DEFAULT_ZONES, regionOf } from "./spec";
