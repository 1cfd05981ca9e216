import { z } from "zod";
import { allowedClientsField, field, parseJvmSize, parseQuantity, strictSection } from "./shared/fields";

/** The JVM needs room beyond its heap (metaspace, threads, buffers): above this share of the limit it is OOM-killed. */
export const MAX_HEAP_SHARE = 0.75;

/**
 * Every setting of the ZooKeeper ensemble, defined once: type, default, rule and description.
 * The stack's `zookeeper` config section is exactly this; the component's Args are derived from
 * it. Defaults are the Kubernetes "Running ZooKeeper" tutorial's values.
 */
export const zookeeperOptions = strictSection({
    replicas: field.int("must be an odd integer >= 3 and <= 255 (a quorum of 2n+1; myid is 1..255)", { min: 3, max: 255 },
        (n) => n % 2 === 1).default(3)
        .meta({ description: "Number of servers. A change rolls every server onto the new membership (static config, no dynamic reconfig)" }),
    image: field.image().default("docker.io/library/zookeeper:3.9.4")
        .meta({ description: "ZooKeeper 3.8+ image with bash and zkServer.sh on PATH, running as uid 1000" }),
    podManagementPolicy: field.oneOf(["Parallel", "OrderedReady"]).default("Parallel")
        .meta({ description: "Parallel starts all servers at once; OrderedReady one after another", createOnly: true }),
    updatePartition: field.int("must be an integer within 0..zookeeper.replicas", { min: 0 }).default(0)
        .meta({ description: "RollingUpdate partition: only servers with an ordinal >= this get a new revision (staged rollout)" }),
    storageSize: field.quantity("must be a Kubernetes quantity of at least 1Gi, e.g. 10Gi", (v) => v >= 2 ** 30).default("10Gi")
        .meta({ description: "Size of each server's datadir volume; existing volumes keep their size", createOnly: true }),
    storageClass: field.dnsSubdomain().optional()
        .meta({ description: "StorageClass of the datadir volumes", defaultText: "the cluster's default class", createOnly: true }),
    heap: field.jvmSize(`must be a JVM size of whole megabytes such as 512M or 1g, at most ${MAX_HEAP_SHARE * 100}% of zookeeper.memory`,
        (bytes) => bytes % 2 ** 20 === 0).default("512M")
        .meta({ description: "JVM heap (ZooKeeper's ZK_SERVER_HEAP), -Xms and -Xmx" }),
    cpu: field.quantity("must be a positive Kubernetes CPU quantity, e.g. 500m or 1").default("500m")
        .meta({ description: "CPU request (no CPU limit: a throttled JVM misses heartbeats)" }),
    memory: field.quantity("must be a Kubernetes memory quantity of at least 256Mi, e.g. 1Gi", (v) => v >= 256 * 2 ** 20).default("1Gi")
        .meta({ description: "Memory request and limit" }),
    tickTime: field.int("must be an integer number of milliseconds >= 100", { min: 100 }).default(2000)
        .meta({ description: "zoo.cfg tickTime, the basic time unit" }),
    initLimit: field.int("must be an integer number of ticks >= 1", { min: 1 }).default(10)
        .meta({ description: "zoo.cfg initLimit: ticks a follower may take to connect and sync" }),
    syncLimit: field.int("must be an integer number of ticks >= 1 and <= zookeeper.initLimit", { min: 1 }).default(5)
        .meta({ description: "zoo.cfg syncLimit: ticks a follower may lag behind the leader" }),
    maxClientCnxns: field.int("must be an integer >= 0 (0 means unlimited)", { min: 0 }).default(60)
        .meta({ description: "zoo.cfg maxClientCnxns per client IP" }),
    snapRetainCount: field.int("must be an integer >= 3 (ZooKeeper's minimum)", { min: 3 }).default(3)
        .meta({ description: "zoo.cfg autopurge.snapRetainCount" }),
    purgeInterval: field.int("must be an integer number of hours >= 0 (0 disables purging)", { min: 0 }).default(12)
        .meta({ description: "zoo.cfg autopurge.purgeInterval" }),
    minSessionTimeout: field.int("must be an integer number of milliseconds, >= 2 x zookeeper.tickTime and <= zookeeper.maxSessionTimeout",
        { min: 1 }).default(4000)
        .meta({ description: "zoo.cfg minSessionTimeout" }),
    maxSessionTimeout: field.int("must be an integer number of milliseconds >= 1", { min: 1 }).default(40000)
        .meta({ description: "zoo.cfg maxSessionTimeout" }),
    allowedClients: allowedClientsField("Who else may reach ZooKeeper's client port 2181, beyond Kafka's brokers (NetworkPolicy from entries)"),
}).superRefine((zk, ctx) => {
    const problem = (path: keyof typeof zk, message: string) =>
        ctx.addIssue({ code: "custom", path: [path], message, params: { effective: zk[path] } });
    if (zk.updatePartition > zk.replicas) {
        problem("updatePartition", `must be within 0..zookeeper.replicas (${zk.replicas})`);
    }
    if (parseJvmSize(zk.heap)! > parseQuantity(zk.memory)! * MAX_HEAP_SHARE) {
        problem("heap", `must be at most ${MAX_HEAP_SHARE * 100}% of zookeeper.memory (${zk.memory}) ` +
            "to leave the JVM room beyond its heap");
    }
    if (zk.minSessionTimeout > zk.maxSessionTimeout) {
        problem("minSessionTimeout", `must be <= zookeeper.maxSessionTimeout (${zk.maxSessionTimeout})`);
    }
    if (zk.minSessionTimeout < 2 * zk.tickTime) {
        problem("minSessionTimeout", `must be >= 2 x zookeeper.tickTime (${2 * zk.tickTime}), ZooKeeper's floor for a session`);
    }
    if (zk.syncLimit > zk.initLimit) {
        problem("syncLimit", `must be <= zookeeper.initLimit (${zk.initLimit})`);
    }
});

/** The ensemble's settings as given: every key optional. */
export type ZooKeeperOptionsInput = z.input<typeof zookeeperOptions>;
/** The ensemble's settings with every default applied. */
export type ZooKeeperOptions = z.output<typeof zookeeperOptions>;
/** Every default, taken from the one definition above. */
export const ZOOKEEPER_DEFAULTS: ZooKeeperOptions = zookeeperOptions.parse({});
