/**
 * Where the brokers keep their metadata, as plain data: the phases of the move from ZooKeeper to
 * a KRaft controller quorum (KIP-866; Kafka's operations docs, "ZooKeeper to KRaft Migration"),
 * which phase may follow which, and what each phase's brokers and controllers run. Pure, so that
 * the config, the deployed record's check, the specs and the real-server test read one set of
 * rules.
 *
 * - zookeeper: the brokers' metadata is in ZooKeeper (the default; no controller quorum).
 * - migration: a KRaft controller quorum runs beside ZooKeeper, the brokers run in migration
 *   mode; the active controller copies ZooKeeper's metadata into its log, then keeps writing
 *   both (dual write). ZooKeeper is still the truth a rollback returns to.
 * - kraft: the brokers run as KRaft brokers, then the controllers drop ZooKeeper: the migration
 *   is finalised (ZkMigrationState POST_MIGRATION). The point of no return.
 * - rollback: from migration back, in the docs' order ("Reverting to ZooKeeper mode During the
 *   Migration"): the controllers are scaled to none, their znodes in ZooKeeper (<chroot>/controller,
 *   <chroot>/migration) are deleted so that a broker becomes the controller again, then the brokers
 *   roll back to ZooKeeper mode; then zookeeper removes the quorum's objects (no roll).
 */
export const METADATA_PHASES = ["zookeeper", "migration", "kraft", "rollback"] as const;
export type MetadataPhase = (typeof METADATA_PHASES)[number];

/** The value of kafka.controller:type=KafkaController,name=ZkMigrationState (org.apache.kafka.metadata.migration.ZkMigrationState). */
export const ZK_MIGRATION_STATE = { NONE: 0, MIGRATION: 1, PRE_MIGRATION: 2, POST_MIGRATION: 3, ZK: 4 } as const;

/** The phases one `pulumi up` may move to from `from`, each with what it does. */
export function metadataSteps(from: MetadataPhase): Array<{ phase: MetadataPhase; does: string }> {
    switch (from) {
        case "zookeeper":
            return [{ phase: "migration", does: "start the KRaft controllers and copy ZooKeeper's metadata to them (brokers in migration mode)" }];
        case "migration":
            return [{ phase: "kraft", does: "run the brokers as KRaft brokers and finalise the controllers: the point of no return" },
                { phase: "rollback", does: "return the brokers to ZooKeeper mode and stop the controllers" }];
        case "rollback":
            return [{ phase: "zookeeper", does: "remove the stopped controller quorum's objects" }];
        case "kraft":
            return [];
    }
}

/** Whether the brokers' metadata is in a KRaft quorum that runs in this phase. */
export const quorumRuns = (phase: MetadataPhase) => phase === "migration" || phase === "kraft";
/** Whether this phase renders the controller quorum's objects (rollback keeps them, scaled to none). */
export const quorumRendered = (phase: MetadataPhase) => phase !== "zookeeper";

/** The quorum's object names, beside the walkthrough's (kafka-controller-N.kafka-controller-hs…). */
export const CONTROLLER_NAMES = {
    headlessService: "kafka-controller-hs",
    pdb: "kafka-controller-pdb",
    statefulSet: "kafka-controller",
    configMap: "kafka-controller-config",
    dataClaim: "metadata",
    tlsSecret: "kafka-controller-tls",
    /** The Job each phase's `pulumi up` ends with: kafka-metadata-migration, -kraft, -rollback. */
    phaseJob: "kafka-metadata",
} as const;

/** The controllers' listener (mutual TLS): the voters' port, and the only one a controller has. */
export const CONTROLLER_LISTENER = { name: "CONTROLLER", port: 9090, protocol: "SSL" } as const;

/**
 * The controllers' node ids: 3000 + ordinal, apart from every broker id (0..99): node ids are
 * one namespace in the quorum's metadata, and a migrating broker keeps its broker.id.
 */
export const CONTROLLER_ID_BASE = 3000;

/** The subject of the controllers' certificates: one principal, User:CN=kafka-controller. */
export const CONTROLLER_SUBJECT = { commonName: "kafka-controller" } as const;

/** Every voter as controller.quorum.voters takes it: id@host:port. */
export function controllerVoters(replicas: number, domain: string): string {
    return Array.from({ length: replicas }, (_, i) =>
        `${CONTROLLER_ID_BASE + i}@${CONTROLLER_NAMES.statefulSet}-${i}.${domain}:${CONTROLLER_LISTENER.port}`).join(",");
}

/**
 * The brokers' server.properties lines that say where their metadata is, beyond what ZooKeeper
 * mode has. In migration the brokers keep ZooKeeper and AclAuthorizer and also talk to the
 * quorum; in kraft they are KRaft brokers with StandardAuthorizer (which serves the ACLs the
 * migration copied). The controllers' principal is a super user from migration on: in migration
 * the active controller sends UpdateMetadata and LeaderAndIsr to the brokers, which refuse a
 * principal that is not (CLUSTER_AUTHORIZATION_FAILED, measured on the 3.9.2 jars).
 */
export function brokerMetadataLines(phase: MetadataPhase, voters: string): string[] {
    const quorum = [`controller.quorum.voters=${voters}`, `controller.listener.names=${CONTROLLER_LISTENER.name}`];
    switch (phase) {
        case "zookeeper":
        case "rollback":
            return [];
        case "migration":
            return ["# Metadata: migrating to the KRaft controllers (kafka.metadata migration); ZooKeeper stays the truth until kraft.",
                "zookeeper.metadata.migration.enable=true", ...quorum];
        case "kraft":
            return ["# Metadata: KRaft (kafka.metadata kraft); the ACLs are in the quorum's log, served by StandardAuthorizer.",
                "process.roles=broker", ...quorum];
    }
}

/** The authorizer each phase's brokers run (the ACLs are in ZooKeeper until kraft). */
export const brokerAuthorizer = (phase: MetadataPhase) =>
    phase === "kraft" ? "org.apache.kafka.metadata.authorizer.StandardAuthorizer" : "kafka.security.authorizer.AclAuthorizer";

/** Whether the brokers of this phase keep their metadata in ZooKeeper (and so need zookeeper.connect). */
export const brokersUseZooKeeper = (phase: MetadataPhase) => phase !== "kraft";
