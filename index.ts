import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { checkAgainstDeployed, loadConfig } from "./config";
import { DEPLOYED_OUTPUT, appliedRecord } from "./schema/deployed";
import { clusterFor } from "./components/gke";
import { ZooKeeperEnsemble } from "./components/zookeeper";
import { KafkaAccess, KafkaCluster } from "./components/kafka";
import { NodeExporter } from "./components/node-exporter";
import { KafkaExporter, exporterAccess } from "./components/kafka-exporter";
import { NetworkPolicies } from "./components/network";
import { Monitoring } from "./components/monitoring";
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

    const cluster = clusterFor("cluster", target);
    // Every Kubernetes object goes through this provider: never the ambient default one.
    const providers = [cluster.provider];

    // Every pod of ZooKeeper and Kafka satisfies the restricted Pod Security Standard, so the API
    // server enforces it: a regression in the specs fails at admission instead of running.
    const namespace = new k8s.core.v1.Namespace("namespace", {
        metadata: { name: config.namespace, labels: podSecurityLabels("restricted") },
    }, { provider: cluster.provider });

    // Gone once the brokers' metadata is in KRaft, if the config says so (schema/stack.ts, deployed.ts).
    const { allowedClients: zookeeperClients, enabled: zookeeperRuns, ...zookeeperSettings } = config.zookeeper;
    const zookeeper = !zookeeperRuns ? undefined : new ZooKeeperEnsemble("zookeeper", {
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
        zookeeperConnect: zookeeper?.connectString,
        clusterDomain: config.clusterDomain,
        zoneSpread: config.placement.zoneSpread,
        zoneMetadataServer: config.placement.zoneMetadataServer,
        scrape: config.scrape,
        zookeeperCredentials: zookeeper?.kafkaCredentials,
    }, { providers });

    // The lag exporter is a user of its own: a certificate, and Describe on what the ACLs name.
    const { enabled: _lag, runs: lagRuns, ...lagSettings } = config.kafkaExporter;
    const exporter = lagRuns ? exporterAccess(kafkaAcls, config.namespace) : undefined;
    // Users and ACLs, once the brokers run: the Job that applies them is awaited by `pulumi up`.
    const access = kafka.pki ? new KafkaAccess("kafka-access", {
            namespace: namespace.metadata.name, image: config.kafka.image, cluster: kafka,
            users: [...kafkaUsers, ...(exporter ? [exporter.user] : [])], acls: [...kafkaAcls, ...(exporter?.acls ?? [])],
            reconcileSchedule: config.kafka.accessReconcileSchedule,
        }, { providers }) : undefined;
    const lag = exporter && access ? new KafkaExporter("kafka-exporter", {
        ...lagSettings, namespace: namespace.metadata.name, bootstrapServers: kafka.tlsBootstrapServers, scrape: config.scrape,
        credentials: { secret: access.userSecrets[exporter.user.name], digest: access.credentialDigests[exporter.user.name] },
    }, { providers }) : undefined;

    // The flows between them: each workload says what it serves, the config who else may reach it.
    new NetworkPolicies("network", {
        ...config.network,
        namespace: namespace.metadata.name,
        zookeeper: zookeeper ? { ...zookeeper.traffic, clients: zookeeperClients } : undefined,
        kafka: { ...kafka.traffic, clients: kafkaClients, metadataEgress: config.placement.metadataEgress },
        kafkaExporter: lag ? { ...lag.traffic, brokerPort: kafka.tlsPort } : undefined,
        kafkaControllers: kafka.controllerTraffic,
    }, { providers });

    // Alerts and the dashboard over what the exporters above publish.
    new Monitoring("monitoring", {
        ...config.monitoring,
        mode: target.mode,
        project: target.mode === "gke" ? target.gke.project : undefined,
        namespace: config.namespace,
        zookeeper: { replicas: config.zookeeper.replicas, metrics: zookeeper !== undefined && config.zookeeper.metrics === true },
        kafka: {
            replicas: config.kafka.replicas, metrics: config.kafka.metrics === true,
            replicationFactor: config.kafka.defaultReplicationFactor, minInsyncReplicas: config.kafka.minInsyncReplicas,
            ...(config.kafka.metadata === "migration" || config.kafka.metadata === "kraft"
                ? { controllers: { replicas: config.kafka.controllerReplicas, phase: config.kafka.metadata } } : {}),
        },
        nodeExporter: config.nodeExporter.enabled && (config.nodeExporter.podMonitoring || config.nodeExporter.serviceMonitor)
            ? { namespace: config.nodeExporter.namespace } : undefined,
        consumerLag: lag !== undefined,
        runbook: RUNBOOK,
        // Every certificate the stack made, held against the windows it renews them in.
        certificates: kafka.pki && access ? pulumi.all([kafka.pki.expiries, access.expiries]).apply(([brokers, users]) => ({
            expiries: [...brokers, ...users], renewHours: config.kafka.certificateRenewHours, certificateHours: config.kafka.certificateHours,
        })) : undefined,
    }, { providers, dependsOn: [namespace] });

    if (config.nodeExporter.enabled) {
        const { enabled: _enabled, ...nodeExporter } = config.nodeExporter;
        new NodeExporter("node-exporter", { ...nodeExporter, operatorLabels: config.monitoring.prometheusOperatorLabels }, { providers });
    }

    return {
        mode: target.mode,
        kubeconfig: cluster.kubeconfig,
        clusterName: cluster.clusterName,
        clusterLocation: cluster.location,
        zookeeperConnect: zookeeper?.connectString,
        kafkaBootstrap: kafka.bootstrapServers,
        kafkaZookeeperConnect: zookeeper ? kafka.zookeeperConnect : undefined,
        // What a client outside the cluster trusts (PEM, every CA the current rotation phase trusts).
        kafkaTrustBundle: kafka.pki?.trustBundle,
        // What the next `pulumi up` checks its changes against (config.ts, checkAgainstDeployed):
        // recorded only once what it describes is applied (the namespace, the rolls, the claims).
        [DEPLOYED_OUTPUT]: appliedRecord(config, [cluster.kubeconfig, namespace.id,
            ...[...(zookeeper ? [zookeeper] : []), kafka].flatMap((w) => [w.statefulSet.id, ...w.claimPatches.map((c) => c.id)]),
            // A kafka.metadata phase is recorded once its Job saw it end.
            ...(kafka.metadataPhaseJob ? [kafka.metadataPhaseJob.id] : [])]),
    };
};
