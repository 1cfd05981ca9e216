import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { ZK_KAFKA_USER, ZK_METRICS_PORT, ZK_NAMES, ZK_PORTS, zkSelector, zookeeperSpecs } from "./spec";
import { ZooKeeperOptionsInput, zookeeperOptions } from "./options";
import { parseArgs } from "../shared/fields";
import { ZoneSpread } from "../shared/pod";
import { Scrape, scrapePeer, scrapeType } from "../shared/metrics";
import type { WorkloadTraffic } from "../shared/traffic";
import { DEFAULT_CLUSTER_DOMAIN, fields, registerStatefulWorkload } from "../shared/statefulset";

export { ZK_NAMES, ZK_PORTS };

/**
 * Settings of a ZooKeeper ensemble: every key of `zookeeperOptions` (components/zookeeper/options.ts,
 * where each one's default, rule and description are defined; docs/configuration.md lists them),
 * all optional, plus where the ensemble runs.
 */
export type ZooKeeperEnsembleArgs = Omit<ZooKeeperOptionsInput, "allowedClients"> & {
    /** Namespace of every object (pass the Namespace resource's name to depend on it). */
    namespace: pulumi.Input<string>;
    /** The cluster's DNS domain, in the peers' addresses. @default "cluster.local" */
    clusterDomain?: string;
    /** How strictly the servers spread over the nodes' zones. @default "DoNotSchedule" */
    zoneSpread?: ZoneSpread;
    /** Who scrapes the metrics port when `metrics` is on, and how often. @default nobody: no scrape object */
    scrape?: Scrape;
};

/**
 * A ZooKeeper ensemble as in the Kubernetes tutorial: Services zk-hs and zk-cs, PDB zk-pdb and
 * StatefulSet zk, plus the zk-config ConfigMap holding zoo.cfg and the start and probe scripts.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    readonly configMap: k8s.core.v1.ConfigMap;
    readonly headlessService: k8s.core.v1.Service;
    readonly clientService: k8s.core.v1.Service;
    readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    readonly statefulSet: k8s.apps.v1.StatefulSet;
    /** One patch per pod's data claim, holding it at the configured size (volumes grow in place). */
    readonly claimPatches: k8s.core.v1.PersistentVolumeClaimPatch[];
    /** `zk-cs.<namespace>.svc.<clusterDomain>:2181`, the connect string for clients such as Kafka. */
    readonly connectString: pulumi.Output<string>;
    /** The SASL user the servers accept for the brokers; its password is a Pulumi secret, generated once. */
    readonly kafkaCredentials: { username: string; password: pulumi.Output<string> };
    /** zk-auth: one file per SASL user, its password (mounted by the servers only). */
    readonly authSecret: k8s.core.v1.Secret;
    /** The servers' pods and ports, for NetworkPolicies: clients on 2181, quorum and election among themselves. */
    readonly traffic: WorkloadTraffic;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:zookeeper:Ensemble", name, {}, opts);
        const { namespace, clusterDomain = DEFAULT_CLUSTER_DOMAIN, zoneSpread = "DoNotSchedule", scrape, ...options } = args;
        const settings = parseArgs("ZooKeeperEnsemble", name, zookeeperOptions, options);
        const specs = pulumi.output(namespace).apply((ns) => zookeeperSpecs({ ...settings, namespace: ns, clusterDomain, zoneSpread, scrape }));

        // The brokers' password, made once and kept in the stack's state as a secret.
        const password = new random.RandomPassword(`${name}-kafka-password`, { length: 32, special: false }, { parent: this });
        this.kafkaCredentials = { username: ZK_KAFKA_USER, password: pulumi.secret(password.result) };
        this.authSecret = new k8s.core.v1.Secret(ZK_NAMES.authSecret, {
            metadata: specs.apply((x) => x.authSecretMeta),
            stringData: { [ZK_KAFKA_USER]: this.kafkaCredentials.password },
        }, { parent: this });
        ({ configMap: this.configMap, headlessService: this.headlessService, podDisruptionBudget: this.podDisruptionBudget,
            statefulSet: this.statefulSet, claims: this.claimPatches } = registerStatefulWorkload(this, ZK_NAMES, settings.replicas, specs,
            { scrapeType: settings.metrics ? scrapeType(scrape) : undefined, dependsOn: [this.authSecret] }));
        // Clients (Kafka) connect through zk-cs, which only lists servers that are Ready (in a quorum).
        this.clientService = new k8s.core.v1.Service(ZK_NAMES.clientService, fields(specs, "clientService", ["metadata", "spec"]), { parent: this });

        this.traffic = {
            selector: zkSelector, ports: [ZK_PORTS.client], peerPorts: [ZK_PORTS.server, ZK_PORTS.leaderElection],
            ...scrapePeer(settings.metrics, ZK_METRICS_PORT, scrape),
        };
        this.connectString = pulumi.interpolate`${this.clientService.metadata.name}.${namespace}.svc.${clusterDomain}:${ZK_PORTS.client}`;
        this.registerOutputs({ connectString: this.connectString });
    }
}
