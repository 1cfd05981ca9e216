import * as fs from "fs";
import * as path from "path";
import { KubernetesObject, RenderedStack } from "../harness/render";
import { PROJECT_ROOT } from "../../tools/runtime";
import { Kubectl } from "./kubectl";

 
type Live = any;

export const NAMESPACE = "zk-kafka";

/**
 * What @pulumi/kubernetes awaits of a StatefulSet without a waitFor (provider/pkg/await/statefulset.go):
 * the new generation observed, every replica Ready and updated, currentRevision == updateRevision.
 */
export function rolledOut(sts: Live): boolean {
    const s = sts.status ?? {};
    const n = sts.spec.replicas;
    return s.observedGeneration >= sts.metadata.generation && s.readyReplicas === n && s.updatedReplicas === n && s.currentRevision === s.updateRevision;
}

/**
 * The vendored JSON Schema (for ajv) as a CRD's structural schema: an enum gets its type, an
 * int-or-string its marker, and `additionalProperties: false` goes, since server-side field
 * validation (kubectl's default, Strict) refuses unknown fields of a CRD anyway.
 */
function structural(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(structural);
    if (v === null || typeof v !== "object") return v;
    const node = v as Record<string, unknown>;
    const anyOf = node.anyOf as Array<{ type?: string }> | undefined;
    if (anyOf && anyOf.map((t) => t.type).sort().join() === "integer,string") return { "x-kubernetes-int-or-string": true };
    const out = Object.fromEntries(Object.entries(node).filter(([k, x]) => k !== "$comment" && !(k === "additionalProperties" && x === false))
        .map(([k, x]) => [k, structural(x)]));
    if (out.type === undefined && Array.isArray(out.enum) && out.enum.every((e) => typeof e === "string")) out.type = "string";
    return out;
}

/** The CRD behind the PodMonitoring objects (GKE installs it; here, with the schema tools/crds vendors). */
export function podMonitoringCrd(): object {
    const schema = structural(JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tools", "crds", "monitoring.googleapis.com_v1_PodMonitoring.json"), "utf8")));
    return {
        apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "podmonitorings.monitoring.googleapis.com" },
        spec: {
            group: "monitoring.googleapis.com", scope: "Namespaced",
            names: { kind: "PodMonitoring", listKind: "PodMonitoringList", plural: "podmonitorings", singular: "podmonitoring" },
            versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: (schema as { properties: { spec: unknown } }).properties.spec } } } }],
        },
    };
}

/** Applies a rendered stack as `pulumi up` creates it: namespaces first, then every object. */
export function applyStack(kubectl: Kubectl, stack: RenderedStack): KubernetesObject[] {
    const namespaces = stack.objects.filter((o) => o.kind === "Namespace");
    kubectl.apply(namespaces);
    kubectl.apply(stack.objects.filter((o) => o.kind !== "Namespace"));
    return stack.objects;
}

/** The claim patches (PersistentVolumeClaimPatch resources) the program registers, as objects to apply. */
export function claimPatches(stack: RenderedStack): object[] {
    return stack.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaimPatch")
        .map((r) => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: r.props.metadata, spec: r.props.spec }));
}

/** The pods of a workload by name: uid, node, revision, readiness. */
export function pods(kubectl: Kubectl, app: string): Map<string, { uid: string; node: string; revision: string; ready: boolean; deleting: boolean }> {
    const list = kubectl.json("-n", NAMESPACE, "get", "pods", "-l", `app=${app}`).items as Live[];
    return new Map(list.map((p) => [p.metadata.name, {
        uid: p.metadata.uid, node: p.spec.nodeName, revision: p.metadata.labels["controller-revision-hash"],
        ready: (p.status.conditions ?? []).some((c: Live) => c.type === "Ready" && c.status === "True"), deleting: p.metadata.deletionTimestamp !== undefined,
    }]));
}
