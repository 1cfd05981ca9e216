import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import { gkeFields } from "../components/gke";
import { parseQuantity } from "../components/shared/fields";
import { CA_PHASES, CaState, INITIAL_CA, METADATA_PHASES, MetadataPhase, caStateText, caSteps, metadataSteps, sameCaState } from "../components/kafka";
import { keyName } from "./errors";
import type { ClusterTarget, StackConfig } from "./stack";

/** The stack output in which each `pulumi up` records what the next one may not simply change. */
export const DEPLOYED_OUTPUT = "deployed";

interface Volumes {
    storageSize: string;
    /** Absent: the cluster's default class. */
    storageClass?: string;
}

/**
 * What the live volumes and the brokers' cluster are: a PersistentVolumeClaim can grow but not
 * shrink, its class never changes, and the brokers' data belongs to the cluster under one
 * ZooKeeper chroot. Only a record of the last deployment tells a preview what "live" is.
 */
export interface Deployed {
    version: 1;
    /** Where the pods and their volumes are: a new namespace deletes the old one with them. */
    namespace: string;
    /** sasl: the servers accept SASL logins (recorded since they do; absent: a stack from before). */
    zookeeper: Volumes & { sasl?: true };
    /** tls: the brokers' listeners (recorded since they can be TLS; absent: PLAINTEXT, a stack from before). */
    /** replicas: the brokers that run (recorded since scale-down is guarded; absent: a stack from before). */
    /** ca: where the brokers' CA rotation stands (recorded since rotations exist; absent: generation 1, complete). */
    /** metadata, controllers: the kafka.metadata phase and the quorum's voters (recorded since the migration exists; absent: zookeeper). */
    kafka: Volumes & { zookeeperChroot: string; tls?: boolean; replicas?: number; ca?: CaState; metadata?: MetadataPhase; controllers?: number };
    /**
     * Where the Kubernetes provider reaches the cluster. Recorded since the provider carries a
     * cluster identifier: a record without it is a stack whose provider has none yet. bootDisk:
     * the key of the node pool's boot disks (recorded since it is a choice; absent: Google's, a
     * pool from before).
     */
    cluster?: { mode: "gke"; controlPlaneEndpoint: ControlPlaneEndpoint; bootDisk?: string } | { mode: "existing" };
}

/** What encrypts the pool's boot disks: Google's key, the key this program created, or a given key's name. */
const GOOGLE_MANAGED = "google-managed";
const CREATED_KEY = "created by this program";

type ControlPlaneEndpoint = "dns" | "ip";
type Checked = Pick<StackConfig, "namespace" | "zookeeper" | "kafka"> & { cluster: ClusterTarget };

function clusterRecord(target: ClusterTarget): NonNullable<Deployed["cluster"]> {
    if (target.mode !== "gke") return { mode: "existing" };
    return { mode: "gke", controlPlaneEndpoint: target.gke.controlPlaneEndpoint ?? v.parse(gkeFields.controlPlaneEndpoint, undefined),
        bootDisk: bootDiskOf(target.gke) };
}

/** What encrypts the boot disks of the pool these settings create. */
function bootDiskOf(gke: Extract<ClusterTarget, { mode: "gke" }>["gke"]): string {
    const cmek = (gke.bootDiskEncryption ?? v.parse(gkeFields.bootDiskEncryption, undefined)) === "cmek";
    return cmek ? gke.bootDiskKmsKey ?? CREATED_KEY : GOOGLE_MANAGED;
}

/**
 * A new boot disk key replaces the node pool (boot_disk_kms_key is ForceNew: node_config.go),
 * and GKE deletes a pool without honouring PodDisruptionBudgets ("About node pools", deleting a
 * node pool): every ZooKeeper server and broker would stop at once. Only an operator who moved
 * the pods off the pool first may let one `pulumi up` do it.
 */
function bootDiskProblems(previous: Deployed["cluster"], target: ClusterTarget): string[] {
    // No cluster record: a stack from before it, whose pool has Google-managed boot disks.
    if (previous?.mode === "existing" || target.mode !== "gke" || target.gke.allowNodePoolReplacement === true) return [];
    const was = previous?.bootDisk ?? GOOGLE_MANAGED;
    const now = bootDiskOf(target.gke);
    if (was === now) return [];
    const [key, kept] = was === GOOGLE_MANAGED || now === GOOGLE_MANAGED
        ? ["bootDiskEncryption", was === GOOGLE_MANAGED ? GOOGLE_MANAGED : "cmek"]
        : ["bootDiskKmsKey", was === CREATED_KEY ? "unset (the key this program created)" : was];
    return [`${keyName("cluster", [key])} must stay ${kept}, what this stack's node pool was created with, got ${key === "bootDiskEncryption" ? (now === GOOGLE_MANAGED ? GOOGLE_MANAGED : "cmek") : now}: ` +
        `a new boot disk key replaces the pool, and GKE deletes the old pool without honouring PodDisruptionBudgets (every ZooKeeper server ` +
        `and broker at once). Keep it${was === GOOGLE_MANAGED ? ` (set ${keyName("cluster", ["bootDiskEncryption"])} ${GOOGLE_MANAGED})` : ""}, or move the pods to a ` +
        `temporary pool first and set ${keyName("cluster", ["allowNodePoolReplacement"])} true for that \`pulumi up\`: see ${RUNBOOK}, "Replacing the node pool"`];
}

/**
 * The record as a stack output that resolves only once every object it describes was applied
 * (and awaited: a StatefulSet's roll, a claim's growth). A failed update then registers no new
 * record and the engine keeps the last one: since pulumi/pulumi#15754 it saves the outputs of a
 * failed update, but only those the program registered (pkg/resource/deploy/step_executor.go,
 * executeRegisterResourceOutputs), and the Node SDK registers the stack's outputs only once all
 * of them resolve (runtime/stack.ts), while a failed resource's outputs reject (runtime/rpc.ts).
 * A plain record would be saved even when the roll or the claim patch it stands for failed.
 */
export function appliedRecord(config: Checked, applied: Array<pulumi.Input<unknown>>): pulumi.Output<Deployed> {
    // Some of what it waits for is secret (the kubeconfig); the record holds none of it.
    return pulumi.unsecret(pulumi.all(applied).apply(() => deployedRecord(config)));
}

export function deployedRecord(config: Checked): Deployed {
    const volumes = (s: Volumes): Volumes => ({ storageSize: s.storageSize, ...(s.storageClass !== undefined ? { storageClass: s.storageClass } : {}) });
    return { version: 1, namespace: config.namespace, zookeeper: { ...volumes(config.zookeeper), sasl: true }, kafka: { ...volumes(config.kafka), zookeeperChroot: config.kafka.zookeeperChroot, tls: config.kafka.tls,
        replicas: config.kafka.replicas, ...(config.kafka.tls ? { ca: { generation: config.kafka.caGeneration, phase: config.kafka.caPhase } } : {}),
        ...(config.kafka.metadata !== "zookeeper" ? { metadata: config.kafka.metadata, controllers: config.kafka.controllerReplicas } : {}) },
        cluster: clusterRecord(config.cluster) };
}

const RUNBOOK = "docs/runbook.md";
const WORKLOAD = { zookeeper: "servers", kafka: "brokers" } as const;

/**
 * Every change the last deployment does not allow, as `<project>:<key> must …, got …` lines
 * naming the procedure that does it instead. No record (a stack never deployed, or deployed
 * before the record existed) allows everything: there is nothing live to protect yet, or the
 * Kubernetes API server still refuses a shrink or a class change of a claim.
 */
export function changeProblems(previous: unknown, config: Checked): string[] {
    if (!isDeployed(previous)) return freshMetadataProblems(config.kafka.metadata);
    const problems: string[] = [];
    if (config.namespace !== previous.namespace) {
        problems.push(`${keyName("", ["namespace"])} must stay ${previous.namespace}, where the live pods and volumes are (a new namespace ` +
            `replaces the old one, deleting every pod and volume in it at once), got ${config.namespace}: see ${RUNBOOK}, "Moving to other disks"`);
    }
    for (const section of ["zookeeper", "kafka"] as const) {
        const was = previous[section];
        const now = config[section];
        if (parseQuantity(now.storageSize)! < parseQuantity(was.storageSize)!) {
            problems.push(`${keyName(section, ["storageSize"])} must be at least ${was.storageSize}, the size of the ${WORKLOAD[section]}' volumes ` +
                `(a PersistentVolumeClaim cannot shrink), got ${now.storageSize}: for smaller disks see ${RUNBOOK}, "Moving to other disks"`);
        }
        if ((now.storageClass ?? "") !== (was.storageClass ?? "")) {
            const kept = was.storageClass === undefined ? "unset (the cluster's default class)" : was.storageClass;
            problems.push(`${keyName(section, ["storageClass"])} must stay ${kept}, the class of the ${WORKLOAD[section]}' volumes ` +
                `(a claim's class never changes), got ${now.storageClass ?? "unset"}: see ${RUNBOOK}, "Moving to other disks"`);
        }
    }
    if (config.kafka.zookeeperChroot !== previous.kafka.zookeeperChroot) {
        problems.push(`${keyName("kafka", ["zookeeperChroot"])} must stay ${previous.kafka.zookeeperChroot}, where the brokers' cluster lives ` +
            `in ZooKeeper (their data carries its cluster.id), got ${config.kafka.zookeeperChroot}: see ${RUNBOOK}, "Changing the ZooKeeper chroot"`);
    }
    if (previous.zookeeper.sasl !== true && config.kafka.zookeeperAcl === "secure") {
        // Brokers that log in before the servers accept SASL would fail to start (one update rolls
        // both StatefulSets at once, index.ts): the servers go first, the brokers in a second update.
        problems.push(`${keyName("kafka", ["zookeeperAcl"])} must be open for one \`pulumi up\` first: this stack's ZooKeeper servers do not accept ` +
            `SASL logins yet, and brokers restarted to log in before them would fail to start, got secure: set it to open, run \`pulumi up\` ` +
            `(the servers roll and accept SASL), then remove it and run \`pulumi up\` again; see ${RUNBOOK}, "Securing ZooKeeper"`);
    }
    const wasTls = previous.kafka.tls === true;
    if (config.kafka.tls !== wasTls) {
        // One roll cannot change the listeners: brokers already restarted speak TLS on 9093/9094
        // while those not yet restarted replicate in clear text on 9093, and every client breaks
        // at once. Kafka's way is several rolls with both listener sets (not automated here).
        problems.push(`${keyName("kafka", ["tls"])} must stay ${wasTls}, what this stack's brokers run: changing the listeners of a running ` +
            `cluster in one rolling update would split it (restarted brokers speak TLS, the others PLAINTEXT) and cut off every client, got ${config.kafka.tls}: ` +
            `${wasTls ? "" : "keep kafka.tls false with kafka.plaintextReason, or "}see ${RUNBOOK}, "Turning TLS on"`);
    }
    problems.push(...scaleDownProblems(previous.kafka.replicas, config.kafka));
    problems.push(...metadataProblems(previous.kafka, config.kafka, config.zookeeper));
    if (wasTls && config.kafka.tls) problems.push(...caProblems(previous.kafka.ca ?? INITIAL_CA, config.kafka));
    const target = clusterRecord(config.cluster);
    problems.push(...bootDiskProblems(previous.cluster, config.cluster));
    if (previous.cluster === undefined && target.mode === "gke" && target.controlPlaneEndpoint === "dns") {
        // The provider gains its identifier in this update; only a later one may move its
        // kubeconfig without the provider's heuristic replacing every object (gke-cluster.ts).
        problems.push(`${keyName("cluster", ["controlPlaneEndpoint"])} must be ip for one \`pulumi up\` first: this stack's Kubernetes provider ` +
            `has no cluster identifier yet, and moving its kubeconfig to the DNS endpoint in the same update would replace every ` +
            `Kubernetes object, got dns: set it to ip, run \`pulumi up\`, then remove it; see docs/ci-cd.md, "Reaching the control plane"`);
    }
    return problems;
}

/**
 * Lowering kafka.replicas deletes the highest-ordinal brokers; Kafka moves none of their
 * partitions (a partition keeps its replica list until reassigned), so each loses a replica for
 * good and, at replication factor 3 with min ISR 2, one more broker down stops its writes.
 * Strimzi refuses such a scale-down while the brokers hold replicas; a preview cannot ask the
 * brokers, so the operator says which are empty (kafka.emptiedBrokers).
 */
function scaleDownProblems(was: number | undefined, kafka: Checked["kafka"]): string[] {
    if (was === undefined || kafka.replicas >= was) return [];
    const removed = Array.from({ length: was - kafka.replicas }, (_, i) => kafka.replicas + i);
    const unconfirmed = removed.filter((id) => !kafka.emptiedBrokers.includes(id));
    if (unconfirmed.length === 0) return [];
    const kept = Array.from({ length: kafka.replicas }, (_, i) => i).join(",");
    return [`${keyName("kafka", ["replicas"])} must stay ${was} until the brokers it removes hold no partition, got ${kafka.replicas}: ` +
        `lowering it deletes ${removed.map((id) => `kafka-${id}`).join(", ")} with every replica they hold. Move their partitions first ` +
        `(kafka-reassign-partitions.sh --generate with --broker-list ${kept}, then --execute and --verify), check that ` +
        `kafka-topics.sh --describe lists none of them, then set kafka.emptiedBrokers to [${removed.join(", ")}]; see ${RUNBOOK}, "Removing brokers"`];
}

/**
 * A CA rotation goes one phase per `pulumi up` (components/kafka/ca-rotation.ts): a skipped phase
 * would have a roll put certificates from a CA in front of brokers or clients that do not trust it
 * yet, or drop a CA that still signs some. The record moves only once the phase's roll is done.
 */
function caProblems(was: CaState, kafka: Checked["kafka"]): string[] {
    const now: CaState = { generation: kafka.caGeneration, phase: kafka.caPhase };
    const steps = caSteps(was);
    if (sameCaState(now, was) || steps.some((s) => sameCaState(s, now))) return [];
    const key = now.generation !== was.generation && !steps.some((s) => s.generation === now.generation) ? "caGeneration" : "caPhase";
    return [`${keyName("kafka", [key])} must move one phase per \`pulumi up\` from what the brokers run (${caStateText(was)}), ` +
        `got ${caStateText(now)}: next, ${steps.map((s) => `${caStateText(s)} (${s.does})`).join("; or ")}; see ${RUNBOOK}, "Renewing the CA"`];
}

/**
 * A stack without a record starts in ZooKeeper mode: the controllers format their volumes with
 * the cluster id the brokers write to ZooKeeper at their first start, and in migration the
 * brokers start only once the controllers are Ready (a new stack would wait on itself); KRaft
 * brokers start only on volumes a migration has moved (kafka-start.sh).
 */
function freshMetadataProblems(phase: MetadataPhase): string[] {
    if (phase === "zookeeper") return [];
    return [`${keyName("kafka", ["metadata"])} must be zookeeper on a stack that has not been deployed (a new cluster starts in ZooKeeper mode, then moves ` +
        `with kafka.metadata migration, then kraft, one \`pulumi up\` each), got ${phase}: see ${RUNBOOK}, "Moving to KRaft"`];
}

/**
 * The move to KRaft goes one phase per `pulumi up` (components/kafka/metadata.ts), recorded only
 * once the phase's Job saw it end: a skipped phase would start KRaft brokers before the
 * controllers hold the metadata, and after kraft the controllers no longer write ZooKeeper, so
 * no way leads back. The voters are static (controller.quorum.voters): their number stays while
 * a quorum runs; KRaft brokers cannot be added (a new volume would need formatting).
 */
function metadataProblems(was: Deployed["kafka"], kafka: Checked["kafka"], zookeeper: Checked["zookeeper"]): string[] {
    const from = was.metadata ?? "zookeeper";
    const now = kafka.metadata;
    const problems: string[] = [];
    const steps = metadataSteps(from);
    if (now !== from && !steps.some((s) => s.phase === now)) {
        problems.push(from === "kraft"
            ? `${keyName("kafka", ["metadata"])} must stay kraft: this stack's migration is finalised (the controllers write ZooKeeper no more), the point of no return, got ${now}`
            : `${keyName("kafka", ["metadata"])} must move one phase per \`pulumi up\` from what the brokers run (${from}), got ${now}: next, ` +
                `${steps.map((s) => `${s.phase} (${s.does})`).join("; or ")}; see ${RUNBOOK}, "Moving to KRaft"`);
    }
    if (was.controllers !== undefined && (from === "migration" || from === "kraft") && kafka.controllerReplicas !== was.controllers && now !== "rollback") {
        problems.push(`${keyName("kafka", ["controllerReplicas"])} must stay ${was.controllers}, the voters of the running quorum (controller.quorum.voters is static), got ${kafka.controllerReplicas}`);
    }
    if (!zookeeper.enabled && from !== "kraft") {
        problems.push(`${keyName("zookeeper", ["enabled"])} must stay true until a \`pulumi up\` has finalised the migration (kafka.metadata kraft), ` +
            `got false: this stack's brokers run ${from === "zookeeper" ? "on ZooKeeper" : `kafka.metadata ${from}`}; see ${RUNBOOK}, "Moving to KRaft"`);
    }
    if (from === "kraft" && was.replicas !== undefined && kafka.replicas > was.replicas) {
        problems.push(`${keyName("kafka", ["replicas"])} must stay at most ${was.replicas} in KRaft mode: a new broker's volume would need formatting with the cluster's id, ` +
            `which this program does not do, got ${kafka.replicas}`);
    }
    return problems;
}

function isDeployed(value: unknown): value is Deployed {
    const v = value as Deployed | undefined;
    const volumes = (x: Volumes | undefined) => typeof x?.storageSize === "string" && parseQuantity(x.storageSize) !== undefined &&
        (x.storageClass === undefined || typeof x.storageClass === "string");
    return v?.version === 1 && typeof v.namespace === "string" && volumes(v.zookeeper) && volumes(v.kafka) && typeof v.kafka.zookeeperChroot === "string" &&
        (v.kafka.tls === undefined || typeof v.kafka.tls === "boolean") && (v.kafka.replicas === undefined || Number.isInteger(v.kafka.replicas)) &&
        (v.kafka.ca === undefined || (Number.isInteger(v.kafka.ca.generation) && v.kafka.ca.generation >= 1 && CA_PHASES.includes(v.kafka.ca.phase))) &&
        (v.kafka.metadata === undefined || METADATA_PHASES.includes(v.kafka.metadata)) && (v.kafka.controllers === undefined || Number.isInteger(v.kafka.controllers)) &&
        (v.cluster === undefined || v.cluster.mode === "existing" ||
            (["dns", "ip"].includes(v.cluster.controlPlaneEndpoint) && (v.cluster.bootDisk === undefined || typeof v.cluster.bootDisk === "string")));
}
