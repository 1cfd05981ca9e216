import { StackValidationPolicy } from "@pulumi/policy";
import { StackIndex, describe, resolveMaxUnavailable } from "../lib/stack";
import { replicasOf, podTemplate } from "../lib/workloads";
import { cannotVerify } from "../lib/verify";

interface Config { nodes?: number; regionalZones: number }

const HOSTNAME = "kubernetes.io/hostname";

/** A few names, then how many more: one line, however many workloads a set of manifests holds. */
function listed(names: string[], shown = 5): string {
    return names.length <= shown ? names.join(", ") : `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
}

/**
 * A drain needs a spare node (the tutorial's "four nodes for three servers"): for every workload
 * with required hostname anti-affinity, the stack's node pools hold replicas + its PDB's
 * maxUnavailable. Without a node pool in the stack it cannot know the nodes and says so.
 */
export const requireDrainCapacity: StackValidationPolicy = {
    name: "require-drain-capacity",
    description: "Checks that the stack's node pools keep a node free for every pod a drain may evict from hostname-anti-affine workloads",
    configSchema: {
        properties: {
            nodes: { type: "integer", minimum: 1, description: "Schedulable nodes of a cluster this stack does not create (kind, an existing cluster)" },
            regionalZones: { type: "integer", minimum: 1, default: 3, description: "Zones of a regional pool that lists none" },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<Config>();
        const index = new StackIndex(args.resources);
        const spread = index.ofKind("StatefulSet", "Deployment").filter((w) =>
            (podTemplate(w.kind, w.object)?.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])
                .some((t) => t.topologyKey === HOSTNAME));
        if (spread.length === 0) return;
        const pools = args.resources.filter((r) => r.type === "gcp:container/nodePool:NodePool");
        let nodes = config.nodes;
        let counted = `${nodes} nodes (policy config)`;
        if (pools.length > 0) {
            const perPool = pools.map((p) => {
                const props = p.props as { nodeCount?: number; nodeLocations?: string[]; location?: string };
                const zones = props.nodeLocations?.length ?? (/^[a-z]+-[a-z]+\d+$/.test(props.location ?? "") ? config.regionalZones ?? 3 : 1);
                return { count: (props.nodeCount ?? 0) * zones, text: `${props.nodeCount ?? 0} x ${zones} zone${zones === 1 ? "" : "s"}` };
            });
            nodes = perPool.reduce((a, p) => a + p.count, 0);
            counted = `${nodes} nodes (${perPool.map((p) => p.text).join(" + ")})`;
        }
        if (nodes === undefined) {
            cannotVerify(`the stack has no GKE NodePool, so the nodes that must hold ${listed(spread.map(describe))} ` +
                "during a drain are unknown; set this policy's `nodes` config for a cluster the stack does not create");
        }
        for (const w of spread) {
            const replicas = replicasOf(w.object);
            const pdb = index.pdbsSelecting(w.namespace, w.podLabels ?? {})[0];
            const drained = Math.max(1, resolveMaxUnavailable(pdb?.object.spec?.maxUnavailable, replicas) ?? 1);
            if (nodes! < replicas + drained) {
                reportViolation(`the node pools must hold replicas (${replicas}) + ${drained} ` +
                    `(${pdb ? `${pdb.object.metadata?.name} maxUnavailable` : "one evicted pod"}) = ${replicas + drained} nodes, ` +
                    `so that a drained node's pod finds a node of its own; got ${counted}`, w.resource.urn);
            }
        }
    },
};
