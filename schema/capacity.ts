import { keyName } from "./errors";
import { ZK_PDB_MAX_UNAVAILABLE, ZK_NAMES } from "../components/zookeeper-spec";
import { REGIONAL_DEFAULT_ZONES } from "../components/gke-spec";

/** A workload whose pods must each have a node of their own (required hostname anti-affinity). */
interface AntiAffineWorkload {
    replicasKey: string;
    replicas: number;
    pdb: string;
    maxUnavailable: number;
}

interface ClusterNodes {
    mode: "gke" | "existing";
    nodeCount?: number;
    regional: boolean;
    zones?: string[];
}

/**
 * The tutorial's rule: with required hostname anti-affinity, a drain must find a free node
 * for every pod its PDB lets go, so schedulable nodes >= replicas + maxUnavailable. A regional
 * pool's nodeCount is per zone.
 */
export function capacityProblems(cluster: ClusterNodes, sections: { zookeeper: { replicas: number } }): {
    problems: string[]; warnings: string[];
} {
    const workloads: AntiAffineWorkload[] = [{
        replicasKey: "zookeeper.replicas", replicas: sections.zookeeper.replicas,
        pdb: ZK_NAMES.pdb, maxUnavailable: ZK_PDB_MAX_UNAVAILABLE,
    }];
    if (cluster.nodeCount === undefined) {
        return {
            problems: [],
            warnings: [`${keyName("cluster.nodeCount")} is not set, so the capacity rule cannot be checked for the existing ` +
                `cluster: it needs at least ${Math.max(...workloads.map((w) => w.replicas + w.maxUnavailable))} schedulable nodes`],
        };
    }
    const zones = cluster.regional ? cluster.zones?.length ?? REGIONAL_DEFAULT_ZONES : 1;
    const nodes = cluster.nodeCount * zones;
    const counted = cluster.regional ? `${cluster.nodeCount} per zone x ${zones} zones = ${nodes} nodes` : `${nodes} nodes`;
    const problems = workloads
        .filter((w) => nodes < w.replicas + w.maxUnavailable)
        .map((w) => `${keyName("cluster.nodeCount")} (${counted}) must be >= ${w.replicasKey} (${w.replicas}) + ` +
            `${w.maxUnavailable} (${w.pdb} maxUnavailable) = ${w.replicas + w.maxUnavailable}, so that a node can be ` +
            `drained while every pod keeps a node of its own, got ${cluster.nodeCount}`);
    return { problems, warnings: [] };
}
