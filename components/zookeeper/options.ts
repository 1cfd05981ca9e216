import * as v from "valibot";
import type { ZooKeeperOptionsInput as Documented } from "./generated/zookeeper-options";
import { allowedClientsField, crossRules, field, optionalKey, parseJvmSize, parseQuantity, SameAs, strictSection, withDefault } from "../shared/fields";
import { MAX_HEAP_SHARE } from "../shared/pod";

/**
 * Every setting of the ZooKeeper ensemble, defined once: type, default, rule and description.
 * The stack's `zookeeper` config section is exactly this; the component's Args are derived from
 * it. Defaults are the Kubernetes "Running ZooKeeper" tutorial's values.
 */
export const zookeeperOptions = v.pipe(strictSection({
    enabled: withDefault(field.bool(), true,
        { description: "Whether the ensemble runs. false removes it, allowed only once the brokers' metadata has moved to KRaft (kafka.metadata kraft, deployed): " +
            "its volumes stay (docs/runbook.md, \"Moving to KRaft\")" }),
    replicas: withDefault(field.int("must be an odd integer >= 3 and <= 255 (a quorum of 2n+1; myid is 1..255)", { min: 3, max: 255 },
        (n) => n % 2 === 1), 3,
        { description: "Number of servers. A change rolls every server onto the new membership (static config, no dynamic reconfig)" }),
    image: withDefault(field.image(), "docker.io/library/zookeeper:3.9.4",
        { description: "ZooKeeper 3.8+ image with bash and zkServer.sh on PATH, running as uid 1000" }),
    podManagementPolicy: withDefault(field.oneOf(["Parallel", "OrderedReady"]), "Parallel",
        { description: "Parallel starts all servers at once; OrderedReady one after another", createOnly: true }),
    updatePartition: withDefault(field.int("must be an integer within 0..zookeeper.replicas", { min: 0 }), 0,
        { description: "RollingUpdate partition: only servers with an ordinal >= this get a new revision (staged rollout)" }),
    storageSize: withDefault(field.quantity("must be a Kubernetes quantity from 1Gi to 64Ti (the largest persistent disk), e.g. 10Gi", (size) => size >= 2 ** 30 && size <= 2 ** 46), "10Gi",
        { description: "Size of each server's datadir volume. Raising it grows every existing volume in place, no pod restarted; it cannot shrink (refused at preview)" }),
    storageClass: optionalKey(field.dnsSubdomain(),
        { description: "StorageClass of the datadir volumes; on a live stack it cannot change (refused at preview)", defaultText: "the cluster's default class", createOnly: true }),
    heap: withDefault(field.jvmSize(`must be a JVM size of whole megabytes such as 512M or 1g, at most ${MAX_HEAP_SHARE * 100}% of zookeeper.memory`,
        (bytes) => bytes % 2 ** 20 === 0), "512M",
        { description: "JVM heap (ZooKeeper's ZK_SERVER_HEAP), -Xms and -Xmx" }),
    cpu: withDefault(field.quantity("must be a positive Kubernetes CPU quantity, e.g. 500m or 1"), "500m",
        { description: "CPU request (no CPU limit: a throttled JVM misses heartbeats)" }),
    memory: withDefault(field.quantity("must be a Kubernetes memory quantity of at least 256Mi, e.g. 1Gi", (size) => size >= 256 * 2 ** 20), "1Gi",
        { description: "Memory request and limit" }),
    tickTime: withDefault(field.int("must be an integer number of milliseconds >= 100", { min: 100 }), 2000,
        { description: "zoo.cfg tickTime, the basic time unit" }),
    initLimit: withDefault(field.int("must be an integer number of ticks >= 1", { min: 1 }), 10,
        { description: "zoo.cfg initLimit: ticks a follower may take to connect and sync" }),
    syncLimit: withDefault(field.int("must be an integer number of ticks >= 1 and <= zookeeper.initLimit", { min: 1 }), 5,
        { description: "zoo.cfg syncLimit: ticks a follower may lag behind the leader" }),
    metrics: optionalKey(field.bool(),
        { description: "ZooKeeper's own Prometheus metrics provider on port 7000 (metrics), scraped per monitoring", defaultText: "true in gke mode, false in existing mode" }),
    maxClientCnxns: withDefault(field.int("must be an integer >= 0 (0 means unlimited)", { min: 0 }), 60,
        { description: "zoo.cfg maxClientCnxns per client IP" }),
    snapRetainCount: withDefault(field.int("must be an integer >= 3 (ZooKeeper's minimum)", { min: 3 }), 3,
        { description: "zoo.cfg autopurge.snapRetainCount" }),
    purgeInterval: withDefault(field.int("must be an integer number of hours >= 0 (0 disables purging)", { min: 0 }), 12,
        { description: "zoo.cfg autopurge.purgeInterval" }),
    minSessionTimeout: withDefault(field.int("must be an integer number of milliseconds, >= 2 x zookeeper.tickTime and <= zookeeper.maxSessionTimeout",
        { min: 1 }), 4000,
        { description: "zoo.cfg minSessionTimeout" }),
    maxSessionTimeout: withDefault(field.int("must be an integer number of milliseconds >= 1", { min: 1 }), 40000,
        { description: "zoo.cfg maxSessionTimeout" }),
    allowedClients: allowedClientsField("Who else may reach ZooKeeper's client port 2181, beyond Kafka's brokers (NetworkPolicy from entries)"),
}), crossRules((zk, problem) => {
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
}));

/** The ensemble's settings as given: every key optional. */
export type ZooKeeperOptionsInput = SameAs<Documented, v.InferInput<typeof zookeeperOptions>>;
/** The ensemble's settings with every default applied. */
export type ZooKeeperOptions = v.InferOutput<typeof zookeeperOptions>;
/** Every default, taken from the one definition above. */
export const ZOOKEEPER_DEFAULTS: ZooKeeperOptions = v.parse(zookeeperOptions, {});
