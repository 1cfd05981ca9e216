import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RenderedStack, find, itRejects, rejection, render } from "../../harness/render";
import { PROJECT_ROOT } from "../../../tools/runtime";
import { allQueries } from "../../harness/monitoring";
import { metricNames } from "../../harness/prometheus";
import { selects } from "../../../policy/lib/selectors";
import { isProductionStack } from "../../../schema/stack";
import { alertPolicies } from "../../../components/monitoring/spec";
import { DEV_MONITORING } from "../../../tools/dashboard-picture";

/** Rendered inputs, checked field by field. */
type Props = Record<string, any>;
const ofType = (s: RenderedStack, type: string) => s.resources.filter((r) => r.type === type).map((r) => r.props as Props);
const podLabels = (s: RenderedStack, sts: string) => find<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(s, "StatefulSet", sts).spec.template.metadata.labels;

// Overrides that do not interact, rendered together (each render costs a quarter second).
const GKE_OVERRIDES = { "monitoring.evaluationInterval": "1m", "monitoring.runbookUrl": "https://git.example.com/ops/zk-kafka-gke/blob/main/docs/runbook.md" };
const OPERATOR_OVERRIDES = { "cluster.mode": "existing", "zookeeper.metrics": true, "kafka.metrics": true, "monitoring.prometheusOperator": true,
    "nodeExporter.serviceMonitor": true, "monitoring.evaluationInterval": "1m", "monitoring.prometheusOperatorLabels": { release: "kps", "app.kubernetes.io/name": "mine" } };

describe("Monitoring: metrics, alerts and the dashboard", () => {
    let dev: RenderedStack;
    before(async () => {
        dev = await render();
    });

    it("defaults (gke): both exporters on, each scraped by a PodMonitoring on its pods' selector labels and named port", () => {
        for (const [sts, port] of [["zk", 7000], ["kafka", 9404]] as const) {
            const pm = find<{ spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; interval: string }> } }>(dev, "PodMonitoring", sts);
            assert.ok(selects(pm.spec.selector, podLabels(dev, sts)));
            assert.deepEqual(pm.spec.endpoints, [{ port: "metrics", interval: "30s" }]);
            const c = find<{ spec: { template: { spec: { containers: Array<{ ports: Array<{ name: string; containerPort: number }> }> } } } }>(dev, "StatefulSet", sts).spec.template.spec.containers[0];
            assert.deepEqual(c.ports.find((p) => p.name === "metrics"), { name: "metrics", containerPort: port });
        }
        const zooCfg = find<{ data: Record<string, string> }>(dev, "ConfigMap", "zk-config").data["zoo.cfg"];
        assert.match(zooCfg, /^metricsProvider\.className=org\.apache\.zookeeper\.metrics\.prometheus\.PrometheusMetricsProvider$/m);
        assert.match(zooCfg, /^metricsProvider\.httpPort=7000$/m);
    });

    it("defaults (gke): the agent's jar in an immutable ConfigMap, mounted read-only, loaded by KAFKA_OPTS with the rules file", () => {
        const agent = find<{ binaryData: Record<string, string>; immutable: boolean }>(dev, "ConfigMap", "kafka-jmx-exporter");
        assert.equal(agent.immutable, true);
        assert.equal(Object.keys(agent.binaryData).join(), "jmx_prometheus_javaagent-0.20.0.jar");
        assert.ok(JSON.stringify(agent).length < 1024 * 1024, "within a ConfigMap's 1 MiB");
        const pod = find<Props>(dev, "StatefulSet", "kafka").spec.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(c.volumeMounts.find((m: Props) => m.name === "jmx-exporter"), { name: "jmx-exporter", mountPath: "/opt/jmx-exporter", readOnly: true });
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, "the restricted level and a read-only root still hold");
        const opts = c.env.find((e: Props) => e.name === "KAFKA_OPTS").value;
        assert.match(opts, /-javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent-0\.20\.0\.jar=9404:\/etc\/kafka-config\/jmx-exporter\.yaml/);
        const rules = YAML.parse(find<{ data: Record<string, string> }>(dev, "ConfigMap", "kafka-config").data["jmx-exporter.yaml"]);
        assert.ok(rules.includeObjectNames.includes("kafka.server:type=BrokerTopicMetrics,name=*"), "per-topic series off by default");
    });

    it("overrides: metrics off render no exporter, port, scrape object or alert on it; per-topic series when asked", async () => {
        const off = await render({ "zookeeper.metrics": false, "kafka.metrics": false });
        assert.ok(!off.objects.some((o) => o.metadata.name === "kafka-jmx-exporter" || (o.kind === "PodMonitoring" && o.metadata.name !== "node-exporter")));
        assert.doesNotMatch(find<{ data: Record<string, string> }>(off, "ConfigMap", "zk-config").data["zoo.cfg"], /metricsProvider/);
        const names = ofType(off, "gcp:monitoring/alertPolicy:AlertPolicy").map((p) => p.conditions[0].conditionPrometheusQueryLanguage.alertRule);
        assert.deepEqual(names.sort(), ["DataVolumeAlmostFull", "DataVolumeFilling", "DataVolumeFillingUp", "NodeExporterDown"]);
        const perTopic = await render({ "kafka.metricsPerTopic": true, "monitoring.scrapeInterval": "15s" });
        assert.ok(YAML.parse(find<{ data: Record<string, string> }>(perTopic, "ConfigMap", "kafka-config").data["jmx-exporter.yaml"])
            .includeObjectNames.includes("kafka.server:type=BrokerTopicMetrics,*"));
        assert.equal(find<Props>(perTopic, "PodMonitoring", "kafka").spec.endpoints[0].interval, "15s");
    });

    it("gke: one Cloud Monitoring alert policy per alert, PromQL conditions, runbook sections, the configured channels", async () => {
        const channel = "projects/zk-kafka-dev/notificationChannels/123";
        const s = await render({ "monitoring.notificationChannels": [channel] });
        const policies = ofType(s, "gcp:monitoring/alertPolicy:AlertPolicy");
        assert.deepEqual(policies.map((p) => p.conditions[0].conditionPrometheusQueryLanguage.alertRule).sort(), [
            "DataVolumeAlmostFull", "DataVolumeFilling", "DataVolumeFillingUp", "JvmGcTimeHigh", "JvmHeapNearlyFull",
            "KafkaBrokerDown", "KafkaBrokersDownBelowMinIsr", "KafkaCaRotationDue", "KafkaCertificateExpiring",
            "KafkaCertificateRenewalOverdue", "KafkaConsumerGroupLagging", "KafkaConsumerGroupStalled", "KafkaExporterDown", "KafkaIsrShrinking", "KafkaMultipleActiveControllers", "KafkaNetworkProcessorsBusy",
            "KafkaNoActiveController", "KafkaOfflineLogDirectories", "KafkaOfflinePartitions", "KafkaRequestHandlersBusy",
            "KafkaUncleanLeaderElections", "KafkaUnderMinIsrPartitions", "KafkaUnderReplicatedPartitions", "NodeExporterDown",
            "OpenFileDescriptorsNearLimit", "ZooKeeperHighLatency", "ZooKeeperNoLeader", "ZooKeeperQuorumLost", "ZooKeeperServerDown",
            "ZooKeeperSlowFsync"]);
        const runbook = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "runbook.md"), "utf8").toLowerCase();
        for (const p of policies) {
            const q = p.conditions[0].conditionPrometheusQueryLanguage;
            assert.equal(p.project, "zk-kafka-dev");
            assert.deepEqual(p.notificationChannels, [channel]);
            assert.ok(metricNames(q.query).length > 0);
            assert.match(p.documentation.content, new RegExp(`docs/runbook\\.md#${q.alertRule.toLowerCase()}`));
            assert.ok(runbook.includes(`### ${q.alertRule.toLowerCase()}`), `docs/runbook.md has a section for ${q.alertRule}`);
        }
        const underRep = policies.find((p) => p.conditions[0].conditionPrometheusQueryLanguage.alertRule === "KafkaUnderReplicatedPartitions")!;
        assert.equal(underRep.conditions[0].conditionPrometheusQueryLanguage.duration, "600s", "under-replicated for 10 minutes");
        const dashboard = JSON.parse(ofType(s, "gcp:monitoring/dashboard:Dashboard")[0].dashboardJson);
        assert.equal(dashboard.mosaicLayout.tiles.length, 11);
    });

    it("the certificate alerts name every certificate the stack made, the CA and the users' included, at its end; valid PromQL carried by the brokers' up", async () => {
        const s = await render({ "kafka.users": [{ name: "certapp", namespace: "apps", authentication: "tls" }, { name: "app", namespace: "apps" }], "kafka.acls": [] });
        const query = (alert: string) => ofType(s, "gcp:monitoring/alertPolicy:AlertPolicy")
            .find((p) => p.conditions[0].conditionPrometheusQueryLanguage.alertRule === alert)!.conditions[0].conditionPrometheusQueryLanguage.query as string;
        const named = (q: string) => [...q.matchAll(/"certificate", "([^"]+)"/g)].map((m) => m[1]).sort();
        const leaves = ["kafka-pki-admin", "kafka-pki-kafka-0", "kafka-pki-kafka-1", "kafka-pki-kafka-2", "kafka-user-certapp"];
        assert.deepEqual(named(query("KafkaCertificateRenewalOverdue")), leaves);
        assert.deepEqual(named(query("KafkaCaRotationDue")), ["kafka-pki-ca"]);
        assert.deepEqual(named(query("KafkaCertificateExpiring")), ["kafka-pki-ca", ...leaves].sort());
        // The offline render's certificates end 2036-12-01 (tools/mock-state.ts); half of the 720-hour window is 1296000 s.
        assert.match(query("KafkaCertificateRenewalOverdue"), new RegExp(`\\+ ${Date.parse("2036-12-01T00:00:00Z") / 1000}, "certificate", "kafka-pki-admin", "", ""\\) - time\\(\\) < 1296000\\)`));
        for (const alert of ["KafkaCertificateRenewalOverdue", "KafkaCaRotationDue", "KafkaCertificateExpiring"]) assert.deepEqual(metricNames(query(alert)), ["up"], alert);
        const existing = await render({ "cluster.mode": "existing", "kafka.metrics": true, "monitoring.prometheusOperator": true });
        const rules = find<Props>(existing, "PrometheusRule", "zk-kafka-alerts").spec.groups[0].rules as Props[];
        assert.ok(rules.some((r) => r.alert === "KafkaCaRotationDue" && /kafka-pki-ca/.test(r.expr)), "in the PrometheusRule too");
    });

    it("every query of the alerts and the dashboard is valid PromQL (the Prometheus grammar)", () => {
        for (const q of allQueries()) assert.ok(metricNames(q).length > 0, q);
        assert.throws(() => metricNames("sum(kafka_x{a=\"b\"}"), /not valid PromQL/);
    });

    it("existing mode with a Prometheus Operator: PodMonitors and a PrometheusRule, no Cloud Monitoring resource", async () => {
        const s = await render({ "cluster.mode": "existing", "zookeeper.metrics": true, "kafka.metrics": true, "monitoring.prometheusOperator": true });
        assert.deepEqual(s.resources.filter((r) => r.type.startsWith("gcp:")), []);
        for (const sts of ["zk", "kafka"]) assert.equal(find<Props>(s, "PodMonitor", sts).spec.podMetricsEndpoints[0].port, "metrics");
        const rule = find<Props>(s, "PrometheusRule", "zk-kafka-alerts");
        const ns = s.resources.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.name === "namespace")!;
        assert.ok(s.resources.find((r) => r.type.endsWith(":PrometheusRule"))!.dependencies?.includes(ns.urn!), "created after its namespace");
        const alerts = rule.spec.groups[0].rules as Props[];
        assert.ok(alerts.every((a) => a.annotations.summary && /^docs\/runbook\.md#/.test(a.annotations.runbook_url) && a.labels.severity));
        assert.match(alerts.find((a) => a.alert === "DataVolumeFilling")!.expr, /kubelet_volume_stats_used_bytes/);
    });

    it("existing mode: monitoring.prometheusOperatorLabels reach every PodMonitor, the ServiceMonitor and the PrometheusRule (a kube-prometheus-stack selects release)", async () => {
        const s = await render(OPERATOR_OVERRIDES);
        for (const [kind, name] of [["PodMonitor", "zk"], ["PodMonitor", "kafka"], ["ServiceMonitor", "node-exporter"], ["PrometheusRule", "zk-kafka-alerts"]]) {
            const labels = find<Props>(s, kind, name).metadata.labels ?? {};
            assert.equal(labels.release, "kps", `${kind} ${name}`);
            assert.notEqual(labels["app.kubernetes.io/name"], "mine", `${kind} ${name} keeps its own labels`);
        }
        const plain = await render({ "cluster.mode": "existing", "zookeeper.metrics": true, "kafka.metrics": true, "monitoring.prometheusOperator": true });
        assert.equal(find<Props>(plain, "PodMonitor", "kafka").metadata.labels?.release, undefined, "none by default");
    });

    it("evaluates every 30 s whatever the scrape interval (Cloud Monitoring takes only multiples of 30 s), or every monitoring.evaluationInterval", async () => {
        const policies = (st: RenderedStack) => ofType(st, "gcp:monitoring/alertPolicy:AlertPolicy").map((p) => p.conditions[0].conditionPrometheusQueryLanguage);
        // Rendered once (1m30s crashed the program before); the others through the same function.
        const rendered = policies(await render({ "monitoring.scrapeInterval": "1m30s" }));
        for (const scrapeInterval of ["15s", "45s", "90s", "5000ms"]) {
            const conditions = alertPolicies({ ...DEV_MONITORING, scrapeInterval, project: "p" }).map((p) => p.args.conditions[0].conditionPrometheusQueryLanguage);
            for (const q of [...rendered, ...conditions]) {
                assert.equal(q.evaluationInterval, "30s", scrapeInterval);
                assert.ok(/^\d+s$/.test(q.duration) && q.disableMetricValidation === true, scrapeInterval);
            }
        }
        const minute = await render(GKE_OVERRIDES);
        assert.deepEqual([...new Set(policies(minute).map((q) => q.evaluationInterval))], ["60s"]);
        const existing = await render(OPERATOR_OVERRIDES);
        assert.equal(find<Props>(existing, "PrometheusRule", "zk-kafka-alerts").spec.groups[0].interval, "1m");
    });

    it("policies and the dashboard wait for the cluster (through the namespace); a runbook URL becomes each policy's link; legends are Cloud Monitoring's", async () => {
        const ns = dev.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
        for (const r of dev.resources.filter((x) => x.type.startsWith("gcp:monitoring/"))) assert.ok(r.dependencies?.includes(ns.urn!), r.name);
        assert.ok(ofType(dev, "gcp:monitoring/alertPolicy:AlertPolicy").every((p) => p.documentation.links === undefined), "no link to a path");
        const url = GKE_OVERRIDES["monitoring.runbookUrl"];
        const linked = ofType(await render(GKE_OVERRIDES), "gcp:monitoring/alertPolicy:AlertPolicy");
        for (const p of linked) {
            const alert = p.conditions[0].conditionPrometheusQueryLanguage.alertRule as string;
            assert.deepEqual(p.documentation.links, [{ displayName: "Runbook", url: `${url}#${alert.toLowerCase()}` }]);
        }
        const legends = JSON.parse(ofType(dev, "gcp:monitoring/dashboard:Dashboard")[0].dashboardJson).mosaicLayout.tiles
            .flatMap((t: Props) => t.widget.xyChart.dataSets.map((d: Props) => d.legendTemplate as string));
        assert.ok(legends.includes("${labels.pod}") && legends.every((l: string) => !l.includes("{{")), legends.join(", "));
    });

    it("a production stack (prod, production, prd, alone or as a part of its name) must name a notification channel", async () => {
        const message = await rejection({ "monitoring.notificationChannels": [] }, "prod");
        assert.match(message, /^zk-kafka-gke:monitoring\.notificationChannels must name at least one notification channel in the production stack "prod"/m);
        await render({ "monitoring.notificationChannels": [], "monitoring.alerts": false }, "prod");
        assert.deepEqual(["prod", "production", "eu-prod", "prod-2", "PRD", "dev", "product", "preprod-test", "staging"].filter(isProductionStack),
            ["prod", "production", "eu-prod", "prod-2", "PRD"]);
    });

    itRejects([
        [{ "monitoring.evaluationInterval": "45s" }, "monitoring.evaluationInterval"],
        [{ "monitoring.evaluationInterval": "20m" }, "monitoring.evaluationInterval"],
        [{ "monitoring.runbookUrl": "docs/runbook.md" }, "monitoring.runbookUrl"],
        [{ "monitoring.runbookUrl": "https://example.com/runbook.md#alerts" }, "monitoring.runbookUrl"],
        [{ "monitoring.notificationChannels": ["ops@example.com"] }, "monitoring.notificationChannels[0]"],
        [{ "monitoring.prometheusOperatorLabels": { "bad key!": "x" } }, "monitoring.prometheusOperatorLabels"],
        [{ "monitoring.scrapeInterval": "1s" }, "monitoring.scrapeInterval"],
        [{ "kafka.metrics": "yes" }, "kafka.metrics"],
    ]);
});
