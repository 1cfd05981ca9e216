/** The Kubernetes kinds that carry a pod template, and where it is. */
export const POD_TEMPLATE_KINDS = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
export type PodTemplateKind = (typeof POD_TEMPLATE_KINDS)[number];

/** `kubernetes:apps/v1:StatefulSet` -> `StatefulSet`; undefined for anything not Kubernetes. */
export function kindOf(type: string): string | undefined {
    const m = /^kubernetes:[^:]+:(\w+)$/.exec(type);
    return m?.[1];
}

/** A Kubernetes object's apiVersion as a Pulumi type token's module: v1 -> core/v1, apps/v1 -> apps/v1. */
export function typeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

export interface PodTemplate {
    metadata?: { labels?: Record<string, string> };
    spec?: PodSpec;
}

export interface SecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    privileged?: boolean;
}

export interface Container { name: string; securityContext?: SecurityContext }

export interface PodSpec {
    securityContext?: SecurityContext;
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    affinity?: {
        podAntiAffinity?: {
            requiredDuringSchedulingIgnoredDuringExecution?: Array<AffinityTerm>;
            preferredDuringSchedulingIgnoredDuringExecution?: Array<{ weight: number; podAffinityTerm: AffinityTerm }>;
        };
    };
}

export interface AffinityTerm {
    labelSelector?: import("./selectors").LabelSelector;
    topologyKey: string;
    namespaces?: string[] | null;
    namespaceSelector?: import("./selectors").LabelSelector | null;
}

/** A Kubernetes object as a policy sees its inputs. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
    spec?: Record<string, unknown> & {
        replicas?: number;
        template?: PodTemplate;
        jobTemplate?: { spec?: { template?: PodTemplate } };
        selector?: import("./selectors").LabelSelector;
        maxUnavailable?: number | string;
        minAvailable?: number | string;
    };
}

/** The pod template of a workload, the pod itself for a Pod; undefined for other kinds. */
export function podTemplate(kind: string, o: KubeObject): PodTemplate | undefined {
    switch (kind) {
        case "Pod": return { metadata: o.metadata, spec: o.spec as PodSpec };
        case "CronJob": return o.spec?.jobTemplate?.spec?.template;
        case "Deployment": case "StatefulSet": case "DaemonSet": case "ReplicaSet": case "Job": return o.spec?.template;
        default: return undefined;
    }
}

/** Replicas as the controller reads them: unset means 1 for Deployments, StatefulSets and ReplicaSets. */
export function replicasOf(o: KubeObject): number {
    return o.spec?.replicas ?? 1;
}

/** The namespace an object lives in (default when the manifest leaves it out). */
export function namespaceOf(o: KubeObject): string {
    return o.metadata?.namespace ?? "default";
}
