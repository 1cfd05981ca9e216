import * as k8s from "@pulumi/kubernetes";
import { SelectorLabels } from "./labels";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Affinity = k8s.types.input.core.v1.Affinity;
type Probe = k8s.types.input.core.v1.Probe;
type Resources = k8s.types.input.core.v1.ResourceRequirements;
type PersistentVolumeClaim = k8s.types.input.core.v1.PersistentVolumeClaim;

/**
 * Pod-level hardening that satisfies the `restricted` Pod Security Standard. fsGroup makes the
 * data volume writable for the non-root user without a root init container, and the Secret files
 * readable: the kubelet writes them as root and hands them to a group only when fsGroup is set
 * (pkg/volume/volume_linux.go, changeFilePermission), so a 0400 Secret file is otherwise root's
 * alone. OnRootMismatch skips the recursive chown on every restart of a large volume.
 */
export function hardenedPodSecurityContext(uid: number, gid: number = uid, ownsVolumes = true): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        // Off only for pods with hostPath mounts alone: fsGroup does nothing to those.
        ...(ownsVolumes ? { fsGroup: gid, fsGroupChangePolicy: "OnRootMismatch" } : {}),
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level hardening: no privilege escalation, no capabilities, read-only root. */
export function hardenedContainerSecurityContext(readOnlyRootFilesystem = true): SecurityContext {
    return {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem,
    };
}

/**
 * At most one pod of the workload per node: losing a node costs one replica. Required, not
 * preferred, so a quorum cannot silently end up on one machine; the capacity rule keeps a
 * spare node so that drains still find room.
 */
export function requiredHostAntiAffinity(selector: SelectorLabels): Affinity {
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: { ...selector } }, topologyKey: "kubernetes.io/hostname" },
            ],
        },
    };
}

/**
 * How strictly pods spread over zones: DoNotSchedule keeps a pod Pending rather than crowd a
 * zone; ScheduleAnyway only prefers the spread (for clusters whose nodes may lack zone labels:
 * under DoNotSchedule a node without the topology key takes no pod).
 */
export type ZoneSpread = "DoNotSchedule" | "ScheduleAnyway";

/** The zone label every cloud provider's nodes carry (KEP-1659, standard topology labels). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * At most one pod more in any zone than in another, counted on the same labels that select the
 * pods: a zone outage takes at most ceil(replicas / zones) of them (one broker of three, two
 * ZooKeeper servers of five), never a quorum or every replica of a partition.
 */
export function zoneSpreadConstraints(selector: SelectorLabels, whenUnsatisfiable: ZoneSpread): k8s.types.input.core.v1.TopologySpreadConstraint[] {
    return [{ maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable, labelSelector: { matchLabels: { ...selector } } }];
}

/** A probe that runs a command in the container. */
export function execProbe(command: string[], timing: Omit<Probe, "exec">): Probe {
    return { exec: { command }, ...timing };
}

/** The JVM needs room beyond its heap (metaspace, threads, buffers): above this share of the limit it is OOM-killed. */
export const MAX_HEAP_SHARE = 0.75;

/**
 * Requests for scheduling; a memory limit equal to the request (the JVM heap is sized below
 * it) and no CPU limit, so the JVM is never CPU-throttled into missing its heartbeats.
 */
export function jvmResources(cpu: string, memory: string): Resources {
    return { requests: { cpu, memory }, limits: { memory } };
}

/** A ReadWriteOnce volumeClaimTemplate; storageClass omitted means the cluster's default. */
export function volumeClaimTemplate(name: string, size: string, storageClass?: string): PersistentVolumeClaim {
    return {
        metadata: { name },
        spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: size } },
            ...(storageClass !== undefined ? { storageClassName: storageClass } : {}),
        },
    };
}

/** The kubelet's default grace period, where a pod spec sets none. */
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** What one pod of a roll may legitimately take: the wait before its process starts, its startup probe's budget, its grace period. */
export interface PodBudget {
    /** Seconds the start script may wait before the server starts (Kafka waits for a ZooKeeper quorum). */
    preStartSeconds?: number;
    startupProbe: Probe;
    terminationGracePeriodSeconds?: number;
}

/**
 * Seconds `pulumi up` waits for a StatefulSet: a roll replaces one pod at a time, and each may
 * take its grace period to stop, then its pre-start wait plus its startup probe's whole budget
 * (periodSeconds x failureThreshold) before the kubelet gives up on it. The provider's default
 * is 10 minutes (pulumi-kubernetes provider/pkg/await/statefulset.go), less than one broker's
 * log recovery may take.
 */
export function rolloutTimeoutSeconds(replicas: number, b: PodBudget): number {
    const startup = ((b.startupProbe.periodSeconds as number | undefined) ?? 10) * ((b.startupProbe.failureThreshold as number | undefined) ?? 3);
    return replicas * ((b.preStartSeconds ?? 0) + startup + (b.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS));
}

/**
 * The `pulumi.com/waitFor` condition for a RollingUpdate held at `partition` (0 < partition):
 * every pod Ready, and the pods at or above the partition on the update revision. The provider
 * evaluates it (RFC 9535 JSONPath, provider/pkg/jsonpath) only on a status whose
 * observedGeneration is current (provider/pkg/await/condition/jsonpath.go), and that first
 * status still counts the old canary as Ready: readyReplicas alone passes before the canary has
 * even restarted. updatedReplicas counts pods on the update revision, so either all of them are
 * (a rollback to the current revision counts the untouched pods too), or the update revision is
 * new and at least replicas - partition pods run it. No "=" outside "==": the provider's parser
 * splits the annotation at a single "=".
 */
export function partitionedRolloutCondition(replicas: number, partition: number): string {
    if (partition >= replicas) return `jsonpath={.status.readyReplicas}=${replicas}`;
    return `jsonpath={$[?@.readyReplicas == ${replicas} && (@.updatedReplicas == ${replicas} || ` +
        `(@.updatedReplicas > ${replicas - partition - 1} && !(@.currentRevision == @.updateRevision)))]}`;
}

/**
 * Pulumi annotations for a StatefulSet: how long `pulumi up` waits for its roll, and, with a
 * RollingUpdate partition, what it waits for. With partition 0 the provider's own StatefulSet
 * await applies (currentRevision == updateRevision, every replica Ready and current), which also
 * reports pod errors as it waits; with a partition it would wait forever, so the condition above
 * replaces it.
 */
export function statefulSetAwaitAnnotations(replicas: number, partition: number, timeoutSeconds: number): Record<string, string> {
    return {
        "pulumi.com/timeoutSeconds": String(timeoutSeconds),
        ...(partition > 0 ? { "pulumi.com/waitFor": partitionedRolloutCondition(replicas, partition) } : {}),
    };
}
