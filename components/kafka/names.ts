import { selectorLabels } from "../shared/labels";
import type { ZoneSpread } from "../shared/pod";
import type { Scrape } from "../shared/metrics";
import type { KafkaOptions } from "./options";
import { CONTROLLER_NAMES } from "./metadata";

/**
 * The Kafka cluster's names, paths, ports and users as plain data, and the settings its specs
 * are built from: what the brokers' and the controllers' specs, the access Job and the stack's
 * outputs share.
 */

/** Object names of the "StatefulSet and DaemonSet updates" walkthrough, so its commands work verbatim. */
export const KAFKA_NAMES = {
    headlessService: "kafka-hs",
    pdb: "kafka-pdb",
    statefulSet: "kafka",
    configMap: "kafka-config",
    /** The volumeClaimTemplate: each broker's claim is datadir-kafka-<ordinal>. */
    dataClaim: "datadir",
    /** The brokers' ZooKeeper credentials (username, password), with kafka.zookeeperAcl secure. */
    zookeeperAuthSecret: "kafka-zookeeper-auth",
    /** The CA certificate and every broker's key and certificate, with kafka.tls. */
    tlsSecret: "kafka-tls",
} as const;

/** The walkthrough's broker port, named `server` on the Service and the container. */
export const KAFKA_PORT = 9093;

/** Paths inside the container; the apache/kafka image keeps Kafka in /opt/kafka. */
export const KAFKA_PATHS = {
    home: "/opt/kafka",
    config: "/etc/kafka-config",
    scripts: "/opt/zk-kafka-gke",
    runtime: "/var/run/kafka",
    data: "/var/lib/kafka/data",
    tmp: "/tmp",
    zookeeperAuth: "/etc/kafka-zookeeper-auth",
} as const;

/** The apache/kafka image's `appuser`: the brokers', the controllers' and the Jobs' user. */
export const KAFKA_UID = 1000;

/** Seconds the probe's one call (ApiVersions or Metadata) may take; the probe's timeout adds a second for the shell. */
export const KAFKA_PROBE_CALL_SECONDS = 3;

/** Seconds kafka-start.sh waits for a ZooKeeper quorum before it gives up (and the kubelet restarts it). */
export const KAFKA_ZOOKEEPER_WAIT_SECONDS = 300;

/** Long enough for a controlled shutdown to move leadership away and flush the logs. */
export const KAFKA_TERMINATION_GRACE_SECONDS = 120;

export type KafkaSettings = Omit<KafkaOptions, "rack"> & {
    namespace: string;
    clusterDomain: string;
    /** The ensemble's client connect string, without chroot (the ZooKeeper component's output). */
    zookeeperConnect: string;
    zoneSpread: ZoneSpread;
    /** broker.rack: the pod's zone, or none. */
    rack: "zone" | "none";
    /** Who scrapes the metrics port when `metrics` is on, and how often. */
    scrape?: Scrape;
    /** host:port of a GCE-compatible metadata server that answers the node's zone (GKE's). */
    zoneMetadataServer?: string;
    /**
     * A digest of the brokers' certificates (public), with kafka.tls: a new certificate changes
     * the pod template, so the brokers roll onto it one at a time (the safe roll).
     */
    certificates?: string;
};

export const kafkaSelector = selectorLabels("kafka");

/** The domain of the brokers' stable names: kafka-N.<this>. */
export function brokerDomain(s: Pick<KafkaSettings, "namespace" | "clusterDomain">): string {
    return `${KAFKA_NAMES.headlessService}.${s.namespace}.svc.${s.clusterDomain}`;
}

/** Every broker's stable address, comma-separated: the bootstrap list for clients (on another port: those with a certificate). */
export function bootstrapServers(s: Pick<KafkaSettings, "namespace" | "clusterDomain" | "replicas">, port: number = KAFKA_PORT): string {
    return Array.from({ length: s.replicas }, (_, i) => `${KAFKA_NAMES.statefulSet}-${i}.${brokerDomain(s)}:${port}`).join(",");
}

/** The domain of the controllers' stable names: kafka-controller-N.<this>. */
export function controllerDomain(s: Pick<KafkaSettings, "namespace" | "clusterDomain">): string {
    return `${CONTROLLER_NAMES.headlessService}.${s.namespace}.svc.${s.clusterDomain}`;
}
