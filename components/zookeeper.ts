import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ZK_NAMES, ZK_PORTS, ZOOKEEPER_DEFAULTS, ZooKeeperSettings, zookeeperSpecs } from "./zookeeper-spec";
import { definedOnly } from "./shared/args";

export { ZK_NAMES, ZK_PORTS };

/** Settings of a ZooKeeper ensemble; the defaults are the Kubernetes "Running ZooKeeper" tutorial's. */
export interface ZooKeeperEnsembleArgs {
    /** Namespace of every object (pass the Namespace resource's name to depend on it). */
    namespace: pulumi.Input<string>;
    /** Number of servers, odd (a quorum of 2n+1). @default 3 */
    replicas?: number;
    /** A ZooKeeper 3.8+ image with bash and `zkServer.sh` on PATH, running as uid 1000. @default docker.io/library/zookeeper:3.9.4 */
    image?: string;
    /** `Parallel` starts all servers at once; `OrderedReady` one after another. @default "Parallel" */
    podManagementPolicy?: "Parallel" | "OrderedReady";
    /** RollingUpdate partition: only pods with an ordinal >= this are updated (a staged rollout). @default 0 */
    updatePartition?: number;
    /** Size of each server's `datadir` volume. @default "10Gi" */
    storageSize?: string;
    /** StorageClass of the `datadir` volumes. @default the cluster's default class */
    storageClass?: string;
    /** JVM heap (-Xms/-Xmx), below the memory limit. @default "512M" */
    heap?: string;
    /** CPU request. @default "500m" */
    cpu?: string;
    /** Memory request and limit. @default "1Gi" */
    memory?: string;
    /** zoo.cfg tickTime in ms. @default 2000 */
    tickTime?: number;
    /** zoo.cfg initLimit in ticks. @default 10 */
    initLimit?: number;
    /** zoo.cfg syncLimit in ticks. @default 5 */
    syncLimit?: number;
    /** zoo.cfg maxClientCnxns per client IP (0: unlimited). @default 60 */
    maxClientCnxns?: number;
    /** zoo.cfg autopurge.snapRetainCount. @default 3 */
    snapRetainCount?: number;
    /** zoo.cfg autopurge.purgeInterval in hours (0: off). @default 12 */
    purgeInterval?: number;
    /** zoo.cfg minSessionTimeout in ms. @default 4000 */
    minSessionTimeout?: number;
    /** zoo.cfg maxSessionTimeout in ms. @default 40000 */
    maxSessionTimeout?: number;
    /** The cluster's DNS domain, in the peers' addresses. @default "cluster.local" */
    clusterDomain?: string;
}

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
    /** `zk-cs.<namespace>.svc.<clusterDomain>:2181`, the connect string for clients such as Kafka. */
    readonly connectString: pulumi.Output<string>;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:zookeeper:Ensemble", name, {}, opts);
        const { namespace, ...rest } = args;
        const specs = pulumi.output(namespace).apply((ns) =>
            zookeeperSpecs({ ...ZOOKEEPER_DEFAULTS, ...definedOnly(rest), namespace: ns } as ZooKeeperSettings));
        const parent = { parent: this };

        this.configMap = new k8s.core.v1.ConfigMap(ZK_NAMES.configMap, fields(specs, "configMap", ["metadata", "data"]), parent);
        this.headlessService = new k8s.core.v1.Service(ZK_NAMES.headlessService, fields(specs, "headlessService", ["metadata", "spec"]), parent);
        this.clientService = new k8s.core.v1.Service(ZK_NAMES.clientService, fields(specs, "clientService", ["metadata", "spec"]), parent);
        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(ZK_NAMES.pdb, fields(specs, "pdb", ["metadata", "spec"]), parent);
        this.statefulSet = new k8s.apps.v1.StatefulSet(ZK_NAMES.statefulSet, fields(specs, "statefulSet", ["metadata", "spec"]), {
            ...parent,
            // The pods mount zk-config and resolve peers through zk-hs from their first start.
            dependsOn: [this.configMap, this.headlessService],
            // The name is fixed (the tutorial's `zk`), so a replacement (new volumeClaimTemplates,
            // podManagementPolicy) must delete first. The volumes are retained and re-bound by
            // the new StatefulSet's pods: the data survives, as in the tutorial's persistence test.
            deleteBeforeReplace: true,
        });

        this.connectString = pulumi.interpolate`${this.clientService.metadata.name}.${namespace}.svc.${args.clusterDomain ?? ZOOKEEPER_DEFAULTS.clusterDomain}:${ZK_PORTS.client}`;
        this.registerOutputs({ connectString: this.connectString });
    }
}

/** Splits one object of the Output specs into per-field Outputs, the shape resource args take. */
function fields<S, K extends keyof S, F extends keyof S[K]>(
    specs: pulumi.Output<S>, key: K, names: F[],
): { [N in F]: pulumi.Output<pulumi.Unwrap<S[K][N]>> } {
    const object = specs.apply((s) => s[key]);
    return Object.fromEntries(names.map((n) => [n, object.apply((o) => o[n])])) as never;
}
