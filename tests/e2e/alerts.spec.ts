import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { BINARIES, binaryDir, isBuilt } from "../../tools/e2e/build";
import { DEV_MONITORING } from "../../tools/dashboard-picture";
import { CertificateWatch, certificateRules, prometheusRule, runbookLink } from "../../components/monitoring";

const DAY = 24 * 3600 * 1000;
/** A moment `days` after the Unix epoch: promtool evaluates its tests from time 0. */
const day = (days: number) => new Date(days * DAY).toISOString();

/**
 * The certificate alerts as Prometheus's own rule engine evaluates them (promtool test rules,
 * built by npm run e2e:build), over the rule file the PrometheusRule path renders: which alert
 * fires for which certificate, at which moment, with which severity and annotations.
 */
describe("the certificate alerts, evaluated by promtool", function () {
    const promtool = BINARIES.find((b) => b.name === "promtool")!;
    const settings = { ...DEV_MONITORING, mode: "existing" as const, prometheusOperator: true };
    // A one-year certificate renewed 30 days ahead, a CA with 500 days left at time 0.
    const watch: CertificateWatch = {
        renewHours: 720, certificateHours: 8760,
        expiries: [{ certificate: "kafka-pki-kafka-0", kind: "leaf", notAfter: day(100) }, { certificate: "kafka-pki-ca", kind: "ca", notAfter: day(500) }],
    };
    const rules = certificateRules(settings.namespace, watch);
    const summary = (alert: string) => rules.find((r) => r.name === alert)!.summary;
    const firing = (alert: string, certificate: string, severity: string) => ({
        exp_labels: { severity, certificate },
        exp_annotations: { summary: summary(alert), runbook_url: runbookLink(settings, alert) },
    });

    function runPromtool(tests: unknown[]): { status: number | null; output: string } {
        if (!isBuilt(promtool)) throw new Error("promtool is not built at the pinned version: run npm run e2e:build");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-kafka-alerts-"));
        const rule = prometheusRule(settings, { name: "zk-kafka-alerts", namespace: settings.namespace }, rules);
        fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify(rule.spec));
        fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify({ rule_files: ["rules.yaml"], evaluation_interval: "1d", tests }));
        const r = spawnSync(path.join(binaryDir(promtool), "promtool"), ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }

    const brokersUp = ["kafka-0", "kafka-1", "kafka-2"].map((pod) => ({ series: `up{namespace="zk-kafka",pod="${pod}"}`, values: "1x600" }));
    const at = (days: number, alert: string, expected: unknown[]) => ({ eval_time: `${days}d`, alertname: alert, exp_alerts: expected });

    it("warns halfway through a certificate's renewal window, pages a week before its end; warns when the CA ends before a new certificate would", () => {
        const result = runPromtool([{
            interval: "1d",
            input_series: brokersUp,
            alert_rule_test: [
                at(84, "KafkaCertificateRenewalOverdue", []),
                at(86, "KafkaCertificateRenewalOverdue", [firing("KafkaCertificateRenewalOverdue", "kafka-pki-kafka-0", "warning")]),
                at(92, "KafkaCertificateExpiring", []),
                at(94, "KafkaCertificateExpiring", [firing("KafkaCertificateExpiring", "kafka-pki-kafka-0", "critical")]),
                at(134, "KafkaCaRotationDue", []),
                at(136, "KafkaCaRotationDue", [firing("KafkaCaRotationDue", "kafka-pki-ca", "warning")]),
                at(494, "KafkaCertificateExpiring", [firing("KafkaCertificateExpiring", "kafka-pki-kafka-0", "critical"),
                    firing("KafkaCertificateExpiring", "kafka-pki-ca", "critical")]),
            ],
        }]);
        assert.equal(result.status, 0, result.output);
    });

    it("a wrong expectation fails (the check can fail), and nothing fires without the brokers' metrics", () => {
        const wrong = runPromtool([{ interval: "1d", input_series: brokersUp, alert_rule_test: [at(80, "KafkaCertificateRenewalOverdue", [firing("KafkaCertificateRenewalOverdue", "kafka-pki-kafka-0", "warning")])] }]);
        assert.notEqual(wrong.status, 0, wrong.output);
        assert.match(wrong.output, /KafkaCertificateRenewalOverdue/);
        const silent = runPromtool([{ interval: "1d", input_series: [{ series: "up{namespace=\"other\",pod=\"kafka-0\"}", values: "1x600" }],
            alert_rule_test: [at(494, "KafkaCertificateExpiring", [])] }]);
        assert.equal(silent.status, 0, silent.output);
    });
});
