import { STEP, LAG_LABELS, EXPORTER_POD, expectRules, firing, minutes, needPromtool, only } from "../../harness/alert-timeline";
import { freshSeconds } from "../../../components/monitoring/promql";
import { settings } from "../../harness/alert-timeline";

/**
 * The consumer-lag alerts (components/monitoring/lag.ts) as promtool evaluates them, over
 * kafka_exporter's series for the dev stack's declared group: a consumer that keeps up (the
 * timeline's healthy series) fires nothing; one that falls behind, one that stops, and an
 * exporter that goes away each fire their alert and nothing else.
 */
describe("the consumer-lag alerts, evaluated by promtool", function () {
    before(needPromtool);

    /** From `fromSeconds` on, `value` instead of the healthy series. */
    const after = (fromSeconds: number, value: (step: number) => number, before: (step: number) => number) =>
        (_pod: string, step: number) => (step * STEP >= fromSeconds ? value(step) : before(step));

    it("a consumer that falls 50,000 messages behind, still committing, warns after 15 minutes; not a stall", () => {
        const change = { kafka_consumergroup_lag_sum: after(minutes(5), () => 50000, () => 300) };
        expectRules({ change }, [...only(minutes(19.5)), ...only(minutes(20.5), { KafkaConsumerGroupLagging: [firing("KafkaConsumerGroupLagging", LAG_LABELS)] })]);
    });

    it("a group that stops committing with messages left warns 15 minutes after its last commit; a small lag is no lagging", () => {
        const offset = (s: number) => 2000 * s;
        const stop = minutes(5);
        const change = { kafka_consumergroup_current_offset_sum: after(stop, () => offset(stop / STEP), offset), kafka_consumergroup_lag_sum: after(0, () => 300, () => 300) };
        // The last change is the sample at 5 min; ten minutes without one, held five.
        expectRules({ change }, [...only(minutes(19)), ...only(minutes(20), { KafkaConsumerGroupStalled: [firing("KafkaConsumerGroupStalled", LAG_LABELS)] })]);
    });

    it("a stopped group with nothing left to read is idle, not stalled", () => {
        const change = { kafka_consumergroup_current_offset_sum: after(minutes(5), () => 20000, (s) => 2000 * s), kafka_consumergroup_lag_sum: after(minutes(5), () => 0, () => 300) };
        expectRules({ change }, [10, 20, 30].flatMap((m) => only(minutes(m))));
    });

    it("the exporter gone warns once its last sample is stale plus five minutes, and its stale lag fires nothing", () => {
        const last = minutes(5);
        const exporterUp = (s: number) => s * STEP <= last;
        const down = last + freshSeconds(settings) + minutes(5);
        expectRules({ exporterUp }, [...only(down - STEP), ...only(down + STEP, { KafkaExporterDown: [firing("KafkaExporterDown")] }), ...only(minutes(30), { KafkaExporterDown: [firing("KafkaExporterDown")] })]);
    });

    it("the exporter's pod replaced (both pods' series visible for a while) fires nothing", () => {
        const exporterPod = (s: number) => (s * STEP < minutes(10) ? EXPORTER_POD : "kafka-exporter-5d8c7b9f4-q9w3z");
        // The new pod answers from the scrape after next.
        const exporterUp = (s: number) => s * STEP < minutes(10) || s * STEP >= minutes(11);
        expectRules({ exporterPod, exporterUp }, [10.5, 11, 12, 15, 20, 30].flatMap((m) => only(minutes(m))));
    });
});
