import { z } from "zod";
import { strictSection } from "./errors";
import { field, parseJvmSize, parseQuantity } from "./formats";
import { ZOOKEEPER_DEFAULTS } from "../components/zookeeper-spec";

const D = ZOOKEEPER_DEFAULTS;

// The JVM needs room beyond its heap (metaspace, thread stacks, direct buffers): a heap above
// this share of the container limit gets the server OOM-killed under load.
const MAX_HEAP_SHARE = 0.75;

/** `zk-kafka-gke:zookeeper`: the ensemble. Defaults are the Kubernetes tutorial's values. */
export const zookeeperSchema = strictSection({
    replicas: field.int("must be an odd integer >= 3 and <= 255 (a quorum of 2n+1; myid is 1..255)",
        (n) => n >= 3 && n <= 255 && n % 2 === 1).default(D.replicas),
    image: field.image().default(D.image),
    podManagementPolicy: field.oneOf(["Parallel", "OrderedReady"]).default(D.podManagementPolicy),
    updatePartition: field.int("must be an integer >= 0", (n) => n >= 0).default(D.updatePartition),
    storageSize: field.quantity("must be a Kubernetes quantity of at least 1Gi, e.g. 10Gi",
        (v) => v >= 2 ** 30).default(D.storageSize),
    storageClass: field.dnsSubdomain().optional(),
    // ZooKeeper's launcher takes the heap in whole megabytes (ZK_SERVER_HEAP).
    heap: field.jvmSize("must be a JVM size of whole megabytes such as 512M or 1g",
        (bytes) => bytes % 2 ** 20 === 0).default(D.heap),
    cpu: field.quantity("must be a positive Kubernetes CPU quantity, e.g. 500m or 1").default(D.cpu),
    memory: field.quantity("must be a Kubernetes memory quantity of at least 256Mi, e.g. 1Gi",
        (v) => v >= 256 * 2 ** 20).default(D.memory),
    tickTime: field.int("must be an integer number of milliseconds >= 100", (n) => n >= 100).default(D.tickTime),
    initLimit: field.int("must be an integer number of ticks >= 1", (n) => n >= 1).default(D.initLimit),
    syncLimit: field.int("must be an integer number of ticks >= 1", (n) => n >= 1).default(D.syncLimit),
    maxClientCnxns: field.int("must be an integer >= 0 (0 means unlimited)", (n) => n >= 0).default(D.maxClientCnxns),
    snapRetainCount: field.int("must be an integer >= 3 (ZooKeeper's minimum)", (n) => n >= 3).default(D.snapRetainCount),
    purgeInterval: field.int("must be an integer number of hours >= 0 (0 disables purging)",
        (n) => n >= 0).default(D.purgeInterval),
    minSessionTimeout: field.int("must be an integer number of milliseconds >= 1", (n) => n >= 1).default(D.minSessionTimeout),
    maxSessionTimeout: field.int("must be an integer number of milliseconds >= 1", (n) => n >= 1).default(D.maxSessionTimeout),
}).superRefine((zk, ctx) => {
    const problem = (path: keyof typeof zk, message: string) =>
        ctx.addIssue({ code: "custom", path: [path], message, params: { effective: zk[path] } });
    if (zk.updatePartition > zk.replicas) {
        problem("updatePartition", `must be within 0..zookeeper.replicas (${zk.replicas})`);
    }
    const heap = parseJvmSize(zk.heap)!;
    const memory = parseQuantity(zk.memory)!;
    if (heap > memory * MAX_HEAP_SHARE) {
        problem("heap", `must be at most ${MAX_HEAP_SHARE * 100}% of zookeeper.memory (${zk.memory}) ` +
            "to leave the JVM room beyond its heap");
    }
    if (zk.minSessionTimeout > zk.maxSessionTimeout) {
        problem("minSessionTimeout", `must be <= zookeeper.maxSessionTimeout (${zk.maxSessionTimeout})`);
    }
    if (zk.minSessionTimeout < 2 * zk.tickTime) {
        problem("minSessionTimeout", `must be >= 2 x zookeeper.tickTime (${2 * zk.tickTime}), ` +
            "ZooKeeper's floor for a session");
    }
    if (zk.syncLimit > zk.initLimit) {
        problem("syncLimit", `must be <= zookeeper.initLimit (${zk.initLimit})`);
    }
});

export type ZooKeeperConfig = z.infer<typeof zookeeperSchema>;
