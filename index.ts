import * as k8s from "@pulumi/kubernetes";
import { loadConfig } from "./config";
import { ZooKeeperEnsemble } from "./components/zookeeper";
import { podSecurityLabels } from "./components/shared/labels";

// Validated first: an invalid stack config fails here, before any resource is registered.
const config = loadConfig();

// Every pod of ZooKeeper and Kafka satisfies the restricted Pod Security Standard, so the API
// server enforces it: a regression in the specs fails at admission instead of running.
const namespace = new k8s.core.v1.Namespace("namespace", {
    metadata: { name: config.namespace, labels: podSecurityLabels("restricted") },
});

const zookeeper = new ZooKeeperEnsemble("zookeeper", {
    ...config.zookeeper,
    namespace: namespace.metadata.name,
    clusterDomain: config.clusterDomain,
});

export const zookeeperConnect = zookeeper.connectString;
