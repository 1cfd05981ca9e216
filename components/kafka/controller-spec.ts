import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, selectorLabels } from "../shared/labels";
import { execProbe, hardenedContainerSecurityContext, hardenedPodSecurityContext, jvmResources } from "../shared/pod";
import { ClaimPatch, configMapVolumes, disruptionBudget, headlessService, shippedFile, statefulSetObjects } from "../shared/statefulset";
import { imageTag } from "../shared/fields";
import { JMX_EXPORTER, jmxExporterAgentFlag, jmxExporterConfig } from "./metrics";
import { scrapeObject } from "../shared/metrics";
import { CONTROLLER_ID_BASE, CONTROLLER_LISTENER, CONTROLLER_NAMES, CONTROLLER_SUBJECT, MetadataPhase, ZK_MIGRATION_STATE, controllerVoters } from "./metadata";
import { CERT_SUBJECTS, LISTENERS, TLS_PATHS, pemTlsLines } from "./security";
import { KAFKA_NAMES, KAFKA_PATHS, KAFKA_UID, KafkaSettings, controllerDomain } from "./names";
import { zookeeperLines } from "./server-properties";
import { jvmPodFiles } from "./jvm-pod";

/** Voluntary disruptions take one controller at a time: a quorum of three keeps two voters. */
export const CONTROLLER_PDB_MAX_UNAVAILABLE = 1;
/** Seconds a controller waits for ZooKeeper's cluster id before formatting its volume (the brokers write it at their first start). */
export const CONTROLLER_CLUSTER_ID_WAIT_SECONDS = 300;
/** Seconds the phase Job waits for the phase's end (every broker rolled, the controllers' state moved). */
export const PHASE_WAIT_SECONDS = 900;
/** Seconds the controllers' probe's one metrics request may take. */
const PROBE_SECONDS = 3;

export const controllerSelector = selectorLabels(CONTROLLER_NAMES.statefulSet);
export const phaseJobSelector = selectorLabels(CONTROLLER_NAMES.phaseJob);

/** What the quorum needs beyond the brokers' settings: the phase its objects are rendered for. */
export type ControllerSettings = KafkaSettings & { phase: Exclude<MetadataPhase, "zookeeper"> };

/**
 * The controllers' server.properties (kafka-controller-start.sh adds node.id). In migration they
 * also write ZooKeeper (the same chroot and identity as the brokers) and reach the ZooKeeper-mode
 * brokers as their controller, on the brokers' replication listener with the controllers'
 * certificate; in kraft the migration settings are gone, which finalises it.
 */
export function controllerProperties(s: ControllerSettings): string {
    const migrating = s.phase !== "kraft";
    const lower = CONTROLLER_LISTENER.name.toLowerCase();
    return [
        "# Rendered by zk-kafka-gke; identical on every controller (kafka-controller-start.sh adds node.id).",
        "process.roles=controller",
        `controller.quorum.voters=${controllerVoters(s.controllerReplicas, controllerDomain(s))}`,
        `controller.listener.names=${CONTROLLER_LISTENER.name}`,
        `listeners=${CONTROLLER_LISTENER.name}://:${CONTROLLER_LISTENER.port}`,
        `listener.security.protocol.map=${CONTROLLER_LISTENER.name}:${CONTROLLER_LISTENER.protocol}${migrating ? `,${LISTENERS.replication.name}:${LISTENERS.replication.protocol}` : ""}`,
        `listener.name.${lower}.ssl.client.auth=required`,
        ...pemTlsLines(`${TLS_PATHS.brokerSecret}/ca.crt`),
        "# The ACLs live in the quorum's log from the migration on; the brokers and the access Job's admin are super users.",
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found=false",
        `super.users=${[CERT_SUBJECTS.broker, CERT_SUBJECTS.admin, CONTROLLER_SUBJECT].map((c) => `User:CN=${c.commonName}`).join(";")}`,
        `log.dirs=${KAFKA_PATHS.data}/metadata`,
        ...(migrating ? [
            "# Migration: copy ZooKeeper's metadata, then write both until kraft (kafka.metadata).",
            "zookeeper.metadata.migration.enable=true",
            `inter.broker.listener.name=${LISTENERS.replication.name}`,
            ...zookeeperLines(s),
        ] : []),
        "",
    ].join("\n");
}

/** The controllers' objects: ConfigMap, headless Service, PDB, StatefulSet, claim patches, and the phase Job. */
export function controllerSpecs(s: ControllerSettings) {
    const labels = objectLabels(controllerSelector, CONTROLLER_NAMES.statefulSet, "controller");
    const meta = (name: string) => ({ name, namespace: s.namespace, labels });
    const config = configMapVolumes(CONTROLLER_NAMES.configMap, {
        conf: { "server.properties": controllerProperties(s), "log4j.properties": shippedFile(__dirname, "kafka-log4j.properties"), "jmx-exporter.yaml": jmxExporterConfig(false, true) },
        scripts: { "kafka-controller-start.sh": shippedFile(__dirname, "kafka-controller-start.sh"), "kafka-lib.sh": shippedFile(__dirname, "kafka-lib.sh"),
            "kafka-controller-probe.sh": shippedFile(__dirname, "kafka-controller-probe.sh"), "kafka-metadata.sh": shippedFile(__dirname, "kafka-metadata.sh") },
    });
    // Rollback: no controller runs, and none may come back with its metadata log (it would resume a
    // migration ZooKeeper no longer knows): the volumes go with the pods.
    const replicas = s.phase === "rollback" ? 0 : s.controllerReplicas;
    const logsIn = migratingWithZooKeeperAuth(s);
    const files = jvmPodFiles({ dataClaim: CONTROLLER_NAMES.dataClaim, agent: true, zookeeperAuth: logsIn,
        tls: { secretName: CONTROLLER_NAMES.tlsSecret, items: controllerTlsItems(s.controllerReplicas) } }, config.volumes);
    return {
        configMap: { metadata: meta(CONTROLLER_NAMES.configMap), data: config.data } satisfies k8s.core.v1.ConfigMapArgs,
        headlessService: headlessService(meta(CONTROLLER_NAMES.headlessService), controllerSelector,
            [{ name: "controller", port: CONTROLLER_LISTENER.port }, { name: "metrics", port: JMX_EXPORTER.port }]),
        pdb: disruptionBudget(meta(CONTROLLER_NAMES.pdb), controllerSelector, CONTROLLER_PDB_MAX_UNAVAILABLE),
        tlsSecretMeta: meta(CONTROLLER_NAMES.tlsSecret),
        // Scraped as the brokers are: the alerts sum the active controllers over both, and read the migration's state.
        ...(s.metrics && s.scrape ? { scrapeObject: scrapeObject(s.scrape.scraper, meta(CONTROLLER_NAMES.statefulSet), controllerSelector, s.scrape.interval) } : {}),
        phaseJob: phaseJob(s, objectLabels(phaseJobSelector, CONTROLLER_NAMES.phaseJob, "controller")),
        ...statefulSetObjects({
            meta: meta(CONTROLLER_NAMES.statefulSet),
            selector: controllerSelector,
            serviceName: CONTROLLER_NAMES.headlessService,
            replicas,
            // Parallel: a controller is Ready once the quorum has a leader, which takes a majority
            // of voters running; OrderedReady would wait for kafka-controller-0 before starting -1.
            // A roll still replaces one pod at a time, each awaited Ready (stateful_set_control.go).
            podManagementPolicy: "Parallel",
            updatePartition: 0,
            zoneSpread: s.zoneSpread,
            version: imageTag(s.image),
            configChecksum: [config.checksum, JMX_EXPORTER.sha256.slice(0, 16), ...(s.certificates ? [s.certificates] : [])].join("-"),
            uid: KAFKA_UID,
            terminationGracePeriodSeconds: 60,
            preStartSeconds: CONTROLLER_CLUSTER_ID_WAIT_SECONDS,
            container: container(s, logsIn, files.mounts),
            volumes: files.volumes,
            data: { name: CONTROLLER_NAMES.dataClaim, size: s.controllerStorageSize, storageClass: s.storageClass },
            claimRetention: s.phase === "rollback" ? "Delete" : "Retain",
        }),
    } satisfies { claimPatches: ClaimPatch[]; [key: string]: unknown };
}

/** Whether the controllers log in to ZooKeeper: in migration (and rollback, while they stop), with its ACLs on. */
const migratingWithZooKeeperAuth = (s: ControllerSettings) => s.zookeeperAcl === "secure" && s.phase !== "kraft";

function container(s: ControllerSettings, logsIn: boolean, volumeMounts: k8s.types.input.core.v1.VolumeMount[]): k8s.types.input.core.v1.Container {
    const probe = (mode: "live" | "ready", timing: { periodSeconds: number; failureThreshold: number }) =>
        execProbe(["bash", `${KAFKA_PATHS.scripts}/kafka-controller-probe.sh`, mode, String(PROBE_SECONDS)], { ...timing, timeoutSeconds: PROBE_SECONDS + 1 });
    return {
        name: "kafka-controller",
        image: s.image,
        command: ["bash", `${KAFKA_PATHS.scripts}/kafka-controller-start.sh`],
        env: [
            { name: "KAFKA_HOME", value: KAFKA_PATHS.home },
            { name: "KAFKA_CONFIG_DIR", value: KAFKA_PATHS.config },
            { name: "KAFKA_RUNTIME_DIR", value: KAFKA_PATHS.runtime },
            { name: "KAFKA_NODE_ID_BASE", value: String(CONTROLLER_ID_BASE) },
            { name: "KAFKA_CLUSTER_ID_WAIT_SECONDS", value: String(CONTROLLER_CLUSTER_ID_WAIT_SECONDS) },
            { name: "KAFKA_HEAP_OPTS", value: `-Xms${s.controllerHeap} -Xmx${s.controllerHeap}` },
            // Always the agent: the probe and the phase Job read the quorum's state from it.
            { name: "KAFKA_OPTS", value: `-XX:+ExitOnOutOfMemoryError ${jmxExporterAgentFlag(`${KAFKA_PATHS.config}/jmx-exporter.yaml`)}` },
            { name: "KAFKA_LOG4J_OPTS", value: `-Dlog4j.configuration=file:${KAFKA_PATHS.config}/log4j.properties` },
            { name: "LOG_DIR", value: `${KAFKA_PATHS.tmp}/kafka-logs` },
            { name: "EXTRA_ARGS", value: "-name kafkaServer" },
            ...(logsIn ? [{ name: "KAFKA_ZOOKEEPER_AUTH_DIR", value: KAFKA_PATHS.zookeeperAuth }] : []),
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "KAFKA_TLS_DIR", value: TLS_PATHS.brokerSecret },
        ],
        ports: [{ name: "controller", containerPort: CONTROLLER_LISTENER.port }, { name: "metrics", containerPort: JMX_EXPORTER.port }],
        resources: jvmResources(s.controllerCpu, s.controllerMemory),
        startupProbe: probe("live", { periodSeconds: 10, failureThreshold: 60 }),
        // Ready = this controller follows a leader of the quorum: a roll replaces the next voter only
        // once the last one has rejoined, so the quorum never loses its majority to the roll.
        readinessProbe: probe("ready", { periodSeconds: 10, failureThreshold: 1 }),
        livenessProbe: probe("live", { periodSeconds: 10, failureThreshold: 6 }),
        volumeMounts,
    };
}

/** The kafka-controller-tls Secret as each controller's volume lays it out: its own directory (as the brokers' kafka-tls). */
export function controllerTlsItems(replicas: number): Array<{ key: string; path: string }> {
    return Array.from({ length: replicas }, (_, i) => `${CONTROLLER_NAMES.statefulSet}-${i}`).flatMap((pod) => [
        { key: "ca.crt", path: `${pod}/ca.crt` }, { key: `${pod}.key`, path: `${pod}/tls.key` }, { key: `${pod}.crt`, path: `${pod}/tls.crt` }]);
}

/** Every controller's metrics address, host:port, as the phase Job reads them. */
export function controllerMetricsAddresses(s: Pick<ControllerSettings, "controllerReplicas" | "namespace" | "clusterDomain">): string {
    return Array.from({ length: s.controllerReplicas }, (_, i) => `${CONTROLLER_NAMES.statefulSet}-${i}.${controllerDomain(s)}:${JMX_EXPORTER.port}`).join(",");
}

/**
 * The Job each phase's `pulumi up` ends with, created after both StatefulSets have rolled: it
 * completes only at the phase's real end, which the controllers report (ZkMigrationState, broker
 * counts) and pods being Ready do not. In rollback it deletes the quorum's znodes once no
 * controller answers, and waits for a broker to be ZooKeeper's controller again.
 */
function phaseJob(s: ControllerSettings, labels: Record<string, string>) {
    const expected = { migration: ZK_MIGRATION_STATE.MIGRATION, kraft: ZK_MIGRATION_STATE.POST_MIGRATION, rollback: ZK_MIGRATION_STATE.NONE }[s.phase];
    const zk = s.phase === "rollback";
    const logsIn = zk && s.zookeeperAcl === "secure";
    const spec: k8s.types.input.batch.v1.JobSpec = {
        backoffLimit: 2,
        activeDeadlineSeconds: PHASE_WAIT_SECONDS + 120,
        template: {
            metadata: { labels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                securityContext: hardenedPodSecurityContext(KAFKA_UID),
                containers: [{
                    name: "kafka-metadata",
                    image: s.image,
                    command: ["bash", `${KAFKA_PATHS.scripts}/kafka-metadata.sh`, s.phase],
                    env: [
                        { name: "KAFKA_HOME", value: KAFKA_PATHS.home },
                        { name: "KAFKA_METADATA_CONTROLLERS", value: controllerMetricsAddresses(s) },
                        { name: "KAFKA_METADATA_BROKERS", value: String(s.replicas) },
                        { name: "KAFKA_METADATA_STATE", value: String(expected) },
                        { name: "KAFKA_METADATA_WAIT_SECONDS", value: String(PHASE_WAIT_SECONDS) },
                        ...(zk ? [{ name: "KAFKA_METADATA_ZOOKEEPER", value: `${s.zookeeperConnect}${s.zookeeperChroot}` }] : []),
                        ...(logsIn ? [{ name: "KAFKA_ZOOKEEPER_AUTH_DIR", value: KAFKA_PATHS.zookeeperAuth }] : []),
                        { name: "KAFKA_RUNTIME_DIR", value: KAFKA_PATHS.runtime },
                        { name: "KAFKA_HEAP_OPTS", value: "-Xmx256m" },
                        { name: "KAFKA_JVM_PERFORMANCE_OPTS", value: "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true" },
                        { name: "LOG_DIR", value: `${KAFKA_PATHS.tmp}/logs` },
                    ],
                    resources: { requests: { cpu: "100m", memory: "384Mi" }, limits: { memory: "384Mi" } },
                    securityContext: hardenedContainerSecurityContext(),
                    volumeMounts: [
                        { name: "scripts", mountPath: KAFKA_PATHS.scripts, readOnly: true },
                        { name: "runtime", mountPath: KAFKA_PATHS.runtime },
                        { name: "tmp", mountPath: KAFKA_PATHS.tmp },
                        ...(logsIn ? [{ name: "zookeeper-auth", mountPath: KAFKA_PATHS.zookeeperAuth, readOnly: true }] : []),
                    ],
                }],
                volumes: [
                    { name: "scripts", configMap: { name: CONTROLLER_NAMES.configMap, defaultMode: 0o555, items: ["kafka-metadata.sh", "kafka-lib.sh"].map((f) => ({ key: f, path: f })) } },
                    { name: "runtime", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                    { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                    ...(logsIn ? [{ name: "zookeeper-auth", secret: { secretName: KAFKA_NAMES.zookeeperAuthSecret, defaultMode: 0o400 } }] : []),
                ],
            },
        },
    };
    return {
        // One Job per phase: a new phase is a new Job, awaited to completion by `pulumi up`; a
        // failed one is replaced, so retried, by the next (pulumi.com/replaceUnready).
        metadata: { name: `${CONTROLLER_NAMES.phaseJob}-${s.phase}`, namespace: s.namespace, labels, annotations: { "pulumi.com/replaceUnready": "true" } },
        spec,
    };
}
