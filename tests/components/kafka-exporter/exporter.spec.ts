import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { RenderedStack, find, itRejects, render } from "../../harness/render";
import { parseStackConfig } from "../../../schema/stack";
import { KAFKA_EXPORTER_FAMILIES, exporterAccess, kafkaExporterSpecs } from "../../../components/kafka-exporter";
import { queriedMetrics } from "../../harness/monitoring";
import { LAG_LABELS } from "../../harness/alert-timeline";
import type { KafkaAcl } from "../../../components/kafka";

type Deployment = k8s.types.output.apps.v1.Deployment;
type Policy = k8s.types.output.networking.v1.NetworkPolicy;

const GCP = { project: "my-project", zone: "europe-west1-b" };
const deployment = (s: RenderedStack) => find<Deployment>(s, "Deployment", "kafka-exporter");
const container = (s: RenderedStack) => deployment(s).spec.template.spec.containers[0];
const aclsText = (s: RenderedStack) => find<{ data: Record<string, string> }>(s, "ConfigMap", "kafka-access").data["acls.txt"];
const exporterAcls = (s: RenderedStack) => aclsText(s).split("\n").filter((l) => l.includes("User:CN=kafka-exporter"));

describe("KafkaExporter", () => {
    let defaults: RenderedStack;
    before(async () => {
        defaults = await render();
    });

    it("defaults: the dev stack's declared group gets kafka_exporter, hardened, on the certificate listener, scraped, restarted when its certificate changes", () => {
        const d = deployment(defaults);
        assert.equal(d.metadata.namespace, "zk-kafka");
        assert.equal(d.spec.replicas, 1);
        assert.deepEqual(d.spec.selector.matchLabels, { app: "kafka-exporter" });
        const pod = d.spec.template.spec;
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" } });
        assert.equal(pod.automountServiceAccountToken, false);
        const c = container(defaults);
        assert.equal(c.image, "docker.io/danielqsj/kafka-exporter:v1.9.0");
        assert.deepEqual(c.args, [0, 1, 2].map((i) => `--kafka.server=kafka-${i}.kafka-hs.zk-kafka.svc.cluster.local:9092`).concat([
            "--kafka.version=3.9.0", "--tls.enabled", "--tls.ca-file=/etc/kafka-exporter/tls/ca.crt", "--tls.cert-file=/etc/kafka-exporter/tls/tls.crt",
            "--tls.key-file=/etc/kafka-exporter/tls/tls.key", "--web.listen-address=:9308"]));
        assert.deepEqual(c.resources, { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "128Mi" } });
        assert.deepEqual(c.securityContext, { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
        for (const probe of [c.readinessProbe, c.livenessProbe]) assert.deepEqual(probe.httpGet, { path: "/healthz", port: "metrics" });
        assert.deepEqual(pod.volumes, [{ name: "tls", secret: { secretName: "kafka-exporter-tls", defaultMode: 0o400,
            items: ["ca.crt", "tls.crt", "tls.key"].map((k) => ({ key: k, path: k })) } }]);
        assert.match(d.spec.template.metadata.annotations["zk-kafka-gke/credentials-checksum"], /^[0-9a-f]{16}$/);
        const scrape = find<{ spec: { selector: unknown; endpoints: unknown[] } }>(defaults, "PodMonitoring", "kafka-exporter");
        assert.deepEqual(scrape.spec, { selector: { matchLabels: { app: "kafka-exporter" } }, endpoints: [{ port: "metrics", interval: "30s" }] });
        // Its credentials exist once the access Job granted them, and it starts after they do.
        const secret = defaults.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name === "kafka-user-kafka-exporter")!;
        const resource = defaults.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "kafka-exporter")!;
        assert.ok(resource.dependencies?.includes(secret.urn!), "the Deployment waits for its Secret");
        assert.deepEqual(resource.customTimeouts, { create: "5m", update: "5m" });
        assert.equal(find<{ metadata: { namespace: string } }>(defaults, "Secret", "kafka-exporter-tls").metadata.namespace, "zk-kafka");
    });

    it("may describe the declared group and topics and nothing else; the brokers and the scraper alone reach it", () => {
        assert.deepEqual(exporterAcls(defaults), [
            "GROUP\tdemo-\tPREFIXED\tUser:CN=kafka-exporter\t*\tDESCRIBE\tALLOW",
            "TOPIC\tdemo.\tPREFIXED\tUser:CN=kafka-exporter\t*\tDESCRIBE\tALLOW",
        ]);
        const policy = find<Policy>(defaults, "NetworkPolicy", "kafka-exporter");
        assert.deepEqual(policy.spec.podSelector.matchLabels, { app: "kafka-exporter" });
        assert.deepEqual(policy.spec.egress, [{ to: [{ podSelector: { matchLabels: { app: "kafka" } } }], ports: [{ protocol: "TCP", port: 9092 }] }],
            "the certificate listener it uses, not the SCRAM one");
        assert.deepEqual(policy.spec.ingress.map((r) => r.ports), [[{ protocol: "TCP", port: 9308 }]]);
        const kafka = find<Policy>(defaults, "NetworkPolicy", "kafka");
        assert.ok(kafka.spec.ingress.some((r) => r.ports.some((p) => p.port === 9092) && r.from.some((f) => f.podSelector?.matchLabels?.app === "kafka-exporter")),
            "the brokers admit it on its listener");
        assert.ok(!kafka.spec.ingress.some((r) => r.ports.some((p) => p.port === 9093) && r.from.some((f) => f.podSelector?.matchLabels?.app === "kafka-exporter")),
            "and on no other");
        assert.ok(!kafka.spec.ingress.some((r) => r.ports.some((p) => p.port === 9094) && r.from.some((f) => f.podSelector?.matchLabels?.app === "kafka-exporter")),
            "never on the replication listener");
    });

    it("overrides: image, CPU and memory; off by config, or when nothing is declared to watch", async () => {
        const custom = await render({ "kafkaExporter.image": "registry.example.com/kafka-exporter:v1.9.0", "kafkaExporter.cpu": 0.2, "kafkaExporter.memory": "256Mi" });
        assert.equal(container(custom).image, "registry.example.com/kafka-exporter:v1.9.0");
        assert.deepEqual(container(custom).resources, { requests: { cpu: "0.2", memory: "256Mi" }, limits: { memory: "256Mi" } });
        const off = await render({ "kafkaExporter.enabled": false });
        assert.equal(off.objects.filter((o) => /kafka-exporter/.test(o.metadata.name)).length, 0, "no Deployment, Secret, policy or scrape object");
        assert.deepEqual(exporterAcls(off), [], "and no grant");
        // What decides whether it runs, without a render: the config's own answer.
        const groups = { users: [{ name: "app", namespace: "apps" }], acls: [{ user: "app", group: "g", operations: ["Read"] }] };
        const runs = (raw: Record<string, unknown>) => parseStackConfig(raw, GCP).kafkaExporter.runs;
        assert.equal(runs({ kafka: groups }), true, "gke mode: metrics on, TLS on, a group");
        assert.equal(runs({ kafka: { ...groups, acls: [{ user: "app", topic: "t", operations: ["Read"] }] } }), false, "no group");
        assert.equal(runs({ kafka: { ...groups, metrics: false } }), false, "Kafka's metrics off");
        assert.equal(runs({ kafka: groups, kafkaExporter: { enabled: false } }), false, "off by config");
    });

    itRejects([
        [{ "kafka.users": [{ name: "kafka-exporter", namespace: "zk-kafka" }] }, "kafka.users[0].name"],
        [{ "kafkaExporter.image": "danielqsj/kafka-exporter" }, "kafkaExporter.image"],
        [{ "kafkaExporter.memory": "16Mi" }, "kafkaExporter.memory"],
        [{ "kafkaExporter.enable": true }, "kafkaExporter.enable"],
    ]);
});

describe("exporterAccess and kafkaExporterSpecs (pure)", () => {
    const acl = (a: Partial<KafkaAcl> & Pick<KafkaAcl, "user" | "operations">): KafkaAcl => ({ pattern: "literal", ...a } as KafkaAcl);

    it("grants Describe once per group and topic the ACLs name, with their patterns, and nothing without a group", () => {
        const acls = [
            acl({ user: "a", group: "orders", operations: ["Read"] }),
            acl({ user: "b", group: "orders", operations: ["Read", "Describe"] }),
            acl({ user: "a", topic: "orders.", pattern: "prefixed", operations: ["Read"] }),
            acl({ user: "b", transactionalId: "tx", operations: ["Write"] }),
        ];
        const access = exporterAccess(acls, "data")!;
        assert.deepEqual(access.user, { name: "kafka-exporter", namespace: "data", secretName: "kafka-exporter-tls", authentication: "tls" });
        assert.deepEqual(access.acls, [
            { user: "kafka-exporter", pattern: "literal", operations: ["Describe"], group: "orders" },
            { user: "kafka-exporter", pattern: "prefixed", operations: ["Describe"], topic: "orders." },
        ]);
        assert.equal(exporterAccess(acls.filter((a) => a.group === undefined), "data"), undefined);
    });

    it("the alerts and the dashboard query only families kafka_exporter serves, by labels it gives them", () => {
        const lag = queriedMetrics().lag;
        assert.deepEqual(lag, ["kafka_consumergroup_current_offset_sum", "kafka_consumergroup_lag_sum"]);
        for (const name of lag) assert.deepEqual(KAFKA_EXPORTER_FAMILIES[name], Object.keys(LAG_LABELS), `${name}: the alerts' series carry its labels`);
    });

    it("without a scraper, no scrape object", () => {
        const specs = kafkaExporterSpecs({ image: "x/y:1", cpu: "50m", memory: "128Mi", namespace: "n", bootstrapServers: ["b:9092"], credentialsDigest: "d" });
        assert.equal(specs.scrape, undefined);
        const template = specs.deployment.spec.template as { metadata: { annotations: Record<string, string> } };
        assert.deepEqual(template.metadata.annotations, { "zk-kafka-gke/credentials-checksum": "d" });
    });
});
