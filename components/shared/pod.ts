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
 * data volume writable for the non-root user without a root init container; OnRootMismatch
 * skips the recursive chown on every restart of a large volume.
 */
export function hardenedPodSecurityContext(uid: number, gid: number = uid, ownsVolumes = true): PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        // Only for volumes the pod writes: fsGroup does nothing to hostPath mounts.
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

/** A probe that runs a command in the container. */
export function execProbe(command: string[], timing: Omit<Probe, "exec">): Probe {
    return { exec: { command }, ...timing };
}

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

/** Pulumi annotations for a StatefulSet whose RollingUpdate partition may hold pods back. */
export function statefulSetAwaitAnnotations(replicas: number, partition: number): Record<string, string> | undefined {
    if (partition === 0) return undefined;
    // The provider's default await wants every replica on the update revision, which a
    // partition > 0 never allows: `pulumi up` would hang. Wait instead for the staged state:
    // every replica Ready, the ones below the partition still on the old revision.
    return { "pulumi.com/waitFor": `jsonpath={.status.readyReplicas}=${replicas}` };
}
