import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./config";
import { GkeCluster } from "./components/gke-cluster";
import { ExistingCluster } from "./components/existing-cluster";
import { ZooKeeperEnsemble } from "./components/zookeeper";
import { podSecurityLabels } from "./components/shared/labels";

// Validated first: an invalid stack config fails here, before any resource is registered.
const config = loadConfig();
const target = config.cluster;

function gkeArgs(t: typeof target & { mode: "gke" }) {
    // Only these belong to the existing mode or to config.ts's own bookkeeping.
    const { mode: _mode, regional: _regional, kubeconfig: _kubeconfig, context: _context, ...args } = t;
    return args;
}

const cluster = target.mode === "gke"
    ? new GkeCluster("cluster", gkeArgs(target))
    : new ExistingCluster("cluster", {
        kubeconfig: target.kubeconfig !== undefined ? pulumi.secret(target.kubeconfig) : undefined,
        context: target.context,
    });
// Every Kubernetes object goes through this provider: never the ambient default one.
const providers = [cluster.provider];

// Every pod of ZooKeeper and Kafka satisfies the restricted Pod Security Standard, so the API
// server enforces it: a regression in the specs fails at admission instead of running.
const namespace = new k8s.core.v1.Namespace("namespace", {
    metadata: { name: config.namespace, labels: podSecurityLabels("restricted") },
}, { provider: cluster.provider });

const zookeeper = new ZooKeeperEnsemble("zookeeper", {
    ...config.zookeeper,
    namespace: namespace.metadata.name,
    clusterDomain: config.clusterDomain,
}, { providers });

export const mode = target.mode;
export const kubeconfig = cluster instanceof GkeCluster
    ? cluster.kubeconfig
    : target.mode === "existing" && target.kubeconfig !== undefined ? pulumi.secret(target.kubeconfig) : undefined;
export const clusterName = cluster instanceof GkeCluster ? cluster.clusterName : cluster.context;
export const clusterLocation = cluster instanceof GkeCluster ? cluster.location : undefined;
export const zookeeperConnect = zookeeper.connectString;
