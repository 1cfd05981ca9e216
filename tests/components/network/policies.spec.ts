import { strict as assert } from "assert";
import { RenderedStack, find, render, itRejects } from "../../harness/render";
import { LabelSelector, selects } from "../../../policy/lib/selectors";

type Rule = { from?: Peer[]; to?: Peer[]; ports?: Array<{ protocol: string; port: number }> };
type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector };
type Policy = { metadata: { name: string; namespace: string }; spec: { podSelector: LabelSelector; policyTypes: string[]; ingress?: Rule[]; egress?: Rule[] } };
/** A pod somewhere in the cluster: its namespace, the namespace's labels and its own. */
type Pod = { namespace: string; namespaceLabels: Record<string, string>; labels: Record<string, string> };

const policies = (s: RenderedStack) => s.objects.filter((o) => o.kind === "NetworkPolicy") as unknown as Policy[];
const inData = (labels: Record<string, string>): Pod => ({ namespace: "zk-kafka", namespaceLabels: { "kubernetes.io/metadata.name": "zk-kafka" }, labels });

/** Whether a NetworkPolicy peer selects a pod, as the API evaluates it (no namespaceSelector: the policy's own namespace). */
function peerSelects(peer: Peer, pod: Pod, policyNamespace: string): boolean {
    const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, pod.namespaceLabels) : pod.namespace === policyNamespace;
    return nsOk && (peer.podSelector ? selects(peer.podSelector, pod.labels) : true);
}

/** Whether traffic from `from` to `to` on a TCP port is allowed by the policies (deny once any policy isolates). */
function allowed(ps: Policy[], from: Pod, to: Pod, port: number, protocol = "TCP"): boolean {
    const matches = (rule: Rule, peers: Peer[] | undefined, other: Pod, ns: string) =>
        (peers ?? []).some((p) => peerSelects(p, other, ns)) && (rule.ports ?? []).some((p) => p.port === port && p.protocol === protocol);
    const direction = (type: "Ingress" | "Egress", subject: Pod, other: Pod) => {
        const isolating = ps.filter((p) => p.metadata.namespace === subject.namespace && p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, subject.labels));
        if (isolating.length === 0) return true;
        return isolating.some((p) => (type === "Ingress" ? p.spec.ingress : p.spec.egress)?.some((r) =>
            matches(r, type === "Ingress" ? r.from : r.to, other, p.metadata.namespace)));
    };
    return direction("Egress", from, to) && direction("Ingress", to, from);
}

describe("NetworkPolicies", () => {
    let s: RenderedStack;
    let zk: Pod;
    let kafka: Pod;
    let access: Pod;
    const stranger = inData({ app: "debug-shell" });
    const exporter = inData({ app: "kafka-exporter" });
    const dns: Pod = { namespace: "kube-system", namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" }, labels: { "k8s-app": "kube-dns" } };
    const podsOf = (stack: RenderedStack, name: string) => inData(find<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(stack, "StatefulSet", name).spec.template.metadata.labels);
    before(async () => {
        s = await render();
        zk = podsOf(s, "zk");
        kafka = podsOf(s, "kafka");
        access = inData(find<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(s, "Job", "kafka-access").spec.template.metadata.labels);
    });

    it("renders default-deny, DNS, ZooKeeper and Kafka policies as children of the component", () => {
        assert.deepEqual(policies(s).map((p) => p.metadata.name).sort(), ["allow-dns", "default-deny", "kafka", "kafka-access", "kafka-exporter", "zookeeper"]);
        const component = s.resources.find((r) => r.type === "zk-kafka-gke:network:Policies")!;
        assert.ok(s.resources.filter((r) => r.type.endsWith("NetworkPolicy")).every((r) => r.parent === component.urn));
    });

    it("each policy selects exactly its pods; default-deny covers every pod of the namespace, present and future", () => {
        const selected = (p: Policy) => [zk, kafka, stranger].filter((pod) => selects(p.spec.podSelector, pod.labels));
        const byName = Object.fromEntries(policies(s).map((p) => [p.metadata.name, p]));
        assert.deepEqual(byName["default-deny"].spec.podSelector, {});
        assert.deepEqual(byName["default-deny"].spec.policyTypes, ["Ingress", "Egress"]);
        assert.deepEqual(selected(byName["default-deny"]), [zk, kafka, stranger]);
        assert.deepEqual(selected(byName.zookeeper), [zk]);
        assert.deepEqual(selected(byName.kafka), [kafka]);
    });

    it("allows exactly the tutorials' flows", () => {
        const ps = policies(s);
        const flows: Array<[string, Pod, Pod, number, boolean]> = [
            ["ZooKeeper quorum", zk, zk, 2888, true], ["ZooKeeper election", zk, zk, 3888, true],
            ["Kafka to ZooKeeper's clients port", kafka, zk, 2181, true], ["broker replication", kafka, kafka, 9093, true],
            ["a stranger to ZooKeeper", stranger, zk, 2181, false], ["a stranger to Kafka", stranger, kafka, 9093, false],
            ["Kafka into ZooKeeper's quorum port", kafka, zk, 2888, false], ["ZooKeeper to Kafka", zk, kafka, 9093, false],
            ["a broker to another port", kafka, kafka, 8080, false], ["ZooKeeper's clients port to itself", zk, zk, 2181, false],
            // TLS: replication on its own listener, reached by the brokers and the access Job only.
            ["broker replication over TLS", kafka, kafka, 9094, true], ["the access Job to the replication listener", access, kafka, 9094, true],
            ["the access Job to the clients' listener", access, kafka, 9093, false], ["the access Job to ZooKeeper", access, zk, 2181, false],
            ["a stranger to the replication listener", stranger, kafka, 9094, false], ["the probe's loopback listener from anywhere", kafka, kafka, 9095, false],
            ["a stranger to the certificate clients' listener", stranger, kafka, 9092, false], ["the access Job to the certificate clients' listener", access, kafka, 9092, false],
            // The lag exporter: its one listener, the certificate clients'.
            ["the lag exporter to the certificate clients' listener", exporter, kafka, 9092, true], ["the lag exporter to the SCRAM listener", exporter, kafka, 9093, false],
            ["the lag exporter to the replication listener", exporter, kafka, 9094, false], ["the lag exporter to ZooKeeper", exporter, zk, 2181, false],
        ];
        for (const [what, from, to, port, expected] of flows) assert.equal(allowed(ps, from, to, port), expected, what);
        for (const pod of [zk, kafka, stranger]) {
            assert.ok(allowed(ps, pod, dns, 53, "UDP") && allowed(ps, pod, dns, 53, "TCP"), "DNS for every pod");
            assert.ok(!allowed(ps, pod, { ...dns, labels: { app: "other" } }, 53, "UDP"), "only kube-dns");
        }
    });

    it("with a KRaft quorum: exactly the migration's flows in migration, and no ZooKeeper for the quorum in kraft", async () => {
        const migration = await render({ "kafka.metadata": "migration" }, "dev", s.outputs);
        const controller = podsOf(migration, "kafka-controller");
        const job = inData(find<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(migration, "Job", "kafka-metadata-migration").spec.template.metadata.labels);
        const collector: Pod = { namespace: "gmp-system", namespaceLabels: { "kubernetes.io/metadata.name": "gmp-system" }, labels: { "app.kubernetes.io/name": "collector" } };
        const m = policies(migration);
        const flows: Array<[string, Pod, Pod, number, boolean]> = [
            ["voters to each other", controller, controller, 9090, true], ["brokers to the controllers", kafka, controller, 9090, true],
            ["the controller to the migrating brokers' replication listener", controller, kafka, 9094, true], ["the controllers to ZooKeeper", controller, zk, 2181, true],
            ["the phase Job to the controllers' metrics", job, controller, 9404, true], ["the scrapers to the controllers' metrics", collector, controller, 9404, true],
            ["a stranger to the controllers", stranger, controller, 9090, false], ["a stranger to their metrics", stranger, controller, 9404, false],
            ["the controllers to the SCRAM listener", controller, kafka, 9093, false], ["the phase Job to the controller listener", job, controller, 9090, false],
            ["the phase Job to ZooKeeper in migration", job, zk, 2181, false], ["the access Job to the controllers", access, controller, 9090, false],
        ];
        for (const [what, from, to, port, expected] of flows) assert.equal(allowed(m, from, to, port), expected, what);
        const rollback = policies(await render({ "kafka.metadata": "rollback" }, "dev", migration.outputs));
        assert.equal(allowed(rollback, inData({ ...job.labels }), zk, 2181), true, "the rollback's Job deletes the quorum's znodes");
        const kraft = policies(await render({ "kafka.metadata": "kraft" }, "dev", migration.outputs));
        assert.equal(allowed(kraft, controller, zk, 2181), false, "finalised controllers have no business with ZooKeeper");
        assert.equal(allowed(kraft, controller, kafka, 9094), false);
        assert.equal(allowed(kraft, kafka, controller, 9090), true);
    });

    it("admits the scrapers on the metrics ports only: managed collection on GKE, the Prometheus namespace elsewhere", async () => {
        const collector: Pod = { namespace: "gmp-system", namespaceLabels: { "kubernetes.io/metadata.name": "gmp-system" }, labels: { "app.kubernetes.io/name": "collector" } };
        const ps = policies(s);
        assert.ok(allowed(ps, collector, zk, 7000) && allowed(ps, collector, kafka, 9404));
        for (const port of [2181, 2888, 3888]) assert.ok(!allowed(ps, collector, zk, port), `not ${port}`);
        assert.ok(!allowed(ps, collector, kafka, 9093));
        assert.ok(!allowed(ps, stranger, zk, 7000) && !allowed(ps, stranger, kafka, 9404), "nobody else reaches the metrics");
        const other = { ...collector, namespace: "gmp-public", namespaceLabels: { "kubernetes.io/metadata.name": "gmp-public" } };
        assert.ok(!allowed(ps, other, kafka, 9404), "only gmp-system's collectors");
        const existing = await render({ "cluster.mode": "existing", "zookeeper.metrics": true, "kafka.metrics": true, "monitoring.prometheusNamespace": "observability" });
        const prometheus: Pod = { namespace: "observability", namespaceLabels: { "kubernetes.io/metadata.name": "observability" }, labels: { app: "prometheus" } };
        assert.ok(allowed(policies(existing), prometheus, kafka, 9404) && allowed(policies(existing), prometheus, zk, 7000));
        assert.ok(!allowed(policies(existing), collector, kafka, 9404));
        const off = await render({ "zookeeper.metrics": false, "kafka.metrics": false });
        assert.ok(!allowed(policies(off), collector, kafka, 9404) && !allowed(policies(off), collector, zk, 7000), "metrics off: no port opened");
    });

    it("adds a configured client to exactly the policy it names", async () => {
        const client: Pod = { namespace: "apps", namespaceLabels: { team: "orders" }, labels: { app: "orders" } };
        const c = await render({ "kafka.allowedClients": [{ namespaceSelector: { team: "orders" }, podSelector: { app: "orders" } }] });
        assert.ok(allowed(policies(c), client, kafka, 9093), "the client reaches the brokers");
        assert.ok(!allowed(policies(c), client, zk, 2181), "and not ZooKeeper");
        assert.ok(!allowed(policies(s), client, kafka, 9093), "not without the config");
        assert.ok(!allowed(policies(c), { ...client, labels: { app: "billing" } }, kafka, 9093), "other pods of its namespace stay out");
        const changed = policies(c).filter((p) => JSON.stringify(p) !== JSON.stringify(policies(s).find((q) => q.metadata.name === p.metadata.name)));
        assert.deepEqual(changed.map((p) => p.metadata.name), ["kafka"]);
        assert.ok(!allowed(policies(c), client, kafka, 9094), "a client never reaches the replication listener");
        assert.ok(allowed(policies(c), client, kafka, 9092), "it reaches the listener for clients with a certificate");
        const z = await render({ "zookeeper.allowedClients": [{ podSelector: { app: "zk-admin" } }] });
        assert.ok(allowed(policies(z), inData({ app: "zk-admin" }), zk, 2181), "a client in the data namespace gets its egress too");
        assert.ok(!allowed(policies(z), inData({ app: "zk-admin" }), zk, 2888), "clients never reach the quorum ports");
        assert.ok(!allowed(policies(z), inData({ app: "zk-admin" }), kafka, 9093), "nor what they were not named for");
        assert.deepEqual(policies(z).map((p) => p.metadata.name).sort(), ["allow-dns", "default-deny", "kafka", "kafka-access", "kafka-exporter", "zookeeper", "zookeeper-client-0"]);
    });

    it("leaves egress open when asked (a CNI that does not enforce egress), and renders nothing with network.policies=false", async () => {
        const open = await render({ "network.egress": "open" });
        assert.ok(policies(open).every((p) => !p.spec.policyTypes.includes("Egress") && p.spec.egress === undefined));
        assert.ok(!policies(open).some((p) => p.metadata.name === "allow-dns"));
        assert.ok(allowed(policies(open), zk, kafka, 9093) === false, "ingress still restricted");
        const none = await render({ "network.policies": false });
        assert.deepEqual(policies(none), []);
    });

    const bad: Array<[Record<string, unknown>, string]> = [
        [{ "network.policies": "yes" }, "network.policies"],
        [{ "network.egress": "closed" }, "network.egress"],
        [{ "network.egres": "open" }, "network.egres"],
        [{ "kafka.allowedClients": "app=orders" }, "kafka.allowedClients"],
        [{ "kafka.allowedClients": [{}] }, "kafka.allowedClients[0]"],
        [{ "kafka.allowedClients": [{ podSelector: { "bad key!": "x" } }] }, "kafka.allowedClients[0].podSelector"],
        [{ "zookeeper.allowedClients": [{ podSelector: { app: "-x" } }] }, "zookeeper.allowedClients[0].podSelector"],
        [{ "zookeeper.allowedClients": [{ podSelector: { app: "x" }, nsSelector: { a: "b" } }] }, "zookeeper.allowedClients[0].nsSelector"],
    ];
    itRejects(bad);
});
