import { RegisteredResource, providerUrn } from "./runtime";

/**
 * Typical seconds a fresh `pulumi up` waits on a resource of a type: GKE's control plane and node
 * pool are minutes, the awaited rollouts (every pod Ready) a few, everything else seconds.
 * Typical figures, not measurements of any one stack; the chain they pick is what matters.
 */
export const TYPICAL_SECONDS: Record<string, number> = {
    "gcp:container/cluster:Cluster": 360,
    "gcp:container/nodePool:NodePool": 180,
    "gcp:compute/routerNat:RouterNat": 30,
    "gcp:compute/router:Router": 15,
    "gcp:projects/iAMMember:IAMMember": 10,
    "gcp:serviceaccount/account:Account": 5,
    "kubernetes:apps/v1:StatefulSet": 120,
    "kubernetes:apps/v1:DaemonSet": 60,
    "kubernetes:core/v1:Namespace": 2,
};
const secondsOf = (type: string) => TYPICAL_SECONDS[type] ?? (type.startsWith("pulumi:providers:") ? 0 : 1);

/** A resource's dependencies and its provider: what the engine waits for before creating it. */
const waitedUrns = (r: RegisteredResource): string[] => [...(r.dependencies ?? []), ...(r.provider ? [providerUrn(r)!] : [])];

export interface CriticalPath {
    chain: RegisteredResource[];
    seconds: number;
}

/**
 * The longest chain of resources a fresh `pulumi up` must wait on, one after another: a resource
 * waits for its dependencies (dependsOn and its inputs' sources), for its provider, and, where it
 * depends on a component, for that component's children.
 */
export function criticalPath(resources: RegisteredResource[]): CriticalPath {
    const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn!, r]));
    const children = new Map<string, RegisteredResource[]>();
    for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const waitsFor = (r: RegisteredResource): RegisteredResource[] => {
        const urns = waitedUrns(r);
        return urns.flatMap((u) => {
            const d = byUrn.get(u);
            if (!d) return [];
            return d.custom ? [d] : (children.get(u) ?? []).filter((c) => c.custom);
        });
    };
    const memo = new Map<string, CriticalPath>();
    const longest = (r: RegisteredResource): CriticalPath => {
        const hit = memo.get(r.urn!);
        if (hit) return hit;
        let best: CriticalPath = { chain: [], seconds: 0 };
        for (const d of waitsFor(r)) {
            const p = longest(d);
            if (p.seconds > best.seconds) best = p;
        }
        const result = { chain: [...best.chain, r], seconds: best.seconds + secondsOf(r.type) };
        memo.set(r.urn!, result);
        return result;
    };
    return resources.filter((r) => r.custom && r.urn).map(longest)
        .reduce((a, b) => (b.seconds > a.seconds ? b : a), { chain: [], seconds: 0 });
}

/** Everything a resource waits for, transitively. */
export function upstream(resources: RegisteredResource[], r: RegisteredResource): Set<string> {
    const byUrn = new Map(resources.filter((x) => x.urn).map((x) => [x.urn!, x]));
    const seen = new Set<string>();
    const visit = (x: RegisteredResource) => {
        for (const u of waitedUrns(x)) {
            if (seen.has(u)) continue;
            seen.add(u);
            const d = byUrn.get(u);
            if (d) visit(d);
        }
    };
    visit(r);
    return seen;
}

export function describePath(p: CriticalPath): string {
    const mins = (s: number) => (s >= 60 ? `${Math.round(s / 6) / 10} min` : `${s} s`);
    return p.chain.map((r) => `${r.type.split(":").pop()} ${r.name} (${mins(secondsOf(r.type))})`).join("\n    -> ") +
        `\n  about ${mins(p.seconds)} in all, with typical durations`;
}
