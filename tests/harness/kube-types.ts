// The rendered objects' types, as the specs read them, named once for every spec.
import * as k8s from "@pulumi/kubernetes";

export type ConfigMap = k8s.types.output.core.v1.ConfigMap;
export type Container = k8s.types.output.core.v1.Container;
export type DaemonSet = k8s.types.output.apps.v1.DaemonSet;
export type Namespace = k8s.types.output.core.v1.Namespace;
export type Pdb = k8s.types.output.policy.v1.PodDisruptionBudget;
export type Service = k8s.types.output.core.v1.Service;
export type StatefulSet = k8s.types.output.apps.v1.StatefulSet;

/** The value of `key=value` in a properties-style file (zoo.cfg, server.properties): the first line that sets it. */
export function propertyValue(text: string, key: string): string | undefined {
    return new RegExp(`^${key.replace(/\./g, "\\.")}=(.*)$`, "m").exec(text)?.[1];
}
