import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KAFKA_NAMES, KAFKA_PORT, bootstrapServers, brokerDomain, kafkaSelector } from "./names";
import { kafkaSpecs } from "./spec";
import { KafkaOptionsInput, kafkaOptions } from "./options";
import { parseArgs } from "../shared/fields";
import { DEFAULT_CLUSTER_DOMAIN, registerStatefulWorkload } from "../shared/statefulset";
import { ZoneSpread } from "../shared/pod";
import { Scrape, scrapePeer, scrapeType } from "../shared/metrics";
import type { ControllerTraffic, WorkloadTraffic } from "../shared/traffic";
import { JMX_EXPORTER } from "./metrics";
import { KafkaPki } from "./pki";
import { accessSelector, replicationBootstrap } from "./access-spec";
import { LISTENERS } from "./security";
import { CONTROLLER_LISTENER, CONTROLLER_NAMES, quorumRendered } from "./metadata";
import { controllerSelector, controllerSpecs, phaseJobSelector } from "./controller-spec";
import { KafkaControllerQuorum } from "./controller";

export { KAFKA_NAMES, KAFKA_PORT };

/**
 * Settings of a Kafka cluster: every key of `kafkaOptions` (components/kafka/options.ts, where
 * each one's default, rule and description are defined; docs/configuration.md lists them), all
 * optional, plus where it runs and the ensemble it uses.
 */
export type KafkaClusterArgs = Omit<KafkaOptionsInput, "allowedClients" | "users" | "acls"> & {
    /** Namespace of every object (pass the Namespace resource's name to depend on it). */
    namespace: pulumi.Input<string>;
    /** The ZooKeeper ensemble's client connect string (ZooKeeperEnsemble.connectString), without chroot. */
    zookeeperConnect?: pulumi.Input<string>;
    /** The cluster's DNS domain, in the brokers' advertised names. @default "cluster.local" */
    clusterDomain?: string;
    /** How strictly the brokers spread over the nodes' zones. @default "DoNotSchedule" */
    zoneSpread?: ZoneSpread;
    /**
     * host:port of a GCE-compatible metadata server that tells a pod its node's zone, for
     * broker.rack (GKE's: 169.254.169.254:80). @default none: only the pod's zone label
     */
    zoneMetadataServer?: string;
    /** Who scrapes the metrics port when `metrics` is on, and how often. @default nobody: no scrape object */
    scrape?: Scrape;
    /** The SASL user ZooKeeper accepts for the brokers (ZooKeeperEnsemble.kafkaCredentials); required with zookeeperAcl secure, unless metadata is kraft. */
    zookeeperCredentials?: { username: string; password: pulumi.Input<string> };
};

/**
 * ZooKeeper-backed Kafka as in the "StatefulSet and DaemonSet updates" walkthrough: Service
 * kafka-hs, PDB kafka-pdb and StatefulSet kafka, plus the kafka-config ConfigMap holding
 * server.properties and the start and probe scripts. It does not wait for the ensemble's
 * rollout: each broker waits for a ZooKeeper quorum itself, so a fresh stack starts both at once.
 */
export class KafkaCluster extends pulumi.ComponentResource {
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly headlessService: k8s.core.v1.Service;
    readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** One patch per pod's data claim, holding it at the configured size (volumes grow in place). */
    readonly claimPatches: k8s.core.v1.PersistentVolumeClaimPatch[];
    /** `kafka-0.kafka-hs.<ns>.svc.<domain>:9093,…`: every broker's stable address. */
    readonly bootstrapServers: pulumi.Output<string>;
    /** The ZooKeeper connect string the brokers use, chroot included (only the chroot when there is no ensemble: kraft). */
    readonly zookeeperConnect: pulumi.Output<string>;
    /** With tls: the brokers' CA, certificates and the kafka-tls Secret. */
    readonly pki?: KafkaPki;
    /** With tls: every broker's replication address (9094), for the access Job. */
    readonly replicationBootstrap: pulumi.Output<string>;
    /** With tls: every broker's address for clients with a certificate (9092). */
    readonly tlsBootstrapServers: pulumi.Output<string>;
    /** The port of tlsBootstrapServers, for the policies of the clients that use it. */
    readonly tlsPort = LISTENERS.clientTls.port;
    /**
     * The brokers' pods and ports, for NetworkPolicies: the client listeners; with tls, the
     * replication listener, which only the brokers and the access Job reach.
     */
    readonly traffic: WorkloadTraffic;
    /** The KRaft controllers, from kafka.metadata migration on (scaled to none in rollback). */
    readonly controllers?: KafkaControllerQuorum;
    /** The Job of each kafka.metadata phase but zookeeper, awaited by `pulumi up`: it ends the phase (in rollback, before the brokers roll). */
    readonly metadataPhaseJob?: k8s.batch.v1.Job;
    /**
     * The controllers' pods and ports, for NetworkPolicies: the controller listener (brokers and
     * controllers), the metrics port (the phase Job, and the scrapers), and whether the quorum and
     * the phase Job reach ZooKeeper (migration and rollback).
     */
    readonly controllerTraffic?: ControllerTraffic;

    constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka:Cluster", name, {}, opts);
        const { namespace, zookeeperConnect, clusterDomain = DEFAULT_CLUSTER_DOMAIN, zoneSpread = "DoNotSchedule", zoneMetadataServer, scrape,
            zookeeperCredentials, ...options } = args;
        const settings = parseArgs("KafkaCluster", name, kafkaOptions, options);
        // KRaft brokers and finalised controllers use no ZooKeeper (metadata.ts): it may be gone.
        const usesZooKeeper = settings.metadata !== "kraft";
        if (usesZooKeeper && zookeeperConnect === undefined) {
            throw new Error(`KafkaCluster ${name}: zookeeperConnect must be given unless metadata is kraft (ZooKeeperEnsemble.connectString)`);
        }
        if (usesZooKeeper && settings.zookeeperAcl === "secure" && zookeeperCredentials === undefined) {
            throw new Error(`KafkaCluster ${name}: zookeeperCredentials must be given when zookeeperAcl is secure (ZooKeeperEnsemble.kafkaCredentials)`);
        }
        // Without a metadata server only a pod label can tell the zone, which few clusters set yet.
        const rack = settings.rack ?? (zoneMetadataServer !== undefined ? "zone" : "none");
        const brokers = Array.from({ length: settings.replicas }, (_, i) => `${KAFKA_NAMES.statefulSet}-${i}`);
        const phase = settings.metadata;
        const controllerPods = Array.from({ length: settings.controllerReplicas }, (_, i) => `${CONTROLLER_NAMES.statefulSet}-${i}`);
        this.pki = settings.tls ? new KafkaPki(`${name}-pki`, {
            brokers, service: KAFKA_NAMES.headlessService, namespace, clusterDomain, certificateHours: settings.certificateHours,
            certificateRenewHours: settings.certificateRenewHours, caHours: settings.caHours, certificateGeneration: settings.certificateGeneration,
            caGeneration: settings.caGeneration, caPhase: settings.caPhase,
            ...(quorumRendered(phase) ? { controllers: { pods: controllerPods, service: CONTROLLER_NAMES.headlessService } } : {}),
        }, { parent: this }) : undefined;
        const connect = zookeeperConnect ?? "";
        const specs = pulumi.all([namespace, connect, this.pki?.digest]).apply(([ns, zk, certificates]) =>
            kafkaSpecs({ ...settings, rack, namespace: ns, clusterDomain, zookeeperConnect: zk, zoneSpread, zoneMetadataServer, scrape, certificates }));

        // The agent's jar, mounted by every broker: there before the pods that load it.
        const agent = settings.metrics || quorumRendered(settings.metadata)
            ? [new k8s.core.v1.ConfigMap(JMX_EXPORTER.configMap, {
                metadata: specs.apply((s) => s.agentConfigMap!.metadata), binaryData: specs.apply((s) => s.agentConfigMap!.binaryData), immutable: true,
            }, { parent: this })]
            : [];
        // The brokers' ZooKeeper credentials, as files for kafka-start.sh: mounted by the brokers only.
        const auth = usesZooKeeper && settings.zookeeperAcl === "secure" ? [new k8s.core.v1.Secret(KAFKA_NAMES.zookeeperAuthSecret, {
            metadata: specs.apply((x) => x.zookeeperAuthSecretMeta),
            stringData: { username: zookeeperCredentials!.username, password: pulumi.secret(zookeeperCredentials!.password) },
        }, { parent: this })] : [];
        // Every broker's key and certificate, and the CA: mounted by the brokers only.
        const tlsSecret = this.pki ? [new k8s.core.v1.Secret(KAFKA_NAMES.tlsSecret, {
            metadata: specs.apply((x) => x.tlsSecretMeta), stringData: this.pki.brokerSecretData,
        }, { parent: this })] : [];
        // The quorum's objects for this phase, when there is one (options.ts: only with tls).
        const quorumSpecs = phase === "zookeeper" || !this.pki ? undefined : pulumi.all([namespace, connect, this.pki.controllerDigest]).apply(([ns, zk, certificates]) =>
            controllerSpecs({ ...settings, phase, rack, namespace: ns, clusterDomain, zookeeperConnect: zk, zoneSpread, zoneMetadataServer, scrape, certificates }));
        const quorum = (after: pulumi.Resource[]) => new KafkaControllerQuorum(`${name}-controller`, {
            specs: quorumSpecs!, replicas: phase === "rollback" ? 0 : settings.controllerReplicas, tlsSecretData: this.pki!.controllerSecretData!,
            after: [...agent, ...auth, ...after], scrapeType: settings.metrics ? scrapeType(scrape) : undefined,
        }, { parent: this });
        // The order of each phase (Kafka's docs, "ZooKeeper to KRaft Migration"): in migration the
        // controllers run before the brokers enter migration mode (they wait for every broker to
        // register), then the phase Job; in kraft the brokers move first and the controllers are
        // finalised after them; in rollback the controllers stop and the Job deletes their znodes
        // (a broker becomes ZooKeeper's controller again) before the brokers leave migration mode.
        const phaseJob = (dependsOn: pulumi.Resource[]) => {
            const job = quorumSpecs!.apply((q) => q.phaseJob);
            return new k8s.batch.v1.Job(`${CONTROLLER_NAMES.phaseJob}-${phase}`, { metadata: job.apply((j) => j.metadata), spec: job.apply((j) => j.spec) }, {
                parent: this, dependsOn,
                // The phase's wait, and the Job's own deadline, bound it; the provider's default is 10 minutes.
                customTimeouts: { create: "20m", update: "20m" },
            });
        };
        if (quorumSpecs && phase !== "kraft") this.controllers = quorum([]);
        if (quorumSpecs && phase === "rollback") this.metadataPhaseJob = phaseJob([this.controllers!.statefulSet]);
        ({ configMap: this.configMap, headlessService: this.headlessService, podDisruptionBudget: this.podDisruptionBudget,
            statefulSet: this.statefulSet, claims: this.claimPatches } = registerStatefulWorkload(this, KAFKA_NAMES, settings.replicas, specs, {
            scrapeType: settings.metrics ? scrapeType(scrape) : undefined,
            dependsOn: [...agent, ...auth, ...tlsSecret, ...(this.metadataPhaseJob ? [this.metadataPhaseJob] : this.controllers ? [this.controllers.statefulSet] : [])],
        }));
        if (quorumSpecs && phase === "kraft") this.controllers = quorum([this.statefulSet]);
        if (quorumSpecs && phase !== "rollback") this.metadataPhaseJob = phaseJob([this.statefulSet, this.controllers!.statefulSet]);

        this.bootstrapServers = pulumi.output(namespace).apply((ns) => bootstrapServers({ namespace: ns, clusterDomain, replicas: settings.replicas }));
        this.zookeeperConnect = pulumi.interpolate`${connect}${settings.zookeeperChroot}`;
        this.replicationBootstrap = pulumi.output(namespace).apply((ns) =>
            replicationBootstrap(brokers.map((b) => `${b}.${brokerDomain({ namespace: ns, clusterDomain })}`)));
        this.tlsBootstrapServers = pulumi.output(namespace).apply((ns) =>
            bootstrapServers({ namespace: ns, clusterDomain, replicas: settings.replicas }, LISTENERS.clientTls.port));
        this.traffic = {
            selector: kafkaSelector,
            ports: settings.tls ? [KAFKA_PORT, LISTENERS.clientTls.port] : [KAFKA_PORT],
            peerPorts: settings.tls ? [LISTENERS.replication.port] : [],
            ...(settings.tls ? { admin: accessSelector } : {}),
            ...scrapePeer(settings.metrics, JMX_EXPORTER.port, scrape),
        };
        if (quorumSpecs) {
            this.controllerTraffic = {
                selector: controllerSelector, ports: [CONTROLLER_LISTENER.port], peerPorts: [], phaseJob: phaseJobSelector, metricsPort: JMX_EXPORTER.port,
                zookeeper: phase !== "kraft", phaseJobZookeeper: phase === "rollback", ...scrapePeer(settings.metrics, JMX_EXPORTER.port, scrape),
            };
        }
        this.registerOutputs({ bootstrapServers: this.bootstrapServers, zookeeperConnect: this.zookeeperConnect, replicationBootstrap: this.replicationBootstrap });
    }
}
