import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KAFKA_EXPORTER_NAME, KAFKA_EXPORTER_PORT, kafkaExporterSelector, kafkaExporterSpecs } from "./spec";
import { KafkaExporterOptionsInput, kafkaExporterOptions } from "./options";
import { parseArgs } from "../shared/fields";
import { Scrape, scrapePeer, scrapeType } from "../shared/metrics";
import type { WorkloadTraffic } from "../shared/traffic";

/**
 * Settings of the exporter: every key of `kafkaExporterOptions` but `enabled` (components/kafka-exporter/options.ts
 * defines each one's default, rule and description), plus the brokers and its credentials.
 */
export type KafkaExporterArgs = Omit<KafkaExporterOptionsInput, "enabled"> & {
    /** The data namespace (the brokers' and the credentials Secret's). */
    namespace: pulumi.Input<string>;
    /** The brokers' addresses for certificate clients, comma-separated (KafkaCluster.tlsBootstrapServers). */
    bootstrapServers: pulumi.Input<string>;
    /**
     * Its user Secret (KafkaAccess.userSecrets, the user of exporterAccess), written once the
     * access Job has granted it, and a digest of what it holds (KafkaAccess.credentialDigests).
     */
    credentials: { secret: k8s.core.v1.Secret; digest: pulumi.Input<string> };
    /** Who scrapes it, and how often. @default nobody: no scrape object */
    scrape?: Scrape;
};

/** How long `pulumi up` waits for the exporter to be ready (a bad image or refused certificate fails there, naming it). */
const ROLLOUT_TIMEOUT = "5m";

/**
 * kafka_exporter for the consumer groups the ACLs name: the lag the consumer-lag alerts watch
 * (components/monitoring/lag.ts). Kafka's brokers export no consumer lag of their own; a
 * group's lag is the log end offset less its committed offset, which only a client that asks
 * for both knows.
 */
export class KafkaExporter extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    /** Its pods and metrics port, for NetworkPolicies: it reaches the brokers' certificate listener and is scraped. */
    readonly traffic: Pick<WorkloadTraffic, "selector" | "metrics">;

    constructor(name: string, args: KafkaExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("zk-kafka-gke:kafka-exporter:KafkaExporter", name, {}, opts);
        const { namespace, bootstrapServers, credentials, scrape, ...options } = args;
        const settings = parseArgs("KafkaExporter", name, kafkaExporterOptions, options);
        const specs = pulumi.all([namespace, bootstrapServers, credentials.digest]).apply(([ns, bootstrap, digest]) =>
            kafkaExporterSpecs({ ...settings, namespace: ns, bootstrapServers: bootstrap.split(","), credentialsDigest: digest, scrape }));
        this.deployment = new k8s.apps.v1.Deployment(KAFKA_EXPORTER_NAME, {
            metadata: specs.apply((s) => s.deployment.metadata), spec: specs.apply((s) => s.deployment.spec),
        }, { parent: this, dependsOn: [credentials.secret], customTimeouts: { create: ROLLOUT_TIMEOUT, update: ROLLOUT_TIMEOUT } });
        const type = scrapeType(scrape);
        if (type) {
            new k8s.apiextensions.CustomResource(`${KAFKA_EXPORTER_NAME}-metrics`, {
                ...type, metadata: specs.apply((s) => s.scrape!.metadata), spec: specs.apply((s) => s.scrape!.spec),
            }, { parent: this });
        }
        this.traffic = { selector: kafkaExporterSelector, ...scrapePeer(true, KAFKA_EXPORTER_PORT, scrape) };
        this.registerOutputs({ deployment: this.deployment.metadata.name });
    }
}
