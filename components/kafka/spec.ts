import type * as k8s from "@pulumi/kubernetes";
import { objectLabels } from "../shared/labels";
import { ZONE_LABEL, execProbe, jvmResources } from "../shared/pod";
import { ClaimPatch, configMapVolumes, disruptionBudget, headlessService, statefulSetObjects } from "../shared/statefulset";
import { imageTag } from "../shared/fields";
import { KAFKA_PDB_MAX_UNAVAILABLE } from "./options";
import { JMX_EXPORTER, jmxExporterAgentFlag, jmxExporterJar } from "./metrics";
import { CustomObject, METRICS_PORT_NAME, scrapeObject } from "../shared/metrics";
import { PLAINTEXT_REASON } from "../shared/annotations";
import { LISTENERS, PROBE_USER, TLS_PATHS } from "./security";
import { quorumRendered } from "./metadata";
import {
    KAFKA_NAMES, KAFKA_PATHS, KAFKA_PORT, KAFKA_PROBE_CALL_SECONDS, KAFKA_TERMINATION_GRACE_SECONDS, KAFKA_UID, KAFKA_ZOOKEEPER_WAIT_SECONDS, KafkaSettings,
    brokerDomain, kafkaSelector,
} from "./names";
import { brokersLogInToZooKeeper, configFiles } from "./server-properties";
import { jvmPodFiles } from "./jvm-pod";

/** The brokers' objects: the walkthrough's Service, PDB and StatefulSet, their pod, and its ConfigMap. */

export interface KafkaSpecs {
    configMap: k8s.core.v1.ConfigMapArgs;
    headlessService: k8s.core.v1.ServiceArgs;
    pdb: k8s.policy.v1.PodDisruptionBudgetArgs;
    statefulSet: k8s.apps.v1.StatefulSetArgs;
    claimPatches: ClaimPatch[];
    /** The JMX exporter agent's jar, when metrics are on or a controller quorum runs (its probe reads the agent). */
    agentConfigMap?: { metadata: { name: string; namespace: string; labels: Record<string, string> }; binaryData: Record<string, string>; immutable: true };
    /** kafka-zookeeper-auth's metadata; its data (the credentials) comes from Pulumi secrets, not from specs. */
    zookeeperAuthSecretMeta: { name: string; namespace: string; labels: Record<string, string> };
    /** kafka-tls's metadata; its data (keys, certificates) comes from Pulumi resources. */
    tlsSecretMeta: { name: string; namespace: string; labels: Record<string, string> };
    scrapeObject?: CustomObject;
}

/** Every object of the Kafka cluster, as plain data (no Pulumi runtime needed). */
export function kafkaSpecs(s: KafkaSettings): KafkaSpecs {
    const labels = objectLabels(kafkaSelector, "kafka", "broker");
    const meta = (name: string) => ({ name, namespace: s.namespace, labels });
    const config = configMapVolumes(KAFKA_NAMES.configMap, configFiles(s));
    const agent = s.metrics || quorumRendered(s.metadata) ? jmxExporterJar() : undefined;
    const jar = s.metrics ? agent : undefined;
    return {
        configMap: {
            metadata: { ...meta(KAFKA_NAMES.configMap), ...(s.plaintextReason !== undefined ? { annotations: { [PLAINTEXT_REASON]: s.plaintextReason } } : {}) },
            data: config.data,
        },
        ...(agent ? { agentConfigMap: { metadata: meta(JMX_EXPORTER.configMap), binaryData: { [JMX_EXPORTER.file]: agent.toString("base64") }, immutable: true } } : {}),
        ...(jar ? {
            ...(s.scrape ? { scrapeObject: scrapeObject(s.scrape.scraper, meta(KAFKA_NAMES.statefulSet), kafkaSelector, s.scrape.interval) } : {}),
        } : {}),
        headlessService: headlessService(meta(KAFKA_NAMES.headlessService), kafkaSelector, servicePorts(s)),
        zookeeperAuthSecretMeta: meta(KAFKA_NAMES.zookeeperAuthSecret),
        tlsSecretMeta: meta(KAFKA_NAMES.tlsSecret),
        pdb: disruptionBudget(meta(KAFKA_NAMES.pdb), kafkaSelector, KAFKA_PDB_MAX_UNAVAILABLE),
        ...statefulSetObjects({
            meta: meta(KAFKA_NAMES.statefulSet),
            selector: kafkaSelector,
            serviceName: KAFKA_NAMES.headlessService,
            replicas: s.replicas,
            // OrderedReady: the controller deletes a pod for a roll only while every pod is Running
            // and Ready (stateful_set_control.go: processReplica returns early for any pod that is
            // not, when the policy is monotonic). Under Parallel it checks only the pods above the
            // one it deletes, so a roll started while a lower broker is down takes a second one
            // down. With readiness = "in the ISR of every partition with a leader", every broker
            // Ready means no partition loses more than one in-sync replica to the next deletion.
            // (maxUnavailable would count every pod under Parallel too, but its feature gate,
            // MaxUnavailableStatefulSet, is beta and off by default through Kubernetes 1.36.)
            podManagementPolicy: "OrderedReady",
            updatePartition: s.updatePartition,
            zoneSpread: s.zoneSpread,
            version: imageTag(s.image),
            // The agent's release is part of what the pods run: a new one rolls them.
            configChecksum: [config.checksum, ...(jar ? [JMX_EXPORTER.sha256.slice(0, 16)] : []), ...(s.tls && s.certificates ? [s.certificates] : [])].join("-"),
            uid: KAFKA_UID,
            terminationGracePeriodSeconds: KAFKA_TERMINATION_GRACE_SECONDS,
            preStartSeconds: KAFKA_ZOOKEEPER_WAIT_SECONDS,
            container: container(s, brokerFiles(s, []).mounts),
            volumes: brokerFiles(s, config.volumes).volumes,
            data: { name: KAFKA_NAMES.dataClaim, size: s.storageSize, storageClass: s.storageClass },
        }),
    };
}

function container(s: KafkaSettings, volumeMounts: k8s.types.input.core.v1.VolumeMount[]): k8s.types.input.core.v1.Container {
    const probe = (mode: "live" | "ready", timing: { periodSeconds: number; failureThreshold: number }) =>
        execProbe(["bash", `${KAFKA_PATHS.scripts}/kafka-probe.sh`, mode, String(KAFKA_PROBE_CALL_SECONDS)],
            { ...timing, timeoutSeconds: KAFKA_PROBE_CALL_SECONDS + 1 });
    return {
        name: "kafka",
        image: s.image,
        command: ["bash", `${KAFKA_PATHS.scripts}/kafka-start.sh`],
        env: [
            { name: "KAFKA_HOME", value: KAFKA_PATHS.home },
            { name: "KAFKA_CONFIG_DIR", value: KAFKA_PATHS.config },
            { name: "KAFKA_RUNTIME_DIR", value: KAFKA_PATHS.runtime },
            { name: "KAFKA_ADVERTISED_DOMAIN", value: brokerDomain(s) },
            { name: "KAFKA_ZOOKEEPER_WAIT_SECONDS", value: String(KAFKA_ZOOKEEPER_WAIT_SECONDS) },
            ...rackEnv(s),
            { name: "KAFKA_HEAP_OPTS", value: `-Xms${s.heap} -Xmx${s.heap}` },
            // An OutOfMemoryError leaves a broker half alive: exit, and let the kubelet restart it.
            {
                name: "KAFKA_OPTS",
                value: ["-XX:+ExitOnOutOfMemoryError", ...(s.metrics ? [jmxExporterAgentFlag(`${KAFKA_PATHS.config}/jmx-exporter.yaml`)] : [])].join(" "),
            },
            { name: "KAFKA_LOG4J_OPTS", value: `-Dlog4j.configuration=file:${KAFKA_PATHS.config}/log4j.properties` },
            // kafka-run-class.sh creates LOG_DIR; without -loggc (the default EXTRA_ARGS) no GC log files.
            { name: "LOG_DIR", value: `${KAFKA_PATHS.tmp}/kafka-logs` },
            { name: "EXTRA_ARGS", value: "-name kafkaServer" },
            ...(brokersLogInToZooKeeper(s) ? [{ name: "KAFKA_ZOOKEEPER_AUTH_DIR", value: KAFKA_PATHS.zookeeperAuth }] : []),
            ...(s.tls ? [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "KAFKA_TLS_DIR", value: TLS_PATHS.brokerSecret }, { name: "KAFKA_LOCAL_LISTENERS", value: LISTENERS.probe.name },
                { name: "KAFKA_PROBE_USER", value: PROBE_USER }] : []),
        ],
        ports: [...servicePorts(s).map((p) => ({ name: p.name, containerPort: p.port })),
            ...(s.metrics ? [{ name: METRICS_PORT_NAME, containerPort: JMX_EXPORTER.port }] : [])],
        resources: jvmResources(s.cpu, s.memory),
        // Log recovery after an unclean stop runs before the broker answers, so the startup probe's
        // budget covers it: fifteen minutes before liveness counts. Measured (test:kafka 7): 2.7 GB
        // of log killed -9 under 14 MB/s, 62 unflushed segments recovered by Kafka's one recovery
        // thread (num.recovery.threads.per.data.dir, default 1) in 4 s, startup passed after 20 s:
        // a 45-fold margin, so neither more threads nor a longer budget.
        startupProbe: probe("live", { periodSeconds: 10, failureThreshold: 90 }),
        // Ready = in the ISR of every partition with a leader that it replicates: a roll or a
        // drain takes the next broker down only once every broker has caught up (kafka-probe.sh
        // says why not). One failure turns it NotReady: a broker that falls out of an ISR holds
        // rolls and drains from the next probe on. The headless Service publishes NotReady
        // brokers, so clients and replication never notice readiness.
        readinessProbe: probe("ready", { periodSeconds: 10, failureThreshold: 1 }),
        // A broker that answers no request for a minute is hung: restart it. Never the ISR here:
        // a broker that is behind must be left to catch up, not restarted.
        livenessProbe: probe("live", { periodSeconds: 10, failureThreshold: 6 }),
        volumeMounts,
    };
}

/** The brokers' volumes and mounts. */
const brokerFiles = (s: KafkaSettings, configVolumes: k8s.types.input.core.v1.Volume[]) => jvmPodFiles({
    dataClaim: KAFKA_NAMES.dataClaim, agent: s.metrics === true, zookeeperAuth: brokersLogInToZooKeeper(s),
    ...(s.tls ? { tls: { secretName: KAFKA_NAMES.tlsSecret, items: brokerTlsItems(s.replicas) } } : {}),
}, configVolumes);

/**
 * The kafka-tls Secret as each broker's volume lays it out: a directory per broker holding the CA
 * (ca.crt) and that broker's own key and certificate (tls.key, tls.crt). The container mounts
 * only its own directory (subPathExpr $(POD_NAME)): one StatefulSet has one pod template, so the
 * Secret reaches every pod, but no broker's processes can read another broker's key. (The files
 * of a subPath mount are not refreshed in a running container; a new certificate rolls the pods.)
 */
export function brokerTlsItems(replicas: number): Array<{ key: string; path: string }> {
    return Array.from({ length: replicas }, (_, i) => `${KAFKA_NAMES.statefulSet}-${i}`).flatMap((pod) => [
        { key: "ca.crt", path: `${pod}/ca.crt` }, { key: `${pod}.key`, path: `${pod}/tls.key` }, { key: `${pod}.crt`, path: `${pod}/tls.crt` }]);
}

/**
 * The brokers' ports on the network: the walkthrough's `server` (clients), and with TLS
 * replication and `tls` (clients with a certificate). The probe's is loopback.
 */
export function servicePorts(s: Pick<KafkaSettings, "tls">): Array<{ name: string; port: number }> {
    return [{ name: "server", port: KAFKA_PORT },
        ...(s.tls ? [{ name: "replication", port: LISTENERS.replication.port }, { name: "tls", port: LISTENERS.clientTls.port }] : [])];
}

/**
 * How kafka-start.sh learns the broker's zone for broker.rack, without an API token: first the
 * pod's own zone label through the downward API (clusters that copy the node's topology labels
 * onto pods: KEP-4742, beta in Kubernetes 1.35; empty elsewhere), then the metadata server
 * (GKE's answers instance/zone to every pod). Operators such as Strimzi read the Node object
 * instead, which takes a service account token and RBAC on nodes.
 */
function rackEnv(s: KafkaSettings): k8s.types.input.core.v1.EnvVar[] {
    if (s.rack === "none") return [];
    return [
        { name: "KAFKA_RACK", value: "zone" },
        { name: "KAFKA_POD_ZONE", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${ZONE_LABEL}']` } } },
        ...(s.zoneMetadataServer !== undefined ? [{ name: "KAFKA_ZONE_METADATA", value: s.zoneMetadataServer }] : []),
    ];
}
