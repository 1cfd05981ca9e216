import { strict as assert } from "assert";
import { PinnedClient } from "../zookeeper/client";
import { waitFor } from "../servers/local-pod";
import { serverClasspath } from "../servers/jars";
import * as fs from "fs";
import { queriedMetrics } from "../harness/monitoring";
import { total } from "../harness/prometheus";
import { JMX_EXPORTER, jmxExporterJar } from "../../components/kafka";
import { userClientProperties } from "./access";
import * as path from "path";
import { KafkaSuite, TOPIC } from "./suite";

/** Registration, the probes, the metrics and the walkthrough's produce/consume. */
export function basicScenarios(s: KafkaSuite): void {
    it("1. the three brokers register: /kafka/brokers/ids holds 0, 1, 2 under the chroot, each with its zone as rack; without their credentials nobody changes it", async () => {
        const t0 = Date.now();
        s.kafka.brokers.forEach((b) => b.start());
        const zk = (await PinnedClient.connect(`${s.ensemble.servers[0].address}:${s.ensemble.clientPort}`))!;
        try {
            const ids = await waitFor("three broker registrations", 90_000, async () => {
                const dead = s.kafka.brokers.find((b) => !b.running);
                if (dead) throw new Error(`${dead.hostname} exited: see ${dead.dir}/container.log`);
                const children = (await zk.children("/kafka/brokers/ids")) ?? [];
                return children.length === 3 ? children.sort() : undefined;
            }, 500);
            s.figures["time for the brokers to register"] = `${Date.now() - t0} ms`;
            assert.deepEqual(ids, ["0", "1", "2"]);
            // broker.rack from each pod's zone (what the downward API gives it here): replicas spread over zones.
            const racks = await Promise.all(ids.map(async (id) => (JSON.parse((await zk.get(`/kafka/brokers/ids/${id}`))!) as { rack?: string }).rack));
            assert.deepEqual(racks, ["zone-a", "zone-b", "zone-c"]);
            // kafka.zookeeperAcl secure: the brokers logged in (SASL) and wrote their znodes with ACLs.
            // A client that reaches 2181 without their credentials reads Kafka's metadata, and changes none of it.
            const NO_AUTH = -102;
            for (const node of ["/kafka/brokers/ids/0", "/kafka/brokers/topics", "/kafka/controller", "/kafka/config"]) {
                assert.equal(await zk.change(node, "setData"), NO_AUTH, `setData ${node}`);
            }
            assert.equal(await zk.change("/kafka/brokers/ids/0", "delete"), NO_AUTH, "delete a broker's registration");
            assert.equal(await zk.create("/kafka/brokers/ids/99", "{}"), false, "register a fake broker");
        } finally {
            zk.close();
        }
        // Each broker sees its own key only (the kafka-tls volume's items and the mount's subPathExpr, laid out as the kubelet does).
        for (const b of s.kafka.brokers) {
            const tlsDir = b.localize("/etc/kafka-tls");
            assert.deepEqual(fs.readdirSync(tlsDir).sort(), ["ca.crt", "tls.crt", "tls.key"], b.hostname);
            assert.equal(fs.readFileSync(path.join(tlsDir, "tls.key"), "utf8"), s.pki.leaves[`kafka-pki-${b.hostname}`].key, `${b.hostname}'s own key`);
        }
        // The rendered kafka-access Job, as `pulumi up` runs it once the brokers are up.
        const t1 = Date.now();
        const job = await s.kafka.runAccessJob(s.stack, 0);
        s.figures["kafka-access Job (2 SCRAM users, 12 ACL entries)"] = `${Date.now() - t1} ms`;
        assert.equal(job.code, 0, job.log);
        assert.match(job.log, /user app: credential written/);
        // The 8 declared entries, and the lag exporter's 4: Describe on the groups and topics the ACLs name (verify-, console-consumer-, app., test).
        assert.match(job.log, /2 user\(s\), 12 ACL entries in place/);
        await s.admin.connect();
    });

    it("2. the rendered readiness and liveness probes pass on every broker", async () => {
        for (const b of s.kafka.brokers) {
            await s.ready(b);
            const live = b.probe("livenessProbe");
            assert.ok(live.ok, live.output);
        }
    });

    it("2b. every broker's JMX exporter agent (the jar Maven Central publishes) serves the metrics the alerts and the dashboard read", async () => {
        const published = fs.readFileSync(serverClasspath("jmx-exporter", JMX_EXPORTER.version));
        assert.ok(jmxExporterJar().equals(published), `components/kafka/files/${JMX_EXPORTER.file} is Maven Central's jar, byte for byte`);
        const expected = queriedMetrics().kafka;
        assert.ok(expected.includes("kafka_server_replicamanager_underminisrpartitioncount"), expected.join(", "));
        const scrapes = await Promise.all(s.kafka.brokers.map((b) => s.metricsOf(b)));
        scrapes.forEach((m, i) => assert.deepEqual(expected.filter((n) => !m.has(n)), [], `kafka-${i} serves every queried metric`));
        // KafkaNoActiveController and KafkaMultipleActiveControllers sum this over the brokers: exactly one controller.
        assert.equal(scrapes.reduce((a, m) => a + (total(m, "kafka_controller_kafkacontroller_activecontrollercount") ?? 0), 0), 1);
        const series = scrapes[0].size;
        s.figures["metric families per broker (bounded rules)"] = series;
        assert.ok(series < 150, `${series} metric families: the rules keep the scrape small`);
    });

    it("3. the walkthrough's check with Kafka's own tools: create test (3 partitions, RF 3), produce, consume", async () => {
        // As the declared user `app`, from what its Secret holds, over TLS to the brokers' stable names.
        const bootstrap = s.kafka.bootstrap.join(",");
        const properties = userClientProperties(s.ensemble.root, "app", s.passwords.app, s.kafka, s.pki.ca.cert);
        const create = await s.kafka.tool("org.apache.kafka.tools.TopicCommand",
            ["--bootstrap-server", bootstrap, "--command-config", properties, "--create", "--topic", "test", "--partitions", "3", "--replication-factor", "3"]);
        assert.equal(create.code, 0, create.stderr);
        const lines = ["hello", "world", "from", "zk-kafka-gke"];
        const produce = await s.kafka.tool("kafka.tools.ConsoleProducer", ["--bootstrap-server", bootstrap, "--producer.config", properties, "--topic", "test",
            "--producer-property", "acks=all"], `${lines.join("\n")}\n`);
        assert.equal(produce.code, 0, produce.stderr);
        const consume = await s.kafka.tool("org.apache.kafka.tools.consumer.ConsoleConsumer", ["--bootstrap-server", bootstrap, "--consumer.config", properties,
            "--topic", "test", "--from-beginning", "--max-messages", String(lines.length), "--timeout-ms", "30000"]);
        assert.equal(consume.code, 0, consume.stderr);
        assert.deepEqual(consume.stdout.trim().split("\n").sort(), [...lines].sort());
        // After traffic: a series per request version (the version a label, kafka/metrics.ts), and
        // no name and label set served twice (sums would count it twice, or a scraper keep one).
        const scrapes = await Promise.all(s.kafka.brokers.map((b) => s.metricsOf(b)));
        for (const m of scrapes) {
            for (const [name, samples] of m) {
                const keys = samples.map((x) => JSON.stringify(Object.entries(x.labels).sort()));
                assert.equal(new Set(keys).size, keys.length, `${name} serves a label set twice`);
            }
        }
        assert.ok(scrapes.some((m) => (m.get("kafka_network_requestmetrics_requests_total") ?? [])
            .some((x) => x.labels.request === "Produce" && /^\d+$/.test(x.labels.version ?? ""))), "Produce requests counted per version");
        await s.admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    });
}
