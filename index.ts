import * as k8s from "@pulumi/kubernetes";
import { checkAgainstDeployed, loadConfig } from "./config";
import { DEPLOYED_OUTPUT, deployedRecord } from "./schema/deployed";
import { GkeCluster } from "./components/gke/cluster";
import { ExistingCluster } from "./components/gke/existing-cluster";
import { ZooKeeperEnsemble } from "./components/zookeeper/ensemble";
import { KafkaCluster } from "./components/kafka/cluster";
import { KafkaAccess } from "./components/kafka/access";
import { accessSelector } from "./components/kafka/access-spec";
import { LISTENERS } from "./components/kafka/security";
import { NodeExporter } from "./components/node-exporter/daemonset";
import { NetworkPolicies } from "./components/network/policies";
import { Monitoring } from "./components/monitoring/monitoring";
import { ZK_METRICS_PORT, ZK_PORTS, zkSelector } from "./components/zookeeper/spec";
import { KAFKA_PORT, kafkaSelector } from "./components/kafka/spec";
import { JMX_EXPORTER } from "./components/kafka/metrics";
import { scraperPeer } from "./components/shared/metrics";
import { podSecurityLabels } from "./components/shared/labels";

/** Where alerts link for what to do; a URL of your copy of the runbook makes them clickable. */
const RUNBOOK = "docs/runbook.md";

// The stack's outputs are what this function returns; Pulumi's Node host awaits it.
export = async () => {
    // Validated first: an invalid stack config, or a change the live stack cannot take, fails
    // here, before any resource is registered.
    const config = loadConfig();
    await checkAgainstDeployed(config);
    const target = config.cluster;

    const cluster = target.mode === "gke"
        ? new GkeCluster("cluster", target.gke)
        : new ExistingCluster("cluster", target.existing);
    // Every Kubernetes object goes through this provider: never the ambient default one.
    const providers = [cluster.provider];

    // Every pod of ZooKeeper and Kafka satisfies the restricted Pod Security Standard, so the API
    // server enforces it: a regression in the specs fails at admission instead of running.
    const namespace = new k8s.core.v1.Namespace("namespace", {
        metadata: { name: config.namespace, labels: podSecurityLabels("restricted") },
    }, { provider: cluster.provider });

    const { allowedClients: zookeeperClients, ...zookeeperSettings } = config.zookeeper;
    const zookeeper = new ZooKeeperEnsemble("zookeeper", {
        ...zookeeperSettings,
        namespace: namespace.metadata.name,
        clusterDomain: config.clusterDomain,
        zoneSpread: config.placement.zoneSpread,
        scrape: config.scrape,
    }, { providers });

    // Kafka takes the ensemble's connect string (an output, never a second hand-typed list) but not
    // its rollout: each broker waits for a quorum itself, so a fresh stack starts both at once.
    const { allowedClients: kafkaClients, users: kafkaUsers, acls: kafkaAcls, ...kafkaSettings } = config.kafka;
    const kafka = new KafkaCluster("kafka", {
        ...kafkaSettings,
        namespace: namespace.metadata.name,
        zookeeperConnect: zookeeper.connectString,
        clusterDomain: config.clusterDomain,
        zoneSpread: config.placement.zoneSpread,
        zoneMetadataServer: config.placement.zoneMetadataServer,
        scrape: config.scrape,
        zookeeperCredentials: zookeeper.kafkaCredentials,
    }, { providers });

    // Users and ACLs, once the brokers run: the Job that applies them is awaited by `pulumi up`.
    if (kafka.pki) {
        new KafkaAccess("kafka-access", {
            namespace: namespace.metadata.name, image: config.kafka.image, replicationBootstrap: kafka.replicationBootstrap,
            bootstrapServers: kafka.bootstrapServers, tlsBootstrapServers: kafka.tlsBootstrapServers, pki: kafka.pki, users: kafkaUsers, acls: kafkaAcls,
            brokers: kafka,
        }, { providers });
    }

    // The flows between them, selected by the same label objects the workloads' specs use.
    new NetworkPolicies("network", {
        ...config.network,
        namespace: namespace.metadata.name,
        zookeeper: { selector: zkSelector, ports: [ZK_PORTS.client], peerPorts: [ZK_PORTS.server, ZK_PORTS.leaderElection], clients: zookeeperClients,
            ...(config.zookeeper.metrics ? { metrics: { port: ZK_METRICS_PORT, from: scraperPeer(config.scrape.scraper) } } : {}) },
        kafka: { selector: kafkaSelector, ports: config.kafka.tls ? [KAFKA_PORT, LISTENERS.clientTls.port] : [KAFKA_PORT], clients: kafkaClients, metadataEgress: config.placement.metadataEgress,
            ...(config.kafka.tls ? { peerPorts: [LISTENERS.replication.port], admin: accessSelector } : {}),
            ...(config.kafka.metrics ? { metrics: { port: JMX_EXPORTER.port, from: scraperPeer(config.scrape.scraper) } } : {}) },
    }, { providers });

    // Alerts and the dashboard over what the exporters above publish.
    new Monitoring("monitoring", {
        ...config.monitoring,
        mode: target.mode,
        project: target.mode === "gke" ? target.gke.project : undefined,
        namespace: config.namespace,
        zookeeper: { replicas: config.zookeeper.replicas, metrics: config.zookeeper.metrics === true },
        kafka: { replicas: config.kafka.replicas, metrics: config.kafka.metrics === true },
        nodeExporter: config.nodeExporter.enabled && (config.nodeExporter.podMonitoring || config.nodeExporter.serviceMonitor)
            ? { namespace: config.nodeExporter.namespace } : undefined,
        runbook: RUNBOOK,
    }, { providers, dependsOn: [namespace] });

    if (config.nodeExporter.enabled) {
        const { enabled: _enabled, ...nodeExporter } = config.nodeExporter;
        new NodeExporter("node-exporter", nodeExporter, { providers });
    }

    return {
        mode: target.mode,
        kubeconfig: cluster.kubeconfig,
        clusterName: cluster.clusterName,
        clusterLocation: cluster.location,
        zookeeperConnect: zookeeper.connectString,
        kafkaBootstrap: kafka.bootstrapServers,
        kafkaZookeeperConnect: kafka.zookeeperConnect,
        // What the next `pulumi up` checks its changes against (config.ts, checkAgainstDeployed).
        [DEPLOYED_OUTPUT]: deployedRecord(config),
    };
};
