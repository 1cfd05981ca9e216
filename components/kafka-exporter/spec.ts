import type * as k8s from "@pulumi/kubernetes";
import { objectLabels, podLabels, selectorLabels } from "../shared/labels";
import { imageTag } from "../shared/fields";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "../shared/pod";
import { CustomObject, METRICS_PORT_NAME, Scrape, scrapeObject } from "../shared/metrics";
import type { KafkaAcl, KafkaUser } from "../kafka";
import type { KafkaExporterOptions } from "./options";

export const KAFKA_EXPORTER_NAME = "kafka-exporter";
/** kafka_exporter's default --web.listen-address port. */
export const KAFKA_EXPORTER_PORT = 9308;
/** Its principal is User:CN=kafka-exporter (a client certificate from the brokers' CA); no declared user may take the name. */
export const KAFKA_EXPORTER_USER = "kafka-exporter";
/** Where its certificate, key and the CA are: the user Secret KafkaAccess writes. */
export const KAFKA_EXPORTER_SECRET = "kafka-exporter-tls";
/** The image's USER nobody (kafka_exporter's Dockerfile). */
const NOBODY = 65534;
const TLS_DIR = "/etc/kafka-exporter/tls";
/**
 * The protocol version sarama speaks to the brokers (kafka_exporter's --kafka.version, default
 * 2.0.0): the brokers' line, which sarama 1.45 knows (utils.go, V3_9_0_0). Kafka 4.0 drops
 * requests older than 2.1 (KIP-896), so the default would not outlive a broker upgrade.
 */
const SARAMA_KAFKA_VERSION = "3.9.0";

export const kafkaExporterSelector = selectorLabels(KAFKA_EXPORTER_NAME);

/**
 * The consumer-group families kafka_exporter v1.9.0 serves (kafka_exporter.go, the
 * prometheus.NewDesc of consumergroup*), with their labels: what the alerts and the dashboard may
 * query. The image cannot run here, so a test holds the queries against this list.
 */
export const KAFKA_EXPORTER_FAMILIES: Record<string, string[]> = {
    kafka_consumergroup_current_offset: ["consumergroup", "topic", "partition"],
    kafka_consumergroup_current_offset_sum: ["consumergroup", "topic"],
    kafka_consumergroup_lag: ["consumergroup", "topic", "partition"],
    kafka_consumergroup_lag_sum: ["consumergroup", "topic"],
    kafka_consumergroup_members: ["consumergroup"],
};

/** The consumer groups the ACLs name: what the exporter reports, as the ACLs pattern them. */
export const declaredGroups = (acls: KafkaAcl[]) => acls.filter((a) => a.group !== undefined);

/**
 * The exporter's identity and what it may do: a certificate user in the data namespace, allowed
 * to Describe each group and each topic the ACLs name (with their patterns) and nothing else.
 * That is what its requests need, per Kafka's authorizer (KafkaApis): ListGroups answers only the
 * groups the principal may Describe, DescribeGroups and OffsetFetch need Describe on the group,
 * OffsetFetch and ListOffsets need Describe on the topic, and Metadata shows only such topics.
 * Undefined when no ACL names a group: nothing to report.
 */
export function exporterAccess(acls: KafkaAcl[], namespace: string): { user: KafkaUser; acls: KafkaAcl[] } | undefined {
    const groups = declaredGroups(acls);
    if (groups.length === 0) return undefined;
    const describe = (a: KafkaAcl): KafkaAcl => ({
        user: KAFKA_EXPORTER_USER, pattern: a.pattern, operations: ["Describe"],
        ...(a.group !== undefined ? { group: a.group } : { topic: a.topic }),
    });
    const grants = [...groups, ...acls.filter((a) => a.topic !== undefined)].map(describe);
    const unique = [...new Map(grants.map((g) => [JSON.stringify(g), g])).values()];
    return {
        user: { name: KAFKA_EXPORTER_USER, namespace, secretName: KAFKA_EXPORTER_SECRET, authentication: "tls" },
        acls: unique,
    };
}

export interface KafkaExporterSettings extends Omit<KafkaExporterOptions, "enabled"> {
    namespace: string;
    /** The brokers' addresses for certificate clients, host:9092 each. */
    bootstrapServers: string[];
    /**
     * A digest of the exporter's certificate and the CAs it trusts: kafka_exporter reads them
     * once, at start (NewExporter, tls.LoadX509KeyPair), so a renewed certificate or a CA
     * rotation's phase must restart it.
     */
    credentialsDigest: string;
    /** Who scrapes it, and how often. @default nobody: no scrape object */
    scrape?: Scrape;
}

export interface KafkaExporterSpecs {
    deployment: { metadata: k8s.types.input.meta.v1.ObjectMeta; spec: k8s.types.input.apps.v1.DeploymentSpec };
    scrape?: CustomObject;
}

/** The Deployment and its scrape object, as plain data. */
export function kafkaExporterSpecs(s: KafkaExporterSettings): KafkaExporterSpecs {
    const labels = objectLabels(kafkaExporterSelector, KAFKA_EXPORTER_NAME, "metrics");
    const meta = { name: KAFKA_EXPORTER_NAME, namespace: s.namespace, labels };
    const probe = { httpGet: { path: "/healthz", port: METRICS_PORT_NAME }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
    const deployment: KafkaExporterSpecs["deployment"] = {
        metadata: meta,
        spec: {
            // One: a second would only report the same lag twice; the alerts take the max.
            replicas: 1,
            selector: { matchLabels: { ...kafkaExporterSelector } },
            revisionHistoryLimit: 10,
            template: {
                metadata: { labels: podLabels(labels, imageTag(s.image)), annotations: { "zk-kafka-gke/credentials-checksum": s.credentialsDigest } },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    // fsGroup: the Secret's 0400 files are readable by nobody only through it.
                    securityContext: hardenedPodSecurityContext(NOBODY),
                    containers: [{
                        name: KAFKA_EXPORTER_NAME,
                        image: s.image,
                        args: [
                            ...s.bootstrapServers.map((b) => `--kafka.server=${b}`),
                            `--kafka.version=${SARAMA_KAFKA_VERSION}`,
                            "--tls.enabled",
                            `--tls.ca-file=${TLS_DIR}/ca.crt`,
                            `--tls.cert-file=${TLS_DIR}/tls.crt`,
                            `--tls.key-file=${TLS_DIR}/tls.key`,
                            `--web.listen-address=:${KAFKA_EXPORTER_PORT}`,
                        ],
                        ports: [{ name: METRICS_PORT_NAME, containerPort: KAFKA_EXPORTER_PORT, protocol: "TCP" }],
                        // No CPU limit: a scrape of many partitions is a burst, and throttling it only makes the scrape time out.
                        resources: { requests: { cpu: s.cpu, memory: s.memory }, limits: { memory: s.memory } },
                        // kafka_exporter exits when no broker answers at its start (main: NewExporter, klog.Fatalln), so the
                        // kubelet's restarts are its retry; /healthz says only that it serves.
                        readinessProbe: probe,
                        livenessProbe: { ...probe, initialDelaySeconds: 5 },
                        securityContext: hardenedContainerSecurityContext(),
                        volumeMounts: [{ name: "tls", mountPath: TLS_DIR, readOnly: true }],
                    }],
                    volumes: [{
                        name: "tls",
                        secret: { secretName: KAFKA_EXPORTER_SECRET, defaultMode: 0o400, items: ["ca.crt", "tls.crt", "tls.key"].map((k) => ({ key: k, path: k })) },
                    }],
                },
            },
        },
    };
    const scrape = s.scrape && scrapeObject(s.scrape.scraper, meta, kafkaExporterSelector, s.scrape.interval);
    return { deployment, ...(scrape ? { scrape } : {}) };
}
