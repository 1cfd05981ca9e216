import { PolicyResource } from "@pulumi/policy";
import { LabelSelector, selects } from "./selectors";
import { KubeObject, POD_TEMPLATE_KINDS, kindOf, namespaceOf, podTemplate } from "./workloads";

/** A Kubernetes object of the stack with what the stack rules ask of it. */
export interface StackObject {
    resource: PolicyResource;
    kind: string;
    object: KubeObject;
    namespace: string;
    /** Labels of its pods, for the kinds with a pod template. */
    podLabels?: Record<string, string>;
    /** A PodDisruptionBudget's selector as its API version reads it (pdbSelector). */
    selector?: LabelSelector;
}

/**
 * A PodDisruptionBudget's selector as the disruption controller reads it: in policy/v1beta1 an
 * empty selector selects no pod (policy/v1 made it select every pod), so it is none there.
 */
export function pdbSelector(pdb: KubeObject): LabelSelector | undefined {
    const s = pdb.spec?.selector ?? undefined;
    const empty = s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
    return pdb.apiVersion === "policy/v1beta1" && empty ? undefined : s;
}

/**
 * The stack's Kubernetes objects, indexed so that the rules stay linear in the stack's size:
 * PodDisruptionBudgets and pod templates by namespace and by each label pair they require.
 */
export class StackIndex {
    readonly objects: StackObject[] = [];
    private readonly pdbs = new Map<string, { byPair: Map<string, StackObject[]>; other: StackObject[] }>();
    private readonly pods = new Map<string, { byPair: Map<string, StackObject[]>; all: StackObject[] }>();

    constructor(resources: PolicyResource[]) {
        for (const resource of resources) {
            const kind = kindOf(resource.type);
            if (kind === undefined) continue;
            const object = resource.props as KubeObject;
            const so: StackObject = { resource, kind, object, namespace: namespaceOf(object) };
            if ((POD_TEMPLATE_KINDS as readonly string[]).includes(kind)) {
                so.podLabels = podTemplate(kind, object)?.metadata?.labels ?? {};
                const ns = this.entry(this.pods, so.namespace, () => ({ byPair: new Map(), all: [] }));
                ns.all.push(so);
                for (const [k, v] of Object.entries(so.podLabels)) push(ns.byPair, `${k}=${v}`, so);
            }
            if (kind === "PodDisruptionBudget") {
                so.selector = pdbSelector(object);
                const ns = this.entry(this.pdbs, so.namespace, () => ({ byPair: new Map(), other: [] }));
                const first = Object.entries(so.selector?.matchLabels ?? {})[0];
                if (first) push(ns.byPair, `${first[0]}=${first[1]}`, so);
                else ns.other.push(so);
            }
            this.objects.push(so);
        }
    }

    /** The PodDisruptionBudgets of the namespace that select these pod labels. */
    pdbsSelecting(namespace: string, labels: Record<string, string>): StackObject[] {
        const ns = this.pdbs.get(namespace);
        if (!ns) return [];
        const candidates = [...ns.other, ...Object.entries(labels).flatMap(([k, v]) => ns.byPair.get(`${k}=${v}`) ?? [])];
        return candidates.filter((p) => selects(p.selector, labels));
    }

    /** The workloads (pod templates) of the namespace whose pods a selector selects. */
    podsSelectedBy(namespace: string, selector: LabelSelector | undefined): StackObject[] {
        const ns = this.pods.get(namespace);
        if (!ns || !selector) return [];
        const first = Object.entries(selector.matchLabels ?? {})[0];
        const candidates = first ? ns.byPair.get(`${first[0]}=${first[1]}`) ?? [] : ns.all;
        return candidates.filter((w) => selects(selector, w.podLabels));
    }

    ofKind(...kinds: string[]): StackObject[] {
        return this.objects.filter((o) => kinds.includes(o.kind));
    }

    private entry<V>(map: Map<string, V>, key: string, make: () => V): V {
        let v = map.get(key);
        if (!v) map.set(key, (v = make()));
        return v;
    }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
}

/**
 * A PDB's maxUnavailable as the disruption controller resolves it against the replicas: an
 * integer as is, a percentage rounded up; undefined when the PDB sets only minAvailable.
 */
export function resolveMaxUnavailable(value: number | string | undefined, replicas: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "number") return value;
    const m = /^(\d+)%$/.exec(value);
    return m ? Math.ceil((Number(m[1]) * replicas) / 100) : undefined;
}

/**
 * Why an int-or-string field of a PodDisruptionBudget is not one the API server takes (a
 * non-negative integer, or a string of digits and "%", so neither "one", "50 %" nor "1"), or undefined.
 */
export function invalidIntOrPercent(value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) return undefined;
    if (typeof value === "string" && /^\d+%$/.test(value)) return undefined;
    return `must be a non-negative integer or a percentage such as 25%, got ${JSON.stringify(value)}`;
}

/** `StatefulSet zk-kafka/zk`, for messages. */
export const describe = (o: StackObject) => `${o.kind} ${o.namespace}/${o.object.metadata?.name}`;
