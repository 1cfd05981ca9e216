import { strict as assert } from "assert";
import { alertRules, prometheusRule, runbookLink } from "../../../components/monitoring/spec";
import { testRules, samples } from "../../harness/promtool";
import { freshSeconds } from "../../../components/monitoring/promql";
import { STEP, STEPS, at, counted, minutes, needPromtool, settings } from "../../harness/alert-timeline";

/**
 * The KRaft controllers' alerts (kafka.metadata migration, kraft) as promtool evaluates them, over
 * the controllers' series as Managed Prometheus keeps them (a stopped scrape leaves its last
 * sample for the freshness window): voters down, the quorum lost, and a migration that stays
 * short of its phase's ZkMigrationState.
 */
describe("the KRaft controllers' alerts, evaluated by promtool", function () {
    before(needPromtool);
    const quorum = (phase: "migration" | "kraft") => ({ ...settings, kafka: { ...settings.kafka, controllers: { replicas: 3, phase } } });
    const ALERTS = ["KafkaControllerDown", "KafkaControllerQuorumLost", "KafkaMigrationStateUnexpected"];

    /** Each controller's up and ZkMigrationState at a step (undefined: no sample). */
    function check(phase: "migration" | "kraft", up: (pod: number, step: number) => boolean, state: (step: number) => number,
        expected: Array<[number, string[]]>): void {
        const s = quorum(phase);
        const rules = alertRules(s);
        const input = [0, 1, 2].flatMap((i) => {
            const labels = `namespace="${s.namespace}",pod="kafka-controller-${i}"`;
            return [{ series: `up{${labels}}`, values: samples(STEPS, (t) => (up(i, t) ? 1 : undefined)) },
                { series: `kafka_controller_kafkacontroller_zkmigrationstate{${labels}}`, values: samples(STEPS, (t) => (up(i, t) ? state(t) : undefined)) }];
        });
        const tests = expected.flatMap(([seconds, firing]) => ALERTS.map((name) => ({
            eval_time: at(seconds), alertname: name,
            exp_alerts: firing.includes(name) ? [{ exp_labels: { severity: rules.find((r) => r.name === name)!.severity },
                exp_annotations: { summary: rules.find((r) => r.name === name)!.summary, runbook_url: runbookLink(s, name) } }] : [],
        })));
        const r = testRules(prometheusRule(s, { name: "zk-kafka-alerts" }).spec.groups as unknown[], [{ interval: `${STEP}s`, input_series: input, alert_rule_test: tests }], s.evaluationInterval);
        assert.equal(r.status, 0, r.output);
        counted.passed += tests.length;
    }

    it("a healthy quorum in dual write fires nothing; one voter down warns, two page", () => {
        check("migration", () => true, () => 1, [[minutes(10), []], [minutes(35), []]]);
        // A stopped voter's last sample (at 4.5 min) counts for the freshness window, then the alert's `for`.
        const last = minutes(5) - STEP;
        const fresh = freshSeconds(settings);
        const one = (pod: number, t: number) => pod !== 2 || t * STEP <= last;
        check("migration", one, () => 1, [[last + fresh + minutes(2) - STEP, []], [last + fresh + minutes(2), ["KafkaControllerDown"]]]);
        const two = (pod: number, t: number) => pod === 0 || t * STEP <= last;
        check("migration", two, () => 1, [[last + fresh + minutes(1) - STEP, []], [last + fresh + minutes(2), ["KafkaControllerDown", "KafkaControllerQuorumLost"]]]);
    });

    it("a migration that stays short of its phase's state for half an hour warns: dual write (1) in migration, finalised (3) in kraft", () => {
        // Pre-migration (2) until the brokers roll at 5 minutes: no alert, as a phase's `up` takes minutes.
        check("migration", () => true, (t) => (t * STEP < minutes(5) ? 2 : 1), [[minutes(20), []]]);
        check("migration", () => true, () => 2, [[minutes(29), []], [minutes(31), ["KafkaMigrationStateUnexpected"]]]);
        check("kraft", () => true, () => 1, [[minutes(31), ["KafkaMigrationStateUnexpected"]]]);
        check("kraft", () => true, () => 3, [[minutes(31), []]]);
    });

    it("are there only while a quorum runs", () => {
        assert.deepEqual(alertRules(settings).filter((r) => ALERTS.includes(r.name)), []);
        assert.deepEqual(alertRules(quorum("kraft")).filter((r) => ALERTS.includes(r.name)).map((r) => r.name), ALERTS);
    });
});
