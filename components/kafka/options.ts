import * as v from "valibot";
import type { KafkaOptionsInput as Documented } from "./generated/kafka-options";
import type { KafkaAccessOptionsInput as DocumentedAccess } from "./generated/kafka-access-options";
import { allowedClientsField, crossRules, field, optionalKey, parseJvmSize, parseQuantity, SameAs, strictSection, withDefault } from "../shared/fields";
import { MAX_HEAP_SHARE } from "../shared/pod";
import { accessFields, accessProblems } from "./access-options";
import { METADATA_PHASES } from "./metadata";

/** Brokers a voluntary disruption may take at once; must leave min.insync.replicas of every partition. */
export const KAFKA_PDB_MAX_UNAVAILABLE = 1;

const EMPTIED_MUST = "must be a list of broker ids (integers from 0 to 99)";

/** A ZooKeeper path: absolute, no empty, "." or ".." segment, no trailing slash, not under /zookeeper. */
export function isZooKeeperPath(p: string): boolean {
    // eslint-disable-next-line no-control-regex -- ZooKeeper refuses a NUL in a path: so does this
    return /^(\/[^/\s\u0000]+)+$/.test(p) && !p.split("/").some((seg) => seg === "." || seg === "..") &&
        !/^\/zookeeper(\/|$)/.test(p);
}

/**
 * Every setting of the Kafka cluster, defined once: type, default, rule and description. The
 * stack's `kafka` config section is exactly this; the component's Args are derived from it.
 * Durability defaults are what a careful operator sets: RF 3 with min ISR 2, no unclean
 * leader election, no auto-created topics.
 */
export const kafkaOptions = v.pipe(strictSection({
    replicas: withDefault(field.int("must be an integer from 1 to 100", { min: 1, max: 100 }), 3,
        { description: "Number of brokers (broker.id = the pod's ordinal)" }),
    image: withDefault(field.image(), "docker.io/apache/kafka:3.9.2",
        { description: "A Kafka 3.9.x image (the last line with ZooKeeper mode) with bash and bin/kafka-server-start.sh under /opt/kafka, running as uid 1000" }),
    updatePartition: withDefault(field.int("must be an integer within 0..kafka.replicas", { min: 0 }), 0,
        { description: "RollingUpdate partition: only brokers with an ordinal >= this get a new revision. Stage: = replicas; canary: = replicas - 1; done: 0" }),
    storageSize: withDefault(field.quantity("must be a Kubernetes quantity from 1Gi to 64Ti (the largest persistent disk), e.g. 20Gi", (size) => size >= 2 ** 30 && size <= 2 ** 46), "20Gi",
        { description: "Size of each broker's datadir volume (log.dirs). Raising it grows every existing volume in place, no pod restarted; it cannot shrink (refused at preview)" }),
    storageClass: optionalKey(field.dnsSubdomain(),
        { description: "StorageClass of the datadir volumes; on a live stack it cannot change (refused at preview)", defaultText: "the cluster's default class", createOnly: true }),
    heap: withDefault(field.jvmSize(`must be a JVM size such as 1g or 1536m, at most ${MAX_HEAP_SHARE * 100}% of kafka.memory`), "1g",
        { description: "JVM heap of each broker (KAFKA_HEAP_OPTS -Xms/-Xmx); the rest of the memory serves the page cache" }),
    cpu: withDefault(field.quantity("must be a positive Kubernetes CPU quantity, e.g. 500m or 2"), "500m",
        { description: "CPU request (no CPU limit: a throttled broker falls out of the ISR)" }),
    memory: withDefault(field.quantity("must be a Kubernetes memory quantity of at least 512Mi, e.g. 2Gi", (size) => size >= 512 * 2 ** 20), "2Gi",
        { description: "Memory request and limit of each broker" }),
    defaultReplicationFactor: withDefault(field.int("must be an integer from 1 to kafka.replicas", { min: 1 }), 3,
        { description: "default.replication.factor of new topics; also the offsets and transaction-state topics' factor" }),
    minInsyncReplicas: withDefault(field.int("must be an integer >= 1 and < kafka.defaultReplicationFactor", { min: 1 }), 2,
        { description: "min.insync.replicas: acks=all writes need this many in-sync replicas (also transaction.state.log.min.isr)" }),
    autoCreateTopics: withDefault(field.bool(), false,
        { description: "auto.create.topics.enable: off, so a typo in a topic name is an error instead of a new topic" }),
    zookeeperChroot: withDefault(field.string("must be an absolute ZooKeeper path such as /kafka (no empty, '.' or '..' segment, no trailing '/', not under /zookeeper)",
        isZooKeeperPath), "/kafka",
        { description: "The brokers' root in ZooKeeper, so the ensemble can serve other clients too; on a live stack it cannot change (refused at preview)", createOnly: true }),
    numPartitions: withDefault(field.int("must be an integer from 1 to 10000", { min: 1, max: 10000 }), 3,
        { description: "num.partitions of auto-created topics and of kafka-topics --create without --partitions" }),
    logRetentionHours: withDefault(field.int("must be an integer number of hours from 1 to 87600", { min: 1, max: 87600 }), 168,
        { description: "log.retention.hours: how long messages are kept" }),
    rack: optionalKey(field.oneOf(["zone", "none"]),
        { description: "broker.rack: zone sets it to the broker's zone, so a partition's replicas land in different zones", defaultText: "zone in gke mode, none in existing mode" }),
    zookeeperAcl: withDefault(field.oneOf(["secure", "open"]), "secure",
        { description: "secure: the brokers authenticate to ZooKeeper (SASL) and write Kafka's znodes with ACLs (zookeeper.set.acl): " +
            "a client that reaches 2181 reads them but cannot change them. open: no ACLs, only for the switch of a running cluster (docs/runbook.md, \"Securing ZooKeeper\")" }),
    plaintextReason: optionalKey(field.string("must be a sentence of 10 to 200 characters saying why the listeners are not TLS", (s) => s.trim().length >= 10 && s.length <= 200),
        { description: "Why the brokers' listeners stay PLAINTEXT (kafka.tls false): the policy rule require-tls-listeners (mandatory in prod) passes a named reason only", defaultText: "none: the rule reports the listeners" }),
    metrics: optionalKey(field.bool(),
        { description: "The Prometheus JMX exporter agent in each broker, on port 9404 (metrics), scraped per monitoring", defaultText: "true in gke mode, false in existing mode" }),
    metricsPerTopic: withDefault(field.bool(), false,
        { description: "Bytes and messages in/out per topic as well (a topic label on each series: one series per topic and broker)" }),
    emptiedBrokers: withDefault(v.array(field.int(EMPTIED_MUST, { min: 0, max: 99 }), EMPTIED_MUST), [],
        { description: "Broker ids whose partitions you have moved to the remaining brokers (kafka-reassign-partitions.sh): lowering kafka.replicas " +
            "on a live stack deletes brokers, and is refused until each one it deletes is listed here (docs/runbook.md, \"Removing brokers\")", allowed: EMPTIED_MUST }),
    allowedClients: allowedClientsField("Who may reach the brokers on 9093, beyond the brokers themselves (NetworkPolicy from entries)"),
    metadata: withDefault(field.oneOf(METADATA_PHASES), "zookeeper",
        { description: "Where the brokers keep their metadata, one phase per `pulumi up`: zookeeper, then migration (a KRaft controller quorum beside ZooKeeper), " +
            "then kraft (the point of no return); from migration, rollback then zookeeper goes back (docs/runbook.md, \"Moving to KRaft\")" }),
    controllerReplicas: withDefault(field.int("must be 3 or 5 (an odd quorum that survives one or two controllers down)", { min: 3, max: 5 }), 3,
        { description: "KRaft controllers (voters) from kafka.metadata migration on; on a live quorum it cannot change (the voters are static)", createOnly: true }),
    controllerStorageSize: withDefault(field.quantity("must be a Kubernetes quantity from 1Gi to 64Ti, e.g. 10Gi", (size) => size >= 2 ** 30 && size <= 2 ** 46), "10Gi",
        { description: "Size of each controller's metadata volume (the quorum's log and snapshots)" }),
    controllerHeap: withDefault(field.jvmSize(`must be a JVM size such as 512m, at most ${MAX_HEAP_SHARE * 100}% of kafka.controllerMemory`), "512m",
        { description: "JVM heap of each controller" }),
    controllerCpu: withDefault(field.quantity("must be a positive Kubernetes CPU quantity, e.g. 250m or 1"), "250m",
        { description: "CPU request of each controller (no CPU limit: a throttled controller misses its fetch deadlines and loses leadership)" }),
    controllerMemory: withDefault(field.quantity("must be a Kubernetes memory quantity of at least 512Mi, e.g. 1Gi", (size) => size >= 512 * 2 ** 20), "1Gi",
        { description: "Memory request and limit of each controller" }),
    ...accessFields,
}), crossRules((k, problem) => {
    accessProblems(k, problem);
    if (k.updatePartition > k.replicas) problem("updatePartition", `must be within 0..kafka.replicas (${k.replicas})`);
    const kept = k.emptiedBrokers.filter((id) => id < k.replicas);
    if (kept.length > 0) {
        // A stale acknowledgement must not let a later scale-down through unasked.
        problem("emptiedBrokers", `must list only brokers that kafka.replicas (${k.replicas}) removes, ids >= ${k.replicas}, got ${kept.join(", ")}: ` +
            "remove the key once the brokers are gone");
    }
    if (k.defaultReplicationFactor > k.replicas) {
        problem("defaultReplicationFactor", `must be <= kafka.replicas (${k.replicas}): a partition needs a broker per replica`);
    }
    if (k.minInsyncReplicas >= k.defaultReplicationFactor) {
        problem("minInsyncReplicas", `must be < kafka.defaultReplicationFactor (${k.defaultReplicationFactor}): ` +
            "with them equal, one broker down stops every acks=all write");
    } else if (KAFKA_PDB_MAX_UNAVAILABLE > k.defaultReplicationFactor - k.minInsyncReplicas) {
        problem("minInsyncReplicas", `must leave kafka-pdb's maxUnavailable (${KAFKA_PDB_MAX_UNAVAILABLE}) brokers to spare: ` +
            `<= kafka.defaultReplicationFactor (${k.defaultReplicationFactor}) - ${KAFKA_PDB_MAX_UNAVAILABLE}`);
    }
    if (k.controllerReplicas % 2 === 0) problem("controllerReplicas", `must be 3 or 5 (an odd quorum), got ${k.controllerReplicas}`);
    if (k.metadata !== "zookeeper" && !k.tls) {
        problem("metadata", `must be zookeeper while kafka.tls is false: the controllers and brokers talk over mutual TLS only, got ${k.metadata}`);
    }
    if (parseJvmSize(k.controllerHeap)! > parseQuantity(k.controllerMemory)! * MAX_HEAP_SHARE) {
        problem("controllerHeap", `must be at most ${MAX_HEAP_SHARE * 100}% of kafka.controllerMemory (${k.controllerMemory}) to leave the JVM room beyond its heap`);
    }
    if (parseJvmSize(k.heap)! > parseQuantity(k.memory)! * MAX_HEAP_SHARE) {
        problem("heap", `must be at most ${MAX_HEAP_SHARE * 100}% of kafka.memory (${k.memory}) to leave the JVM room beyond its heap`);
    }
}));

/** The cluster's settings as given: every key optional. */
export type KafkaOptionsInput = SameAs<Flat<Documented & DocumentedAccess>, v.InferInput<typeof kafkaOptions>>;
/** One object type from the two generated halves (the access keys are documented in their own file). */
type Flat<T> = { [K in keyof T]: T[K] };
/** With every default applied; rack is resolved by the stack from the cluster mode. */
export type KafkaOptions = Omit<v.InferOutput<typeof kafkaOptions>, "rack"> & { rack: "zone" | "none" };
