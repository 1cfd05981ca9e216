import * as v from "valibot";
import type { MonitoringOptions as Documented } from "./generated/monitoring-options";
import { isEvaluationInterval, isScrapeInterval } from "../shared/metrics";
import { field, labelMap, optionalKey, SameAs, strictSection, withDefault } from "../shared/fields";

const CHANNEL = /^projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]\/notificationChannels\/\d+$/;
const channelsMust = "must be a list of Cloud Monitoring notification channel names, projects/<project>/notificationChannels/<id>";
const runbookMust = "must be an https URL of your copy of docs/runbook.md, without a #fragment (each alert links to its section)";

/**
 * How ZooKeeper and Kafka are watched, defined once: where their metrics go, the alerts that page
 * and who they page, the dashboard. Each workload's own `metrics` key turns its exporter on.
 */
export const monitoringOptions = strictSection({
    scrapeInterval: withDefault(field.string("must be a Prometheus duration from 5s to 5m such as 30s or 1m", isScrapeInterval), "30s",
        { description: "How often the ZooKeeper and Kafka metrics are scraped" }),
    evaluationInterval: withDefault(field.string("must be a Prometheus duration that is a multiple of 30s, from 30s to 10m, such as 30s or 1m", isEvaluationInterval), "30s",
        { description: "How often the alert rules are evaluated (Cloud Monitoring takes only multiples of 30 s); the same in the PrometheusRule" }),
    runbookUrl: optionalKey(field.string(runbookMust, (s) => /^https:\/\/[^\s#]+$/.test(s) && URL.canParse(s)),
        { description: "Where the alerts link for what to do: your copy of docs/runbook.md, rendered (for example its page on your Git host)",
            defaultText: "the file's path, docs/runbook.md, which a notification cannot open (a warning says so)", allowed: runbookMust }),
    alerts: withDefault(field.bool(), true,
        { description: "The alerts on what loses data or availability (docs/runbook.md, Alerts): Cloud Monitoring alert policies in gke mode, a PrometheusRule with monitoring.prometheusOperator" }),
    notificationChannels: withDefault(v.array(field.string(channelsMust, (s) => CHANNEL.test(s)), channelsMust), [],
        { description: "Who the gke-mode alert policies notify; required in a production stack (named prod, production or prd, alone or as a part: eu-prod), otherwise none still creates them, with a warning (they show in Cloud Monitoring's incidents)", allowed: channelsMust }),
    consumerLagMessages: withDefault(field.int("must be an integer number of messages from 1 to 1000000000", { min: 1, max: 1e9 }), 10000,
        { description: "KafkaConsumerGroupLagging warns when a declared consumer group has been this many messages behind on a topic for 15 minutes (with kafkaExporter)" }),
    dashboard: withDefault(field.bool(), true,
        { description: "A Cloud Monitoring dashboard of partitions, ISR churn, latency, throughput, ZooKeeper and disk (gke mode)" }),
    prometheusOperator: withDefault(field.bool(), false,
        { description: "Existing mode: PodMonitors and a PrometheusRule for a Prometheus Operator (its CRDs must be installed)" }),
    prometheusOperatorLabels: withDefault(labelMap(), {},
        { description: "Existing mode: labels on the PodMonitors, node-exporter's ServiceMonitor and the PrometheusRule, so that the operator's selectors pick them (kube-prometheus-stack selects release: <its release name> by default); the program's own labels win over a clash" }),
    prometheusNamespace: withDefault(field.dnsLabel(), "monitoring",
        { description: "Existing mode: the namespace whose Prometheus may scrape the metrics ports (NetworkPolicy)" }),
});

export type MonitoringOptions = SameAs<Documented, v.InferOutput<typeof monitoringOptions>>;
