/** Prometheus node-exporter on every node (the walkthrough's DaemonSet), and its options for the config schema. */
export { NodeExporter, type NodeExporterArgs } from "./daemonset";
export { type NodeExporterOptions, nodeExporterOptions } from "./options";
