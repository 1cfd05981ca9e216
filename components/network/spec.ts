import type * as k8s from "@pulumi/kubernetes";
import { SelectorLabels, objectLabels, selectorLabels } from "../shared/labels";
import type { ControllerTraffic, WorkloadTraffic } from "../shared/traffic";
import { NetworkOptions } from "./options";

type NetworkPolicy = k8s.networking.v1.NetworkPolicyArgs;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** An allowed client as the config gives it: label maps of its namespace and pods. */
export interface Client { namespaceSelector?: Record<string, string>; podSelector?: Record<string, string> }

type Workload = WorkloadTraffic;

export interface NetworkSettings extends NetworkOptions {
    namespace: string;
    /** The ensemble's traffic (ZooKeeperEnsemble.traffic) and the clients the config admits. */
    zookeeper?: Workload & { clients: Client[] };
    /**
     * The brokers' traffic (KafkaCluster.traffic: with TLS, peerPorts is the replication
     * listener, which only they and the access Job reach), the clients the config admits, and
     * where the brokers may ask the metadata server for their zone (broker.rack).
     */
    kafka: Workload & { clients: Client[]; metadataEgress?: Array<{ cidr: string; port: number }> };
    /**
     * The lag exporter's pods (KafkaExporter.traffic), when it runs: scraped, and a client of the
     * brokers on the one listener it uses (KafkaCluster.tlsPort).
     */
    kafkaExporter?: Pick<Workload, "selector" | "metrics"> & { brokerPort: number };
    /** The KRaft controllers (KafkaCluster.controllerTraffic), from kafka.metadata migration on. */
    kafkaControllers?: ControllerTraffic;
}

/** kube-dns as GKE and kubeadm label it, in kube-system. */
const KUBE_DNS: Peer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

/** The scrapers, on the metrics port only. */
const scrapers = (w: Pick<Workload, "metrics">) => (w.metrics ? [{ from: [w.metrics.from], ports: tcp([w.metrics.port]) }] : []);
const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const pods = (selector: SelectorLabels): Peer => ({ podSelector: { matchLabels: { ...selector } } });
const client = (c: Client): Peer => ({
    ...(c.namespaceSelector ? { namespaceSelector: { matchLabels: { ...c.namespaceSelector } } } : {}),
    ...(c.podSelector ? { podSelector: { matchLabels: { ...c.podSelector } } } : {}),
});

/**
 * The data namespace's NetworkPolicies: everything denied, then exactly the flows of the
 * tutorials' architecture. The kubelet's exec probes run inside the containers and need no
 * rule; Services and the headless names resolve through DNS, which restricted egress allows.
 */
export function networkPolicySpecs(s: NetworkSettings): NetworkPolicy[] {
    if (!s.policies) return [];
    const restricted = s.egress === "restricted";
    const types = restricted ? ["Ingress", "Egress"] : ["Ingress"];
    const meta = (name: string) => ({ name, namespace: s.namespace, labels: objectLabels(selectorLabels(name), "network-policy", "network") });
    const { zookeeper: zk, kafka, kafkaExporter: exporter, kafkaControllers: quorum } = s;
    // While the migration runs the controllers write ZooKeeper and act as the brokers' controller.
    const migrating = quorum?.zookeeper === true;
    const kafkaPeerPorts = kafka.peerPorts;
    // A client named by podSelector alone lives in this namespace, whose egress the default-deny
    // closes: open exactly its way to the workload's port. Clients elsewhere answer to their own namespace's policies.
    const clientEgress = (workload: string, w: Workload, clients: Client[]): NetworkPolicy[] => !restricted ? [] : clients
        .filter((c) => c.namespaceSelector === undefined && c.podSelector !== undefined)
        .map((c, i) => ({
            metadata: meta(`${workload}-client-${i}`),
            spec: { podSelector: { matchLabels: { ...c.podSelector } }, policyTypes: ["Egress"], egress: [{ to: [pods(w.selector)], ports: tcp(w.ports) }] },
        }));
    return [
        // Every pod of the namespace, whoever deploys it later: nothing gets in (or out) unless a policy below says so.
        { metadata: meta("default-deny"), spec: { podSelector: {}, policyTypes: types } },
        ...(restricted ? [{
            metadata: meta("allow-dns"),
            spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [KUBE_DNS], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }] },
        }] : []),
        // No ensemble once it is removed (zookeeper.enabled false, after kafka.metadata kraft).
        ...(zk ? [{
            metadata: meta("zookeeper"),
            spec: {
                podSelector: { matchLabels: { ...zk.selector } },
                policyTypes: types,
                ingress: [
                    { from: [pods(zk.selector)], ports: tcp(zk.peerPorts) },
                    { from: [pods(kafka.selector), ...(migrating ? [pods(quorum.selector)] : []), ...(quorum?.phaseJobZookeeper ? [pods(quorum.phaseJob)] : []), ...zk.clients.map(client)],
                        ports: tcp(zk.ports) },
                    ...scrapers(zk),
                ],
                ...(restricted ? { egress: [{ to: [pods(zk.selector)], ports: tcp(zk.peerPorts) }] } : {}),
            },
        }] : []),
        {
            metadata: meta("kafka"),
            spec: {
                podSelector: { matchLabels: { ...kafka.selector } },
                policyTypes: types,
                // Without TLS, replication and clients share the broker port; with it, replication has its own.
                ingress: [
                    { from: [pods(kafka.selector), ...kafka.clients.map(client)], ports: tcp(kafka.ports) },
                    ...(exporter ? [{ from: [pods(exporter.selector)], ports: tcp([exporter.brokerPort]) }] : []),
                    ...(kafkaPeerPorts.length ? [{ from: [pods(kafka.selector), ...(kafka.admin ? [pods(kafka.admin)] : []), ...(migrating ? [pods(quorum.selector)] : [])],
                        ports: tcp(kafkaPeerPorts) }] : []),
                    ...scrapers(kafka),
                ],
                ...(restricted ? {
                    egress: [
                        ...(zk ? [{ to: [pods(zk.selector)], ports: tcp(zk.ports) }] : []),
                        { to: [pods(kafka.selector)], ports: tcp([...kafka.ports, ...kafkaPeerPorts]) },
                        ...(quorum ? [{ to: [pods(quorum.selector)], ports: tcp(quorum.ports) }] : []),
                        ...(kafka.metadataEgress ?? []).map((m) => ({ to: [{ ipBlock: { cidr: m.cidr } }], ports: tcp([m.port]) })),
                    ],
                } : {}),
            },
        },
        // The controllers: their listener from the brokers and each other, their metrics from the
        // phase Job (and the scrapers); out to each other, and while migrating to ZooKeeper and the brokers.
        ...(quorum ? [{
            metadata: meta("kafka-controller"),
            spec: {
                podSelector: { matchLabels: { ...quorum.selector } },
                policyTypes: types,
                ingress: [
                    { from: [pods(quorum.selector), pods(kafka.selector)], ports: tcp(quorum.ports) },
                    { from: [pods(quorum.phaseJob)], ports: tcp([quorum.metricsPort]) },
                    ...scrapers(quorum),
                ],
                ...(restricted ? {
                    egress: [
                        { to: [pods(quorum.selector)], ports: tcp(quorum.ports) },
                        ...(migrating && zk ? [{ to: [pods(zk.selector)], ports: tcp(zk.ports) }, { to: [pods(kafka.selector)], ports: tcp(kafkaPeerPorts) }] : []),
                    ],
                } : {}),
            },
        }] : []),
        // The phase Job: out to the controllers' metrics, and in rollback to ZooKeeper.
        ...(restricted && quorum ? [{
            metadata: meta("kafka-metadata"),
            spec: {
                podSelector: { matchLabels: { ...quorum.phaseJob } }, policyTypes: ["Egress"],
                egress: [{ to: [pods(quorum.selector)], ports: tcp([quorum.metricsPort]) }, ...(quorum.phaseJobZookeeper && zk ? [{ to: [pods(zk.selector)], ports: tcp(zk.ports) }] : [])],
            },
        }] : []),
        // The access Job's pods: out to the brokers' replication listener only.
        ...(restricted && kafka.admin && kafkaPeerPorts.length ? [{
            metadata: meta("kafka-access"),
            spec: { podSelector: { matchLabels: { ...kafka.admin } }, policyTypes: ["Egress"], egress: [{ to: [pods(kafka.selector)], ports: tcp(kafkaPeerPorts) }] },
        }] : []),
        // The lag exporter: to the brokers' client listeners, scraped on its metrics port, nothing else.
        ...(exporter ? [{
            metadata: meta("kafka-exporter"),
            spec: {
                podSelector: { matchLabels: { ...exporter.selector } },
                policyTypes: types,
                ingress: scrapers(exporter),
                ...(restricted ? { egress: [{ to: [pods(kafka.selector)], ports: tcp([exporter.brokerPort]) }] } : {}),
            },
        }] : []),
        ...(zk ? clientEgress("zookeeper", zk, zk.clients) : []),
        ...clientEgress("kafka", kafka, kafka.clients),
    ];
}
