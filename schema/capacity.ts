import { keyName } from "./errors";
import { ZK_PDB_MAX_UNAVAILABLE, ZK_NAMES } from "../components/zookeeper";
import { KAFKA_NAMES } from "../components/kafka";
import { CONTROLLER_NAMES, CONTROLLER_PDB_MAX_UNAVAILABLE, KAFKA_PDB_MAX_UNAVAILABLE, type MetadataPhase } from "../components/kafka";
import { REGIONAL_DEFAULT_ZONES } from "../components/gke";
import { machineShape } from "../components/gke";
import { parseQuantity } from "../components/shared/fields";

const GiB = 2 ** 30;

/** A workload whose pods must each have a node of their own (required hostname anti-affinity). */
export interface AntiAffineWorkload {
    /** The config section: zookeeper, kafka. */
    section: string;
    replicas: number;
    pdb: string;
    maxUnavailable: number;
    cpu: string;
    memory: string;
    /** The config keys of its replicas, CPU and memory when they are not <section>.replicas … (the KRaft controllers'). */
    keys?: Record<"replicas" | "cpu" | "memory", string>;
}

const keyOf = (w: AntiAffineWorkload, field: "replicas" | "cpu" | "memory") => w.keys?.[field] ?? `${w.section}.${field}`;

/** A DaemonSet: one pod on every node. */
export interface NodeDaemon { name: string; cpu: string; memory: string }

/** A pod that may run on any node (no anti-affinity): the access Job's, the lag exporter's. */
export interface FloatingPod { name: string; cpu: string; memory: string }

export interface ClusterNodes {
    mode: "gke" | "existing";
    nodeCount?: number;
    regional: boolean;
    zones?: string[];
    /** Known in gke mode only. */
    machineType?: string;
}

/**
 * What GKE keeps of a node for itself, per "Plan GKE Standard node sizes" (cloud.google.com/
 * kubernetes-engine/docs/concepts/plan-node-sizes, "Resource reservations"): memory 25% of the
 * first 4 GiB, 20% of the next 4, 10% of the next 8, 6% of the next 112 and 2% above 128 GiB,
 * plus a 100 MiB eviction threshold (255 MiB in all below 1 GiB); CPU 6% of the first core, 1% of
 * the second, 0.5% of the next two and 0.25% of every core above four.
 */
export function gkeAllocatable(vcpus: number, memoryGiB: number): { cpu: number; memoryBytes: number } {
    const tiers = (amount: number, steps: Array<[number, number]>, rest: number) => {
        let left = amount;
        let reserved = 0;
        for (const [size, share] of steps) {
            reserved += Math.min(left, size) * share;
            left = Math.max(0, left - size);
        }
        return reserved + left * rest;
    };
    const memReserved = memoryGiB < 1 ? 255 / 1024 : tiers(memoryGiB, [[4, 0.25], [4, 0.2], [8, 0.1], [112, 0.06]], 0.02) + 100 / 1024;
    const cpuReserved = tiers(vcpus, [[1, 0.06], [1, 0.01], [2, 0.005]], 0.0025);
    return { cpu: vcpus - cpuReserved, memoryBytes: (memoryGiB - memReserved) * GiB };
}

/**
 * An allowance for GKE's own DaemonSets on every node (anetd for Dataplane V2, fluentbit-gke,
 * gke-metrics-agent, pdcsi-node, the Managed Prometheus collector): not a measurement of any one
 * cluster. `kubectl describe node` shows the real figures; docs/configuration.md's capacity section says so.
 */
export const GKE_SYSTEM_DAEMONS = { cpu: 0.3, memoryBytes: 0.5 * GiB };

const gib = (bytes: number) => `${(bytes / GiB).toFixed(1).replace(/\.0$/, "")}Gi`;
const cores = (c: number) => `${Number(c.toFixed(2))}`;

/**
 * The tutorial's rule, then the resources: with required hostname anti-affinity a drain must find
 * a free node for every pod its PDB lets go, so nodes >= replicas + maxUnavailable; and with one
 * node drained, the others must hold every pod's requests plus, on each node, the DaemonSets and
 * GKE's system allowance. A regional pool's nodeCount is per zone.
 */
export function capacityProblems(cluster: ClusterNodes, workloads: AntiAffineWorkload[], daemons: NodeDaemon[] = [], floating: FloatingPod[] = []): {
    problems: string[]; warnings: string[];
} {
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
    // Spread over Z zones (maxSkew 1, DoNotSchedule), a zone holds floor(R/Z) or ceil(R/Z) pods,
    // and a pod drained from a zone holding floor(R/Z) may only move within it (elsewhere the skew
    // would reach 2): a zone needs floor(R/Z) + maxUnavailable nodes. This rule implies it:
    // nodeCount x Z >= R + 1 > floor(R/Z) x Z, so nodeCount >= floor(R/Z) + 1.
    const problems = workloads
        .filter((w) => nodes < w.replicas + w.maxUnavailable)
        .map((w) => `${keyName("cluster.nodeCount")} (${counted}) must be >= ${keyOf(w, "replicas")} (${w.replicas}) + ` +
            `${w.maxUnavailable} (${w.pdb} maxUnavailable) = ${w.replicas + w.maxUnavailable}, so that a node can be ` +
            `drained while every pod keeps a node of its own, got ${cluster.nodeCount}`);
    if (cluster.mode === "existing") {
        return { problems, warnings: ["the resource rule is not checked for an existing cluster: its nodes' allocatable CPU and memory are unknown here"] };
    }
    const shape = cluster.machineType === undefined ? undefined : machineShape(cluster.machineType);
    if (shape === undefined) {
        return { problems, warnings: [`${keyName("cluster.machineType")} ${cluster.machineType} is not in the program's table of ` +
            "machine shapes, so the resource rule is not checked: compare the pods' requests with kubectl describe node"] };
    }
    if (problems.length > 0 || nodes < 2) return { problems, warnings: [] };
    const alloc = gkeAllocatable(shape.vcpus, shape.memoryGb);
    const daemonCpu = daemons.reduce((a, d) => a + parseQuantity(d.cpu)!, GKE_SYSTEM_DAEMONS.cpu);
    const daemonMem = daemons.reduce((a, d) => a + parseQuantity(d.memory)!, GKE_SYSTEM_DAEMONS.memoryBytes);
    const usable = { cpu: alloc.cpu - daemonCpu, memory: alloc.memoryBytes - daemonMem };
    const spare = nodes - 1;
    const perNode = (a: number, d: number, fmt: (n: number) => string) =>
        `${fmt(a)} allocatable each, less ${fmt(d)} for GKE's system DaemonSets${daemons.map((x) => ` and ${x.name}`).join("")}`;
    for (const [resource, unit, fmt, capacity, detail] of [
        ["cpu", (w: AntiAffineWorkload) => parseQuantity(w.cpu)!, cores, usable.cpu, perNode(alloc.cpu, daemonCpu, cores)],
        ["memory", (w: AntiAffineWorkload) => parseQuantity(w.memory)!, gib, usable.memory, perNode(alloc.memoryBytes, daemonMem, gib)],
    ] as const) {
        const terms = workloads.map((w) => ({ w, each: unit(w) })).sort((a, b) => b.each * b.w.replicas - a.each * a.w.replicas);
        const total = terms.reduce((a, t) => a + t.each * t.w.replicas, 0) + floating.reduce((a, f) => a + parseQuantity(f[resource])!, 0);
        const sum = [...terms.map((t) => `${keyName(keyOf(t.w, resource))} (${t.w[resource]}) x ${t.w.replicas}`),
            ...floating.map((f) => `${f.name} (${f[resource]})`)].join(" + ");
        for (const t of terms.filter((x) => x.each > capacity)) {
            problems.push(`${keyName(keyOf(t.w, resource))} (${t.w[resource]}) must fit on one ${cluster.machineType} node, ` +
                `which can give a pod ${fmt(capacity)} (${detail}), got ${fmt(t.each)}`);
        }
        if (total > spare * capacity) {
            problems.push(`${sum} = ${fmt(total)} exceeds what ${spare} of ${nodes} ${cluster.machineType} nodes can allocate with one ` +
                `drained (${spare} x ${fmt(capacity)} = ${fmt(spare * capacity)}: ${detail}); lower the requests, or raise ` +
                `${keyName("cluster.nodeCount")} or ${keyName("cluster.machineType")}`);
        }
    }
    return { problems, warnings: [] };
}

type KafkaResources = { replicas: number; cpu: string; memory: string } &
    Partial<{ metadata: MetadataPhase; controllerReplicas: number; controllerCpu: string; controllerMemory: string }>;

/** The anti-affine workloads of a stack's config: the KRaft controllers too while a quorum runs (kafka.metadata migration, kraft). */
export function statefulWorkloads(c: { zookeeper: { replicas: number; cpu: string; memory: string; enabled?: boolean }; kafka: KafkaResources }): AntiAffineWorkload[] {
    const k = c.kafka;
    return [
        ...(c.zookeeper.enabled === false ? [] : [{ section: "zookeeper", pdb: ZK_NAMES.pdb, maxUnavailable: ZK_PDB_MAX_UNAVAILABLE, ...pick(c.zookeeper) }]),
        { section: "kafka", pdb: KAFKA_NAMES.pdb, maxUnavailable: KAFKA_PDB_MAX_UNAVAILABLE, ...pick(k) },
        ...(k.metadata === "migration" || k.metadata === "kraft" ? [{
            section: "kafka", pdb: CONTROLLER_NAMES.pdb, maxUnavailable: CONTROLLER_PDB_MAX_UNAVAILABLE,
            replicas: k.controllerReplicas!, cpu: k.controllerCpu!, memory: k.controllerMemory!,
            keys: { replicas: "kafka.controllerReplicas", cpu: "kafka.controllerCpu", memory: "kafka.controllerMemory" },
        }] : []),
    ];
}

const pick = (w: { replicas: number; cpu: string; memory: string }) => ({ replicas: w.replicas, cpu: w.cpu, memory: w.memory });
