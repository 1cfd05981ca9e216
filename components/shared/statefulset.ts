import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { CustomObject } from "./metrics";
import { SelectorLabels, podLabels } from "./labels";
import {
    ZoneSpread, hardenedContainerSecurityContext, hardenedPodSecurityContext, requiredHostAntiAffinity, rolloutTimeoutSeconds,
    statefulSetAwaitAnnotations, volumeClaimTemplate, zoneSpreadConstraints,
} from "./pod";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

/** The cluster's DNS domain when none is given: the last part of every Service's name. */
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

/** A file a component ships in its folder's files/ (start scripts, probes, logging configs). */
export function shippedFile(componentDir: string, name: string): string {
    return fs.readFileSync(path.join(componentDir, "files", name), "utf8");
}

/** A stable digest of a ConfigMap's data: in the pod template, a change rolls the pods. */
export function configChecksum(files: Record<string, string>): string {
    const h = crypto.createHash("sha256");
    for (const k of Object.keys(files).sort()) h.update(`${k}\0${files[k]}\0`);
    return h.digest("hex");
}

/**
 * A short digest (16 hex digits of SHA-256) of `text` for a pod template's annotation: a change
 * of what it covers (certificates, passwords) restarts the pods, and the text stays out of it.
 */
export function shortDigest(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** ConfigMap volume items for a set of its keys, each at its own name. */
export function configMapItems(files: Record<string, string>): Array<{ key: string; path: string }> {
    return Object.keys(files).map((key) => ({ key, path: key }));
}

type Meta = { name: string; namespace: string; labels: Record<string, string> };

/**
 * A workload's ConfigMap of config files and scripts: its data, the checksum that rolls the pods
 * when it changes, and the two volumes the pod mounts it by (the scripts executable).
 */
export function configMapVolumes(configMap: string, files: { conf: Record<string, string>; scripts: Record<string, string> }) {
    const data = { ...files.conf, ...files.scripts };
    return {
        data,
        checksum: configChecksum(data),
        volumes: [
            { name: "config", configMap: { name: configMap, items: configMapItems(files.conf) } },
            { name: "scripts", configMap: { name: configMap, defaultMode: 0o555, items: configMapItems(files.scripts) } },
        ] as Volume[],
    };
}

/** A headless Service for a StatefulSet's stable pod names; peers resolve before they are Ready. */
export function headlessService(meta: Meta, selector: SelectorLabels, ports: Array<{ name: string; port: number }>): k8s.core.v1.ServiceArgs {
    return {
        metadata: meta,
        spec: {
            clusterIP: "None",
            // Peers must resolve each other before they are Ready, or a Parallel start never forms a cluster.
            publishNotReadyAddresses: true,
            selector: { ...selector },
            ports: ports.map((p) => ({ ...p, targetPort: p.name })),
        },
    };
}

/** A policy/v1 PodDisruptionBudget that lets voluntary disruptions take `maxUnavailable` pods at once. */
export function disruptionBudget(meta: Meta, selector: SelectorLabels, maxUnavailable: number): k8s.policy.v1.PodDisruptionBudgetArgs {
    return { metadata: meta, spec: { maxUnavailable, selector: { matchLabels: { ...selector } } } };
}

/** What differs between the stateful workloads; everything else the skeleton decides for both. */
export interface StatefulWorkload {
    meta: Meta;
    selector: SelectorLabels;
    serviceName: string;
    replicas: number;
    podManagementPolicy: "Parallel" | "OrderedReady";
    updatePartition: number;
    /** How strictly the pods spread over the nodes' zones. */
    zoneSpread: ZoneSpread;
    /** The image's tag, for the app.kubernetes.io/version pod label. */
    version?: string;
    /** Digest of the mounted config: a change rolls the pods. */
    configChecksum: string;
    /** The image's non-root user (and group). */
    uid: number;
    terminationGracePeriodSeconds?: number;
    /** Seconds the container's command may wait before the server starts (counted in the rollout timeout). */
    preStartSeconds?: number;
    container: Container;
    volumes: Volume[];
    /** The per-pod data volume, retained when the StatefulSet is deleted or scaled down. */
    data: { name: string; size: string; storageClass?: string };
    /**
     * Whether the volumes outlive their pods when the StatefulSet is scaled down or deleted.
     * @default "Retain": a volume holds data only its pod can recover
     */
    claimRetention?: "Retain" | "Delete";
}

/**
 * The StatefulSet both ZooKeeper and Kafka run as: required hostname anti-affinity on the same
 * labels that select the pods, restricted-level hardening, no service account token or service
 * links, a RollingUpdate partition with an await that a partition cannot hang, retained volumes.
 */
export function statefulSetSpec(w: StatefulWorkload): k8s.apps.v1.StatefulSetArgs {
    return {
        metadata: {
            ...w.meta,
            annotations: {
                // A change that replaces the StatefulSet (volumeClaimTemplates, podManagementPolicy)
                // deletes only the object: its pods keep running, and the new StatefulSet, with
                // the same name and selector, adopts them. With the provider's default foreground
                // deletion every pod went at once, past the PDB.
                "pulumi.com/deletionPropagationPolicy": "orphan",
                // At least one pod's budget: a scale to none still waits for pods to stop.
                ...statefulSetAwaitAnnotations(w.replicas, w.updatePartition, rolloutTimeoutSeconds(Math.max(w.replicas, 1), {
                    preStartSeconds: w.preStartSeconds, startupProbe: w.container.startupProbe as k8s.types.input.core.v1.Probe,
                    terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
                })),
            },
        },
        spec: {
            serviceName: w.serviceName,
            replicas: w.replicas,
            selector: { matchLabels: { ...w.selector } },
            podManagementPolicy: w.podManagementPolicy,
            updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: w.updatePartition } },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: w.claimRetention ?? "Retain", whenScaled: w.claimRetention ?? "Retain" },
            template: {
                metadata: {
                    labels: podLabels(w.meta.labels, w.version),
                    annotations: { "zk-kafka-gke/config-sha256": w.configChecksum },
                },
                spec: {
                    affinity: requiredHostAntiAffinity(w.selector),
                    topologySpreadConstraints: zoneSpreadConstraints(w.selector, w.zoneSpread),
                    securityContext: hardenedPodSecurityContext(w.uid),
                    automountServiceAccountToken: false,
                    // Service env vars are unused and leak the namespace's topology into every pod.
                    enableServiceLinks: false,
                    ...(w.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: w.terminationGracePeriodSeconds } : {}),
                    containers: [{ ...w.container, securityContext: hardenedContainerSecurityContext() }],
                    volumes: w.volumes,
                },
            },
            volumeClaimTemplates: [volumeClaimTemplate(w.data.name, w.data.size, w.data.storageClass)],
        },
    };
}

/**
 * One server-side-apply patch per pod's data claim (`<template>-<statefulset>-<ordinal>`, the
 * controller's naming), holding its storage request at the template's size: raising the size
 * grows every existing volume in place (GKE's CSI classes allow expansion, the filesystem grows
 * online), which the StatefulSet controller never does, as it only creates missing claims.
 * patchForce takes the field over from the controller that created the claim.
 */
export function claimPatches(w: Pick<StatefulWorkload, "meta" | "replicas" | "data">): ClaimPatch[] {
    return Array.from({ length: w.replicas }, (_, i) => ({
        metadata: {
            name: `${w.data.name}-${w.meta.name}-${i}`,
            namespace: w.meta.namespace,
            annotations: { "pulumi.com/patchForce": "true" },
        },
        spec: { resources: { requests: { storage: w.data.size } } },
    }));
}

/** A patch of one PersistentVolumeClaim: its name and the storage request it holds. */
export interface ClaimPatch {
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: { resources: { requests: { storage: string } } };
}

/** The StatefulSet and the claim patches of one workload, from one description. */
export function statefulSetObjects(w: StatefulWorkload): Pick<StatefulWorkloadSpecs, "statefulSet" | "claimPatches"> {
    return { statefulSet: statefulSetSpec(w), claimPatches: claimPatches(w) };
}

/** The objects every stateful workload has, as Output specs. */
export interface StatefulWorkloadSpecs {
    configMap: k8s.core.v1.ConfigMapArgs;
    headlessService: k8s.core.v1.ServiceArgs;
    pdb: k8s.policy.v1.PodDisruptionBudgetArgs;
    statefulSet: k8s.apps.v1.StatefulSetArgs;
    claimPatches: ClaimPatch[];
    /** The PodMonitoring or PodMonitor of the metrics port (shared/metrics.ts), when one is made. */
    scrapeObject?: CustomObject;
}

/**
 * Registers a stateful workload's ConfigMap, headless Service, PDB, StatefulSet and claim
 * patches (one per replica) as children of its component. The StatefulSet waits for the
 * ConfigMap its pods mount and the Service their names resolve through; its name is fixed (the
 * tutorials'), so a replacement (new volumeClaimTemplates, podManagementPolicy) must delete
 * first: the orphan propagation leaves the pods running for the new StatefulSet to adopt, with
 * their retained volumes.
 */
export function registerStatefulWorkload<S extends StatefulWorkloadSpecs>(
    parent: pulumi.Resource, names: { configMap: string; headlessService: string; pdb: string; statefulSet: string; dataClaim: string }, replicas: number,
    specs: pulumi.Output<S>, extra: { scrapeType?: { apiVersion: string; kind: string }; dependsOn?: pulumi.Resource[] } = {},
) {
    const configMap = new k8s.core.v1.ConfigMap(names.configMap, fields(specs, "configMap", ["metadata", "data"]), { parent });
    const headlessService = new k8s.core.v1.Service(names.headlessService, fields(specs, "headlessService", ["metadata", "spec"]), { parent });
    const podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(names.pdb, fields(specs, "pdb", ["metadata", "spec"]), { parent });
    const statefulSet = new k8s.apps.v1.StatefulSet(names.statefulSet, fields(specs, "statefulSet", ["metadata", "spec"]), {
        parent, dependsOn: [configMap, headlessService, ...(extra.dependsOn ?? [])], deleteBeforeReplace: true,
    });
    // After the StatefulSet's await, which waits for every pod and so for every claim to exist.
    // retainOnDelete: the provider cannot delete a Patch that manages a required field (the
    // storage request); a scale-down or a destroy leaves the claims as they are, and retained.
    const claims = Array.from({ length: replicas }, (_, i) => {
        const claim = specs.apply((s) => s.claimPatches[i]);
        return new k8s.core.v1.PersistentVolumeClaimPatch(`${names.dataClaim}-${names.statefulSet}-${i}`,
            { metadata: claim.apply((c) => c.metadata), spec: claim.apply((c) => c.spec) },
            { parent, dependsOn: [statefulSet], retainOnDelete: true });
    });
    // The custom resource's type must be known now; its metadata and spec follow the specs.
    const scrape = extra.scrapeType === undefined ? undefined : new k8s.apiextensions.CustomResource(`${names.statefulSet}-metrics`, {
        ...extra.scrapeType, metadata: specs.apply((s) => s.scrapeObject!.metadata), spec: specs.apply((s) => s.scrapeObject!.spec),
    }, { parent });
    return { configMap, headlessService, podDisruptionBudget, statefulSet, claims, scrape };
}

/** Splits one object of Output specs into per-field Outputs, the shape resource args take. */
export function fields<S, K extends keyof S, F extends keyof S[K]>(
    specs: pulumi.Output<S>, key: K, names: F[],
): { [N in F]: pulumi.Output<pulumi.Unwrap<S[K][N]>> } {
    const object = specs.apply((s) => s[key]);
    return Object.fromEntries(names.map((n) => [n, object.apply((o) => o[n])])) as never;
}
