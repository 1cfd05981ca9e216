import * as fs from "fs";
import * as os from "os";
import * as v from "valibot";
import { ConfigError, keyName, parseSection } from "./errors";
import { KeyDoc, Schema, field, strictSection, withDefault } from "../components/shared/fields";
import { zookeeperOptions, ZooKeeperOptions } from "../components/zookeeper";
import { ACCESS_RESOURCES, kafkaOptions, KafkaOptions } from "../components/kafka";
import { nodeExporterOptions, NodeExporterOptions } from "../components/node-exporter";
import { networkOptions, NetworkOptions } from "../components/network";
import { monitoringOptions, MonitoringOptions } from "../components/monitoring";
import { declaredGroups, kafkaExporterOptions, KafkaExporterOptions } from "../components/kafka-exporter";
import type { Scrape } from "../components/shared/metrics";
import { DEFAULT_CLUSTER_DOMAIN } from "../components/shared/statefulset";
import { clusterSchema, gcpSchema } from "./cluster";
import { capacityProblems, statefulWorkloads } from "./capacity";
import { gkeFields } from "../components/gke";
import { GKE_METADATA_EGRESS, GKE_METADATA_SERVER, regionOf } from "../components/gke";
import type { ZoneSpread } from "../components/shared/pod";
import type { GkeClusterArgs } from "../components/gke";
import type { ExistingClusterArgs } from "../components/gke";

/** The scalar top-level keys, each defined once like the sections' keys. */
const scalars = {
    namespace: withDefault(field.dnsLabel(), "zk-kafka",
        { description: "Kubernetes namespace of ZooKeeper and Kafka, created with Pod Security restricted enforced; on a live stack it cannot change (refused at preview)", createOnly: true }),
    clusterDomain: withDefault(field.dnsSubdomain(), DEFAULT_CLUSTER_DOMAIN,
        { description: "The cluster's DNS domain, used in the peers' addresses" }),
};

/** A section's schema with its description, for the reference. */
const section = <S extends Schema>(schema: S, description: string) => v.pipe(schema, v.metadata<v.InferOutput<S>, KeyDoc>({ description }));

/** The object-valued sections, each parsed on its own so that one's problems do not hide another's. */
const sections = {
    zookeeper: section(zookeeperOptions, "The ZooKeeper ensemble (the tutorial's zk-hs, zk-cs, zk-pdb, zk)"),
    kafka: section(kafkaOptions, "The ZooKeeper-backed Kafka cluster (the walkthrough's kafka-hs, kafka-pdb, kafka)"),
    network: section(networkOptions, "The data namespace's NetworkPolicies (GKE's Dataplane V2 enforces them)"),
    nodeExporter: section(nodeExporterOptions, "Prometheus node-exporter on every node (the walkthrough's DaemonSet)"),
    kafkaExporter: section(kafkaExporterOptions, "kafka_exporter, for the lag of the consumer groups kafka.acls names"),
    monitoring: section(monitoringOptions, "ZooKeeper's and Kafka's metrics, the alerts that page and the dashboard"),
    cluster: section(clusterSchema, "Where the workloads run: a GKE cluster this program creates, or an existing one"),
};

/**
 * The whole `zk-kafka-gke:*` config as one tree: the definition the README reference and the
 * stack-file JSON Schema are generated from (`npm run docs`).
 */
export const stackConfigSchema = strictSection({ ...scalars, ...sections });

/** Top-level check only: sections are present or not; each is parsed with its own schema below. */
const topLevel = strictSection({
    ...scalars, ...Object.fromEntries(Object.keys(sections).map((k) => [k, v.optional(v.unknown())])) as Record<keyof typeof sections, v.OptionalSchema<v.UnknownSchema, undefined>>,
});

/** Every key this project reads from the `zk-kafka-gke` config namespace. */
export const KNOWN_KEYS = Object.keys(stackConfigSchema.entries).sort();

/** Where the workloads run: a GKE cluster this program manages, or an existing one. */
export type ClusterTarget = { nodeCount?: number; regional: boolean; zones?: string[]; machineType?: string } & (
    | { mode: "gke"; gke: GkeClusterArgs }
    | { mode: "existing"; existing: ExistingClusterArgs & { kubeconfig?: string } }
);

export interface StackConfig {
    namespace: string;
    clusterDomain: string;
    zookeeper: ZooKeeperOptions;
    kafka: KafkaOptions;
    nodeExporter: NodeExporterOptions;
    /** The lag exporter's settings; it runs when enabled, with kafka.tls and kafka.metrics on and a group in kafka.acls. */
    kafkaExporter: KafkaExporterOptions & { runs: boolean };
    network: NetworkOptions;
    monitoring: MonitoringOptions;
    /** Who scrapes the workloads' metrics ports: managed collection on GKE, else a Prometheus. */
    scrape: Scrape;
    cluster: ClusterTarget;
    /**
     * Zones: GKE's nodes always carry their zone label, so the pods must spread (DoNotSchedule);
     * an existing cluster's nodes may not, and there the spread is only preferred. The metadata
     * server that tells a broker its zone is GKE's.
     */
    placement: { zoneSpread: ZoneSpread; zoneMetadataServer?: string; metadataEgress: Array<{ cidr: string; port: number }> };
    /** Things that could not be checked; config.ts logs them as warnings. */
    warnings: string[];
}

/** The `gcp:*` config the Google provider reads too. */
export interface GcpRaw { project?: string; zone?: string; region?: string }

/**
 * Validates the project's raw config (key without namespace -> parsed value) and the gcp:* keys
 * as a whole, and reports every problem at once, so one `pulumi preview` shows all to fix.
 */
export function parseStackConfig(raw: Record<string, unknown>, gcp: GcpRaw = {}, stack = "dev"): StackConfig {
    const problems: string[] = [];
    const collect = <T>(parse: () => T): T | undefined => {
        try {
            return parse();
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            problems.push(...e.problems);
            return undefined;
        }
    };
    const top = collect(() => parseSection("", topLevel, raw, stackConfigSchema));
    const zookeeperRaw = collect(() => parseSection("zookeeper", sections.zookeeper, raw.zookeeper));
    const kafkaRaw = collect(() => parseSection("kafka", sections.kafka, raw.kafka));
    const network = collect(() => parseSection("network", sections.network, raw.network));
    const nodeExporterRaw = collect(() => parseSection("nodeExporter", sections.nodeExporter, raw.nodeExporter));
    const kafkaExporterRaw = collect(() => parseSection("kafkaExporter", sections.kafkaExporter, raw.kafkaExporter));
    const monitoring = collect(() => parseSection("monitoring", sections.monitoring, raw.monitoring));
    const clusterRaw = collect(() => parseSection("cluster", sections.cluster, raw.cluster));
    const cluster = clusterRaw && collect(() => resolveCluster(clusterRaw, gcp, stack));
    const warnings: string[] = [];
    // GKE runs Managed Service for Prometheus (the cluster component turns it on); elsewhere the
    // PodMonitoring CRD may not exist, so it is opt-in there.
    const nodeExporter = nodeExporterRaw && cluster
        ? { ...nodeExporterRaw, podMonitoring: nodeExporterRaw.podMonitoring ?? cluster.mode === "gke" } : undefined;
    const gke = cluster?.mode === "gke";
    // Metrics default on where managed collection scrapes them; elsewhere a Prometheus must be told.
    const kafka = kafkaRaw && cluster ? { ...kafkaRaw, rack: kafkaRaw.rack ?? (gke ? "zone" : "none"), metrics: kafkaRaw.metrics ?? gke } : undefined;
    const zookeeper = zookeeperRaw && cluster ? { ...zookeeperRaw, metrics: zookeeperRaw.metrics ?? gke } : undefined;
    if (zookeeper && kafka && nodeExporter && network && cluster && kafkaExporterRaw) {
        const daemons = nodeExporter.enabled ? [{ name: "node-exporter", cpu: nodeExporter.cpu, memory: nodeExporter.memory }] : [];
        // The access Job runs with TLS (users and ACLs), the lag exporter when it runs.
        const floating = [...(kafka.tls ? [{ name: "the kafka-access Job", ...ACCESS_RESOURCES }] : []),
            ...(lagExporterRuns(kafkaExporterRaw, kafka) ? [{ name: "kafka-exporter", cpu: kafkaExporterRaw.cpu, memory: kafkaExporterRaw.memory }] : [])];
        const capacity = capacityProblems(cluster, statefulWorkloads({ zookeeper, kafka }), daemons, floating);
        // Only KRaft brokers and finalised controllers do without ZooKeeper (kafka.metadata, metadata.ts).
        if (!zookeeper.enabled && kafka.metadata !== "kraft") {
            problems.push(`${keyName("zookeeper.enabled")} must be true while kafka.metadata is ${kafka.metadata}: the brokers${kafka.metadata === "migration" ? " and the controllers" : ""} ` +
                "keep their metadata in ZooKeeper until the migration is finalised (kafka.metadata kraft), got false");
        }
        problems.push(...capacity.problems);
        warnings.push(...capacity.warnings);
    }
    if (monitoring && zookeeper && kafka && (zookeeper.metrics || kafka.metrics) && monitoring.alerts) {
        if (gke && monitoring.notificationChannels.length === 0) {
            // A production stack's alerts must reach someone.
            if (isProductionStack(stack)) {
                problems.push(`${keyName("monitoring.notificationChannels")} must name at least one notification channel in the production stack ${JSON.stringify(stack)} (its alerts must reach someone; or set ${keyName("monitoring.alerts")} false), got []`);
            } else {
                warnings.push(`${keyName("monitoring.notificationChannels")} is empty: the alert policies are created but notify nobody (they still open incidents in Cloud Monitoring)`);
            }
        }
        if (gke && monitoring.runbookUrl === undefined) {
            warnings.push(`${keyName("monitoring.runbookUrl")} is not set: the alerts name docs/runbook.md by its path, which a notification cannot open`);
        }
        if (!gke && !monitoring.prometheusOperator) {
            warnings.push(`no alert rules are created: in existing mode they are a PrometheusRule, which needs ${keyName("monitoring.prometheusOperator")} true`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const scrape: Scrape = { scraper: gke ? { kind: "managed" } : { kind: "prometheus", namespace: monitoring!.prometheusNamespace, operator: monitoring!.prometheusOperator, labels: monitoring!.prometheusOperatorLabels },
        interval: monitoring!.scrapeInterval };
    const placement = gke
        ? { zoneSpread: "DoNotSchedule" as const, zoneMetadataServer: GKE_METADATA_SERVER, metadataEgress: kafka?.rack === "zone" ? GKE_METADATA_EGRESS : [] }
        : { zoneSpread: "ScheduleAnyway" as const, metadataEgress: [] };
    const lagRuns = lagExporterRuns(kafkaExporterRaw!, kafka!);
    // Every image a pod of this program runs (the access Job runs the brokers'): what a managed
    // Binary Authorization policy allows.
    const images = [...(zookeeper!.enabled ? [zookeeper!.image] : []), kafka!.image, ...(nodeExporter!.enabled ? [nodeExporter!.image] : []), ...(lagRuns ? [kafkaExporterRaw!.image] : [])];
    return {
        namespace: top!.namespace, clusterDomain: top!.clusterDomain, zookeeper: zookeeper!, kafka: kafka!, nodeExporter: nodeExporter!,
        network: network!, monitoring: monitoring!, scrape, placement, warnings,
        cluster: cluster!.mode === "gke" ? { ...cluster!, gke: { ...cluster!.gke, images } } : cluster!,
        kafkaExporter: { ...kafkaExporterRaw!, runs: lagRuns },
    };
}

/** The lag exporter runs with TLS and metrics, when an ACL names a consumer group to watch. */
function lagExporterRuns(exporter: { enabled: boolean }, kafka: { tls: boolean; metrics: boolean; acls: Parameters<typeof declaredGroups>[0] }): boolean {
    return exporter.enabled && kafka.tls && kafka.metrics && declaredGroups(kafka.acls).length > 0;
}

/** A stack named as production by the usual conventions: prod, production, prd, alone or as a part (eu-prod, prod-2). */
export function isProductionStack(stack: string): boolean {
    return /(^|[-_.])(prod|production|prd)([-_.]|\d|$)/i.test(stack);
}

function resolveCluster(c: v.InferOutput<typeof clusterSchema>, gcp: GcpRaw, stack: string): ClusterTarget {
    const problems: string[] = [];
    if (c.mode === "existing") {
        const k = c.kubeconfig;
        // A value shaped like a path must name a file; anything else is kubeconfig content.
        if (k !== undefined && /^(~|\.{0,2}\/)/.test(k) && !fs.existsSync(k.replace(/^~(?=\/)/, os.homedir()))) {
            problems.push(`${keyName("cluster.kubeconfig")} must be an existing kubeconfig file or kubeconfig content, got ${JSON.stringify(k)} (no such file)`);
        }
        if (problems.length > 0) throw new ConfigError(problems);
        return { mode: "existing", nodeCount: c.nodeCount, regional: false, existing: { kubeconfig: k, context: c.context } };
    }
    const need = (key: keyof GcpRaw, why: string): string | undefined => {
        const value = gcp[key];
        const r = v.safeParse(gcpSchema[key], value);
        if (r.success) return r.output;
        problems.push(value === undefined
            ? `gcp:${key} must be set ${why} (pulumi config set gcp:${key} <value>), got nothing`
            : `gcp:${key} ${r.issues[0].message}, got ${JSON.stringify(value)}`);
        return undefined;
    };
    const project = need("project", "when cluster.mode is gke");
    const location = c.regional
        ? need("region", "when cluster.regional is true")
        : need("zone", "when cluster.mode is gke and cluster.regional is false");
    if (c.regional && location && c.zones?.some((z) => !z.startsWith(`${location}-`))) {
        problems.push(`${keyName("cluster.zones")} must all be zones of gcp:region (${location}), got ${JSON.stringify(c.zones)}`);
    }
    // GKE takes a Secrets key and a boot disk key only from the cluster's own region.
    for (const key of ["secretsKmsKey", "bootDiskKmsKey"] as const) {
        const region = location && regionOf(location);
        const given = c[key];
        if (region && given !== undefined && !given.includes(`/locations/${region}/`)) {
            problems.push(`${keyName(`cluster.${key}`)} must be a key in the cluster's region (projects/<project>/locations/${region}/keyRings/…), got ${given}`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const nodeCount = c.nodeCount ?? v.parse(gkeFields.nodeCount, undefined);
    // The config knobs that are not the cluster's own: mode, regional (that is `location`),
    // and the existing mode's kubeconfig and context (rejected above in gke mode).
    const { mode: _mode, regional, kubeconfig: _kubeconfig, context: _context, ...gke } = c;
    const name = c.name ?? `zk-kafka-${stack}`.toLowerCase().replace(/[^-a-z0-9]/g, "-").slice(0, 24).replace(/-+$/, "");
    return {
        mode: "gke", nodeCount, regional, zones: c.zones, machineType: c.machineType,
        gke: { ...gke, name, nodeCount, project: project!, location: location!,
            controlPlaneEndpoint: c.controlPlaneEndpoint ?? v.parse(gkeFields.controlPlaneEndpoint, undefined) },
    };
}
