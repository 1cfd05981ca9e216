import { strict as assert } from "assert";
import { AlertRule, alertRules, prometheusRule, runbookLink } from "../../components/monitoring";
import { DEV_MONITORING } from "../../tools/dashboard-picture";
import { promtoolPath, samples, testRules } from "./promtool";

/**
 * A cluster's metrics as Managed Prometheus holds them, step by step, for promtool: series that
 * stop leave no staleness marker. Every series of a healthy cluster is there, so that "nothing
 * fires" means something; a test changes what it is about.
 */
export const STEP = 30;          // the dev stack's scrape and evaluation interval, in seconds
export const STEPS = 80;         // forty minutes
export const settings = DEV_MONITORING;
export const at = (seconds: number) => `${Math.floor(seconds / 60)}m${seconds % 60}s`;
export const minutes = (m: number) => m * 60;

/** Rule tests promtool passed in this process (a spec prints the count once). */
export const counted = { passed: 0 };

/** What a cluster does, step by step: which pods answer, which broker controls, which server leads; any series changed. */
export interface Timeline {
    kafkaUp?: (pod: number, step: number) => boolean;
    /** The brokers that report being the controller. */
    controllers?: (step: number) => number[];
    zkUp?: (pod: number, step: number) => boolean;
    leader?: (step: number) => number | undefined;
    /** Whether the lag exporter's pod answers its scrape. */
    exporterUp?: (step: number) => boolean;
    /** The lag exporter's pod at a step (a new name when its Deployment replaces it). @default EXPORTER_POD */
    exporterPod?: (step: number) => string;
    /** A metric's value for a pod at a step, instead of a healthy one (undefined: no sample). */
    change?: Record<string, (pod: string, step: number) => number | undefined>;
}

/** Per metric: its extra labels and a healthy value at a step, for a pod of `zk` or `kafka`. */
const HEALTHY: Array<[string, Record<string, string>, Array<"zk" | "kafka">, (step: number) => number]> = [
    ["kafka_controller_kafkacontroller_offlinepartitionscount", {}, ["kafka"], () => 0],
    ["kafka_server_replicamanager_underminisrpartitioncount", {}, ["kafka"], () => 0],
    ["kafka_server_replicamanager_underreplicatedpartitions", {}, ["kafka"], () => 0],
    ["kafka_controller_controllerstats_uncleanleaderelections_total", {}, ["kafka"], () => 0],
    ["kafka_log_logmanager_offlinelogdirectorycount", {}, ["kafka"], () => 0],
    ["kafka_server_replicamanager_isrshrinks_total", {}, ["kafka"], () => 3],
    ["kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent", {}, ["kafka"], () => 0.9],
    ["kafka_network_socketserver_networkprocessoravgidlepercent", {}, ["kafka"], () => 0.9],
    ["jvm_memory_bytes_used", { area: "heap" }, ["zk", "kafka"], () => 300e6],
    ["jvm_memory_bytes_max", { area: "heap" }, ["zk", "kafka"], () => 1e9],
    ["jvm_gc_collection_seconds_sum", { gc: "G1 Young Generation" }, ["zk", "kafka"], (s) => 0.3 * s],
    ["process_open_fds", {}, ["zk", "kafka"], () => 300],
    ["process_max_fds", {}, ["zk", "kafka"], () => 1048576],
    ["avg_latency", {}, ["zk"], () => 1],
    ["fsynctime_sum", {}, ["zk"], (s) => 5 * s],
    ["fsynctime_count", {}, ["zk"], (s) => s],
];

/** The lag exporter's pod, as a Deployment names it, and the group and topic it reports (the dev stack's demo- prefix). */
export const EXPORTER_POD = "kafka-exporter-5d8c7b9f4-x7k2p";
export const LAG_LABELS = { consumergroup: "demo-app", topic: "demo.orders" };

/** A consumer that keeps up: a few hundred messages behind, committing 2,000 more every scrape. */
const HEALTHY_LAG: Array<[string, (step: number) => number]> = [
    ["kafka_consumergroup_lag_sum", (s) => 200 + (s % 3) * 100],
    ["kafka_consumergroup_current_offset_sum", (s) => 2000 * s],
];

export function series(t: Timeline): Array<{ series: string; values: string }> {
    const kafkaUp = t.kafkaUp ?? (() => true);
    const zkUp = t.zkUp ?? (() => true);
    const controllers = t.controllers ?? (() => [0]);
    const leader = t.leader ?? (() => 0);
    const labelled = (name: string, labels: Record<string, string>) =>
        `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
    const of = (name: string, pod: string, extra: Record<string, string> = {}) => labelled(name, { namespace: settings.namespace, pod, ...extra });
    const value = (name: string, pod: string, step: number, healthy: number | undefined) =>
        (t.change?.[name] ? t.change[name](pod, step) : healthy);
    const out: Array<{ series: string; values: string }> = [];
    for (let i = 0; i < 3; i++) {
        const pods = { kafka: `kafka-${i}`, zk: `zk-${i}` };
        const up = { kafka: (s: number) => kafkaUp(i, s), zk: (s: number) => zkUp(i, s) };
        for (const w of ["kafka", "zk"] as const) out.push({ series: of("up", pods[w]), values: samples(STEPS, (s) => (up[w](s) ? 1 : undefined)) });
        out.push({ series: of("kafka_controller_kafkacontroller_activecontrollercount", pods.kafka), values: samples(STEPS, (s) => (up.kafka(s) ? Number(controllers(s).includes(i)) : undefined)) });
        out.push({ series: of("leader_uptime", pods.zk), values: samples(STEPS, (s) => (up.zk(s) && leader(s) === i ? s * STEP * 1000 : undefined)) });
        for (const [name, extra, workloads, healthy] of HEALTHY) {
            for (const w of workloads) {
                out.push({ series: of(name, pods[w], extra), values: samples(STEPS, (s) => (up[w](s) ? value(name, pods[w], s, healthy(s)) : undefined)) });
            }
        }
        // The data volumes, as GKE's system metric names them.
        for (const pod of [pods.kafka, pods.zk]) {
            const name = "kubernetes_io:pod_volume_utilization";
            out.push({ series: labelled(name, { namespace_name: settings.namespace, volume_name: "datadir", pod_name: pod }), values: samples(STEPS, (s) => value(name, pod, s, 0.3)) });
        }
    }
    const exporterUp = t.exporterUp ?? (() => true);
    const exporterPod = t.exporterPod ?? (() => EXPORTER_POD);
    for (const pod of new Set(Array.from({ length: STEPS + 1 }, (_, s) => exporterPod(s)))) {
        const scraped = (s: number) => exporterUp(s) && exporterPod(s) === pod;
        out.push({ series: of("up", pod), values: samples(STEPS, (s) => (scraped(s) ? 1 : undefined)) });
        for (const [name, healthy] of HEALTHY_LAG) {
            out.push({ series: of(name, pod, LAG_LABELS), values: samples(STEPS, (s) => (scraped(s) ? value(name, pod, s, healthy(s)) : undefined)) });
        }
    }
    return out;
}

export const RULES = alertRules(settings);
export const rule = (name: string): AlertRule => {
    const r = RULES.find((x) => x.name === name);
    if (!r) throw new Error(`no alert ${name}`);
    return r;
};
export const firing = (name: string, labels: Record<string, string> = {}) => ({
    exp_labels: { severity: rule(name).severity, ...labels },
    exp_annotations: { summary: rule(name).summary, runbook_url: runbookLink(settings, name) },
});
/** Which alerts fire at a moment: the named ones as given, every other one not at all. */
export const only = (seconds: number, fire: Record<string, unknown[]> = {}) =>
    RULES.map((r) => ({ eval_time: at(seconds), alertname: r.name, exp_alerts: fire[r.name] ?? [] }));

/** promtool over the timeline: every check must hold. */
export function expectRules(timeline: Timeline, checks: unknown[], extra: AlertRule[] = []): void {
    const groups = prometheusRule(settings, { name: "zk-kafka-alerts" }, extra).spec.groups as unknown[];
    const r = testRules(groups, [{ interval: `${STEP}s`, input_series: series(timeline), alert_rule_test: checks }], settings.evaluationInterval);
    assert.equal(r.status, 0, r.output);
    counted.passed += checks.length;
}

/** A suite's before hook: promtool must be built in CI; elsewhere its absence is said and the suite skipped. */
export function needPromtool(this: Mocha.Context): void {
    if (promtoolPath()) return;
    if (process.env.CI) throw new Error("promtool is not built: .ci/run builds it (npm run e2e:build) before npm test");
    console.log("      promtool not built: the alert rules are not evaluated here (npm run e2e:build -- promtool, about 3 minutes once)");
    this.skip();
}
