import { strict as assert } from "assert";
import { AlertRule, alertRules, freshSeconds, prometheusRule, runbookLink } from "../../../components/monitoring/spec";
import { CertificateWatch, certificateRules } from "../../../components/monitoring";
import { DEV_MONITORING } from "../../../tools/dashboard-picture";
import { promtoolPath, samples, testRules } from "../../harness/promtool";

/**
 * The alerts as Prometheus's own rule engine evaluates them (promtool test rules, built by
 * npm run e2e:build -- promtool), over the rule file the PrometheusRule path renders from the
 * same definitions as the Cloud Monitoring policies. The input series model Managed Prometheus:
 * a scrape that stops leaves no staleness marker, so its last sample stays for the lookback.
 */
const STEP = 30;          // the dev stack's scrape and evaluation interval, in seconds
const STEPS = 60;         // thirty minutes
const settings = DEV_MONITORING;
const at = (seconds: number) => `${Math.floor(seconds / 60)}m${seconds % 60}s`;
const minutes = (m: number) => m * 60;

let passed = 0;
// Once both suites of this file have run: how many rule tests promtool passed.
after(() => {
    if (passed > 0) console.log(`      promtool: ${passed} rule tests passed`);
});

/** What a cluster does, step by step: which pods answer, which broker controls, which server leads. */
interface Timeline {
    kafkaUp?: (pod: number, step: number) => boolean;
    /** The brokers that report being the controller. */
    controllers?: (step: number) => number[];
    zkUp?: (pod: number, step: number) => boolean;
    leader?: (step: number) => number | undefined;
}

function series(t: Timeline): Array<{ series: string; values: string }> {
    const kafkaUp = t.kafkaUp ?? (() => true);
    const zkUp = t.zkUp ?? (() => true);
    const controllers = t.controllers ?? (() => [0]);
    const leader = t.leader ?? (() => 0);
    const of = (name: string, pod: string) => `${name}{namespace="${settings.namespace}",pod="${pod}"}`;
    const out: Array<{ series: string; values: string }> = [];
    for (let i = 0; i < 3; i++) {
        const up = (step: number) => kafkaUp(i, step);
        out.push({ series: of("up", `kafka-${i}`), values: samples(STEPS, (s) => (up(s) ? 1 : undefined)) });
        out.push({ series: of("kafka_controller_kafkacontroller_activecontrollercount", `kafka-${i}`), values: samples(STEPS, (s) => (up(s) ? Number(controllers(s).includes(i)) : undefined)) });
        for (const healthy of ["kafka_controller_kafkacontroller_offlinepartitionscount", "kafka_server_replicamanager_underminisrpartitioncount", "kafka_server_replicamanager_underreplicatedpartitions"]) {
            out.push({ series: of(healthy, `kafka-${i}`), values: samples(STEPS, (s) => (up(s) ? 0 : undefined)) });
        }
        out.push({ series: of("up", `zk-${i}`), values: samples(STEPS, (s) => (zkUp(i, s) ? 1 : undefined)) });
        out.push({ series: of("leader_uptime", `zk-${i}`), values: samples(STEPS, (s) => (zkUp(i, s) && leader(s) === i ? s * STEP * 1000 : undefined)) });
    }
    return out;
}

const RULES = alertRules(settings);
const rule = (name: string): AlertRule => {
    const r = RULES.find((x) => x.name === name);
    if (!r) throw new Error(`no alert ${name}`);
    return r;
};
const firing = (name: string, labels: Record<string, string> = {}) => ({
    exp_labels: { severity: rule(name).severity, ...labels },
    exp_annotations: { summary: rule(name).summary, runbook_url: runbookLink(settings, name) },
});
/** Which alerts fire at a moment: the named ones as given, every other one not at all. */
const only = (seconds: number, fire: Record<string, unknown[]> = {}) =>
    RULES.map((r) => ({ eval_time: at(seconds), alertname: r.name, exp_alerts: fire[r.name] ?? [] }));

function expectRules(timeline: Timeline, checks: unknown[], extra: AlertRule[] = []): void {
    const groups = prometheusRule(settings, { name: "zk-kafka-alerts" }, extra).spec.groups as unknown[];
    const r = testRules(groups, [{ interval: `${STEP}s`, input_series: series(timeline), alert_rule_test: checks }], settings.evaluationInterval);
    assert.equal(r.status, 0, r.output);
    passed += checks.length;
}

describe("the alerts, evaluated by promtool over series that stop as on Managed Prometheus", function () {
    before(function () {
        if (promtoolPath()) return;
        if (process.env.CI) throw new Error("promtool is not built: .ci/run builds it (npm run e2e:build) before npm test");
        console.log("      promtool not built: the alert rules are not evaluated here (npm run e2e:build -- promtool, about 3 minutes once)");
        this.skip();
    });

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
    before(function () {
        if (promtoolPath()) return;
        if (process.env.CI) throw new Error("promtool is not built: .ci/run builds it (npm run e2e:build) before npm test");
        this.skip();
    });

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
        passed += checks.length;
    });

    it("a wrong expectation fails, and nothing fires without the brokers' metrics", () => {
        const wrong = run(brokersUp, [on(200, "KafkaCertificateRenewalOverdue", [cert("KafkaCertificateRenewalOverdue", "kafka-pki-kafka-0", "warning")])]);
        assert.notEqual(wrong.status, 0, wrong.output);
        assert.match(wrong.output, /KafkaCertificateRenewalOverdue/);
        const silent = run(`up{namespace="other",pod="kafka-N"}`, [on(468, "KafkaCertificateExpiring", [])]);
        assert.equal(silent.status, 0, silent.output);
        passed += 1;
    });
});
