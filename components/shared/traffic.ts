import type { SelectorLabels } from "./labels";

/** A NetworkPolicy peer as the API takes it: label selectors of a namespace and of pods. */
export interface Peer {
    namespaceSelector?: { matchLabels: Record<string, string> };
    podSelector?: { matchLabels: Record<string, string> };
}

/**
 * What a workload serves, as its NetworkPolicies need it: each workload component exposes this
 * (`traffic`), so that the policies select the pods it deploys and open the ports it listens on,
 * and no one else copies its labels or port numbers.
 */
export interface WorkloadTraffic {
    /** The labels that select its pods (the same object as its pod template's and PDB's). */
    selector: SelectorLabels;
    /** The ports its clients reach. */
    ports: number[];
    /** The ports only its own pods (and `admin`) reach: quorum and election, replication. */
    peerPorts: number[];
    /** Pods of its own besides the workload's that reach `peerPorts` (Kafka's access Job). */
    admin?: SelectorLabels;
    /** The metrics port and who may scrape it, when metrics are on and someone scrapes. */
    metrics?: { port: number; from: Peer };
}

/**
 * The KRaft controllers' traffic (kafka.metadata migration on): `ports` is the controller
 * listener, which the brokers and the controllers reach; the phase Job reads the metrics port;
 * while the migration runs (zookeeper), the controllers reach ZooKeeper and the brokers'
 * replication listener (as their controller), and the rollback's Job reaches ZooKeeper.
 */
export interface ControllerTraffic extends WorkloadTraffic {
    phaseJob: SelectorLabels;
    metricsPort: number;
    zookeeper: boolean;
    /** Whether the phase Job reaches ZooKeeper (the rollback's, which deletes the quorum's znodes). */
    phaseJobZookeeper: boolean;
}
