import { strict as assert } from "assert";
import { prometheusRule, runbookLink } from "../../../components/monitoring/spec";
import { CertificateWatch, certificateRules } from "../../../components/monitoring";
import { freshSeconds } from "../../../components/monitoring/promql";
import { testRules } from "../../harness/promtool";
import { STEP, at, counted, expectRules, firing, minutes, needPromtool, only, rule, series, settings } from "../../harness/alert-timeline";

/**
 * The availability alerts as Prometheus's own rule engine evaluates them (promtool test rules,
 * built by npm run e2e:build -- promtool), over the rule file the PrometheusRule path renders from
 * the same definitions as the Cloud Monitoring policies. The input series model Managed
 * Prometheus: a scrape that stops leaves no staleness marker, so its last sample stays for the
 * lookback (tests/harness/alert-timeline.ts).
 */
// Once every suite of this file has run: how many rule tests promtool passed in this worker.
after(() => {
    if (counted.passed > 0) console.log(`      promtool: ${counted.passed} rule tests passed`);
});

describe("the alerts, evaluated by promtool over series that stop as on Managed Prometheus", function () {
    before(needPromtool);

    const fresh = freshSeconds(settings);

    it("a healthy cluster fires nothing, for half an hour", () => {
        expectRules({}, [5, 10, 20, 29].flatMap((m) => only(minutes(m))));
    });

    it("a ZooKeeper leader change fires nothing (the old leader's last sample stays visible)", () => {
        // zk-0 leads until 10 min, zk-1 from the next scrape on.
        const leader = (s: number) => (s * STEP < minutes(10) ? 0 : 1);
        expectRules({ leader }, [10.5, 11, 12, 13, 15, 20].flatMap((m) => only(minutes(m))));
    });

    it("a controller move with its broker restarted fires nothing", () => {
        // kafka-0 controls until its pod is deleted at 10 min; kafka-1 takes over; kafka-0 is back 90 s later.
        const kafkaUp = (pod: number, s: number) => pod !== 0 || s * STEP < minutes(10) || s * STEP >= minutes(11.5);
        const controllers = (s: number) => [s * STEP < minutes(10) ? 0 : 1];
        expectRules({ kafkaUp, controllers }, [10.5, 11, 11.5, 12, 13, 14, 16].flatMap((m) => only(minutes(m))));
    });

    it("one broker down warns; two page (more than replication factor minus min ISR)", () => {
        const last = minutes(5);
        const one = (pod: number, s: number) => pod !== 2 || s * STEP <= last;
        const pending = last + fresh + minutes(2) - STEP;
        expectRules({ kafkaUp: one }, [
            ...only(pending),
            ...only(pending + STEP, { KafkaBrokerDown: [firing("KafkaBrokerDown")] }),
        ]);
        const two = (pod: number, s: number) => pod === 0 || s * STEP <= last;
        expectRules({ kafkaUp: two }, [
            { eval_time: at(pending + STEP), alertname: "KafkaBrokerDown", exp_alerts: [firing("KafkaBrokerDown")] },
            { eval_time: at(pending + STEP), alertname: "KafkaBrokersDownBelowMinIsr", exp_alerts: [firing("KafkaBrokersDownBelowMinIsr")] },
        ]);
    });

    it("one ZooKeeper server down warns; a lost majority pages", () => {
        const last = minutes(5);
        const one = (pod: number, s: number) => pod !== 2 || s * STEP <= last;
        expectRules({ zkUp: one }, [
            ...only(last + fresh + minutes(2) - STEP),
            ...only(last + fresh + minutes(2), { ZooKeeperServerDown: [firing("ZooKeeperServerDown")] }),
        ]);
        const two = (pod: number, s: number) => pod === 0 || s * STEP <= last;
        expectRules({ zkUp: two }, [
            { eval_time: at(last + fresh + minutes(1)), alertname: "ZooKeeperQuorumLost", exp_alerts: [firing("ZooKeeperQuorumLost")] },
        ]);
    });

    it("a lost leader pages once its last sample is older than the freshness window plus the alert's for", () => {
        const last = minutes(5);
        // The leader's series ends at 5 min and no other server leads.
        const leader = (s: number) => (s * STEP <= last ? 0 : undefined);
        expectRules({ leader }, [
            ...only(last + fresh + minutes(1) - STEP),
            ...only(last + fresh + minutes(1), { ZooKeeperNoLeader: [firing("ZooKeeperNoLeader")] }),
        ]);
    });

    it("two controllers for longer than a move can show page", () => {
        const controllers = (s: number) => (s * STEP < minutes(5) ? [0] : [0, 1]);
        const fires = minutes(5) + fresh + 60;
        expectRules({ controllers }, [
            ...only(fires - STEP),
            ...only(fires, { KafkaMultipleActiveControllers: [firing("KafkaMultipleActiveControllers")] }),
        ]);
    });

    it("a wrong expectation fails (the check can fail)", () => {
        const groups = prometheusRule(settings, { name: "zk-kafka-alerts" }).spec.groups as unknown[];
        const r = testRules(groups, [{ interval: `${STEP}s`, input_series: series({}), alert_rule_test: [
            { eval_time: "10m", alertname: "KafkaBrokerDown", exp_alerts: [firing("KafkaBrokerDown")] }] }], settings.evaluationInterval);
        assert.notEqual(r.status, 0, r.output);
        assert.match(r.output, /KafkaBrokerDown/);
    });
});

const HOUR = 3600 * 1000;
/** A moment `hours` after the Unix epoch: promtool evaluates its tests from time 0. */
const hour = (hours: number) => new Date(hours * HOUR).toISOString();

describe("the certificate alerts, evaluated by promtool", function () {
    before(needPromtool);

    // Short lifetimes, so that promtool's run (which steps through every moment up to the last
    // check) stays short: certificates of 240 hours renewed 48 hours ahead; a leaf ending at
    // 240 h, a CA at 480 h.
    const watch: CertificateWatch = {
        renewHours: 48, certificateHours: 240,
        expiries: [{ certificate: "kafka-pki-kafka-0", kind: "leaf", notAfter: hour(240) }, { certificate: "kafka-pki-ca", kind: "ca", notAfter: hour(480) }],
    };
    const rules = certificateRules(settings.namespace, watch);
    const summary = (alert: string) => rules.find((r) => r.name === alert)!.summary;
    const cert = (alert: string, certificate: string, severity: string) => ({
        exp_labels: { severity, certificate },
        exp_annotations: { summary: summary(alert), runbook_url: runbookLink(settings, alert) },
    });
    const run = (upSeries: string, checks: unknown[]) => {
        // Evaluated every 4 hours: the certificate alerts have no `for`, and each evaluation costs
        // promtool milliseconds for every rule of the group.
        const groups = prometheusRule({ ...settings, evaluationInterval: "4h" }, { name: "zk-kafka-alerts" }, rules).spec.groups as unknown[];
        const values = Array.from({ length: 126 }, () => 1).join(" ");
        return testRules(groups, [{ interval: "4h", input_series: [0, 1, 2].map((i) => ({ series: upSeries.replace("N", String(i)), values })), alert_rule_test: checks }], "4h");
    };
    const brokersUp = `up{namespace="${settings.namespace}",pod="kafka-N"}`;
    const on = (hours: number, alert: string, expected: unknown[]) => ({ eval_time: `${hours}h`, alertname: alert, exp_alerts: expected });

    it("warns halfway through a certificate's renewal window, pages near its end; warns when the CA ends before a new certificate would", () => {
        const checks = [
            // Half of the 48-hour window: 24 hours before the leaf's end.
            on(212, "KafkaCertificateRenewalOverdue", []),
            on(220, "KafkaCertificateRenewalOverdue", [cert("KafkaCertificateRenewalOverdue", "kafka-pki-kafka-0", "warning")]),
            // A leaf pages at a quarter of its window (under a week): 12 hours before its end.
            on(224, "KafkaCertificateExpiring", []),
            on(232, "KafkaCertificateExpiring", [cert("KafkaCertificateExpiring", "kafka-pki-kafka-0", "critical")]),
            // The CA warns once a 240-hour certificate would outlive it.
            on(236, "KafkaCaRotationDue", []),
            on(244, "KafkaCaRotationDue", [cert("KafkaCaRotationDue", "kafka-pki-ca", "warning")]),
            // A CA pages a week before its end.
            on(308, "KafkaCertificateExpiring", [cert("KafkaCertificateExpiring", "kafka-pki-kafka-0", "critical")]),
            on(468, "KafkaCertificateExpiring", [cert("KafkaCertificateExpiring", "kafka-pki-kafka-0", "critical"), cert("KafkaCertificateExpiring", "kafka-pki-ca", "critical")]),
        ];
        const r = run(brokersUp, checks);
        assert.equal(r.status, 0, r.output);
        counted.passed += checks.length;
    });

    it("a wrong expectation fails, and nothing fires without the brokers' metrics", () => {
        const wrong = run(brokersUp, [on(200, "KafkaCertificateRenewalOverdue", [cert("KafkaCertificateRenewalOverdue", "kafka-pki-kafka-0", "warning")])]);
        assert.notEqual(wrong.status, 0, wrong.output);
        assert.match(wrong.output, /KafkaCertificateRenewalOverdue/);
        const silent = run(`up{namespace="other",pod="kafka-N"}`, [on(468, "KafkaCertificateExpiring", [])]);
        assert.equal(silent.status, 0, silent.output);
        counted.passed += 1;
    });
});

describe("the health and volume alerts, evaluated by promtool", function () {
    before(needPromtool);

    /** A changed metric: `value` for one pod from `from` seconds on, the healthy value before. */
    const from = (pod: string, fromSeconds: number, value: (step: number) => number, before: (step: number) => number) =>
        (p: string, step: number) => (p === pod && step * STEP >= fromSeconds ? value(step) : before(step));

    const cases: Array<{ alert: string; change: Record<string, (pod: string, step: number) => number | undefined>; quiet: number; fires: number; labels?: Record<string, string>; also?: string[] }> = [
        { alert: "JvmHeapNearlyFull", change: { jvm_memory_bytes_used: from("kafka-1", 0, () => 950e6, () => 300e6) }, quiet: minutes(9.5), fires: minutes(10.5), labels: { pod: "kafka-1" } },
        // A rate over 5 minutes reaches its full value only once 5 minutes of samples exist (from 0 here).
        { alert: "JvmGcTimeHigh", change: { jvm_gc_collection_seconds_sum: from("zk-2", 0, (s) => 6 * s, (s) => 0.3 * s) }, quiet: minutes(9.5), fires: minutes(14), labels: { pod: "zk-2" } },
        { alert: "OpenFileDescriptorsNearLimit", change: { process_open_fds: from("kafka-0", 0, () => 900000, () => 300) }, quiet: minutes(9.5), fires: minutes(10.5),
            labels: { namespace: settings.namespace, pod: "kafka-0" } },
        { alert: "KafkaUncleanLeaderElections", change: { kafka_controller_controllerstats_uncleanleaderelections_total: from("kafka-0", minutes(5), () => 1, () => 0) }, quiet: minutes(4), fires: minutes(6) },
        { alert: "KafkaOfflineLogDirectories", change: { kafka_log_logmanager_offlinelogdirectorycount: from("kafka-2", minutes(5), () => 1, () => 0) }, quiet: minutes(5.5), fires: minutes(6.5) },
        { alert: "KafkaIsrShrinking", change: { kafka_server_replicamanager_isrshrinks_total: from("kafka-1", minutes(2), (s) => s, () => 3) }, quiet: minutes(16), fires: minutes(18) },
        { alert: "KafkaRequestHandlersBusy", change: { kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent: from("kafka-1", 0, () => 0.1, () => 0.9) }, quiet: minutes(9.5), fires: minutes(10.5) },
        { alert: "KafkaNetworkProcessorsBusy", change: { kafka_network_socketserver_networkprocessoravgidlepercent: from("kafka-2", 0, () => 0.1, () => 0.9) }, quiet: minutes(9.5), fires: minutes(10.5) },
        { alert: "ZooKeeperHighLatency", change: { avg_latency: from("zk-0", 0, () => 80, () => 1) }, quiet: minutes(9.5), fires: minutes(10.5) },
        { alert: "ZooKeeperSlowFsync", change: { fsynctime_sum: from("zk-1", 0, (s) => 200 * s, (s) => 5 * s) }, quiet: minutes(10), fires: minutes(11), labels: { pod: "zk-1" } },
        { alert: "DataVolumeAlmostFull", change: { "kubernetes_io:pod_volume_utilization": from("kafka-0", 0, () => 0.95, () => 0.3) }, quiet: minutes(4.5), fires: minutes(5.5),
            labels: { pod_name: "kafka-0" }, also: ["DataVolumeFilling"] },
        // Growing 6% an hour from 30%: full within the day, yet far from 80% during the test.
        { alert: "DataVolumeFillingUp", change: { "kubernetes_io:pod_volume_utilization": from("zk-0", 0, (s) => 0.3 + 0.0005 * s, () => 0.3) }, quiet: minutes(29), fires: minutes(32),
            labels: { pod_name: "zk-0" } },
    ];

    for (const c of cases) {
        it(`${c.alert}: ${rule(c.alert).severity}, when its case holds for its time; nothing else fires`, () => {
            const fire = Object.fromEntries([c.alert, ...(c.also ?? [])].map((a) => [a, [firing(a, c.labels)]]));
            expectRules({ change: c.change }, [...only(c.quiet), ...only(c.fires, fire)]);
        });
    }
});
