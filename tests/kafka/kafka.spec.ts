import { strict as assert } from "assert";
import { Admin, Kafka } from "kafkajs";
import { render } from "../harness/render";
import { PinnedClient } from "../zookeeper/client";
import { LocalEnsemble } from "../zookeeper/local-ensemble";
import { LocalPod, waitFor } from "../servers/local-pod";
import { printFigures, requireServers, serverClasspath } from "../servers/jars";
import * as fs from "fs";
import { execFileSync } from "child_process";
import { queriedMetrics } from "../harness/monitoring";
import { scrape, total } from "../harness/prometheus";
import { JMX_EXPORTER, KAFKA_NAMES, jmxExporterJar } from "../../components/kafka";
import { LocalKafka } from "./local-kafka";
import { Ledger, WriteLoop, client, consumeAll, errorType, isrFull } from "./client";
import { IsrSampler, LoadProducer, followerThrottle } from "./load";
import { readyAsKubelet, rollAsController, startAsController } from "../servers/rollout";
import { MintedPki } from "../servers/pki";
import { probeAddress, throughTheProbePort } from "./probe-door";
import { ACCESS_CONFIG, INTRUDER, aclsOf, fingerprint, handMadeDrift, loginRefusal, provideSecrets, rotateCertificates, servedCertificate, userClientProperties, whoIsRefused } from "./access";
import * as path from "path";

// The rendered Kafka (start script, server.properties, env, probes) run for real as three
// brokers of the image's version on the rendered ensemble: registration, the walkthrough's
// produce/consume, who may talk to Kafka (TLS, SCRAM users, ACLs applied by the rendered Job),
// a certificate rotation as a rolling restart, broker and ZooKeeper losses, kill -9 and a full
// restart, with every acknowledged message checked, exactly once and in order.
/**
 * The goal for the whole suite on this machine (issue #24: under six minutes), reported with the
 * run's time: on this noisy 2-CPU VM identical runs spread 300-380 s, so a timed assertion at the
 * goal would fail on a slow run, not on a slow program. Beyond the ceiling it is a hang or a
 * regression, never noise: that fails.
 */
const GOAL_MS = 360_000;
const CEILING_MS = 480_000;
const TOPIC = "app.loop";
/** Big messages for throughput, never checked message by message. */
const LOAD = "app.load";
/** The roll's load: paced to this, and required to reach the floor. */
const LOAD_MBPS = 14;
const LOAD_MBPS_FLOOR = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the rendered Kafka cluster, run as three real brokers on the real ensemble", function () {
    this.timeout(300_000);
    const started = Date.now();
    let ensemble: LocalEnsemble;
    let kafka: LocalKafka;
    let kc: Kafka;
    let admin: Admin;
    const ledger = new Ledger();
    const figures: Record<string, string | number> = {};

    // Small heaps for a 2-core machine: the config, not a substitution, says so.
    const config = { "zookeeper.heap": "256M", "zookeeper.memory": "512Mi", "kafka.heap": "384m", "kafka.memory": "1Gi", ...ACCESS_CONFIG };
    let stack: Awaited<ReturnType<typeof render>>;
    let pki: MintedPki;
    let passwords: Record<string, string>;

    const ready = (b: LocalPod, timeoutMs = 60_000) => waitFor(`${b.hostname}'s rendered readiness probe`, timeoutMs, () => {
        if (!b.running) throw new Error(`${b.hostname} exited: see ${b.dir}/container.log`);
        return b.probe("readinessProbe").ok ? true : undefined;
    }, 500);
    const fullIsr = (timeoutMs = 60_000) => waitFor(`every partition of ${TOPIC} back to 3 in-sync replicas`, timeoutMs,
        async () => ((await isrFull(admin, TOPIC, kafka.brokers.length)) ? true : undefined), 500);
    const zkServer = () => `${ensemble.servers[0].address}:${ensemble.clientPort}`;
    const minIsr = () => Number(kafka.setting("min.insync.replicas"));
    const metricsOf = (b: LocalPod) => scrape(`http://${b.address}:${JMX_EXPORTER.port}/metrics`);
    async function verify(what: string): Promise<void> {
        const result = ledger.check(await consumeAll(kc, admin, TOPIC));
        figures[`lost after ${what}`] = result.lost.length;
        figures[`duplicates after ${what}`] = result.duplicates.length;
        assert.deepEqual(result.lost.slice(0, 5), [], `acknowledged messages missing after ${what}`);
        assert.deepEqual(result.duplicates.slice(0, 5), [], `messages present twice after ${what}`);
        assert.deepEqual(result.outOfOrder, [], `partitions out of order after ${what}`);
    }

    before(async function () {
        requireServers(this);
        stack = await render(config);
        ensemble = await LocalEnsemble.create(stack);
        ({ pki, passwords } = provideSecrets(stack, path.join(ensemble.root, "pki")));
        kafka = await LocalKafka.create(stack, ensemble.connectString, ensemble.root);
        ensemble.servers.forEach((s) => s.start());
        await ensemble.quorum();
        // The applications' client is a declared user over TLS; topics and broker configs are
        // the admin certificate's business (a super user, on the replication listener).
        kc = client(kafka, "zk-kafka-gke-test", { ca: pki.ca.cert, user: "app", password: passwords.app });
        admin = client(kafka, "zk-kafka-gke-admin", { ca: pki.ca.cert, ...pki.leaves["kafka-pki-admin"] }).admin();
    });

    after(async function () {
        await admin?.disconnect().catch(() => undefined);
        kafka?.killAll();
        ensemble?.killAll();
        printFigures(figures, ensemble?.root, this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    it("1. the three brokers register: /kafka/brokers/ids holds 0, 1, 2 under the chroot, each with its zone as rack; without their credentials nobody changes it", async () => {
        const t0 = Date.now();
        kafka.brokers.forEach((b) => b.start());
        const zk = (await PinnedClient.connect(`${ensemble.servers[0].address}:${ensemble.clientPort}`))!;
        try {
            const ids = await waitFor("three broker registrations", 90_000, async () => {
                const dead = kafka.brokers.find((b) => !b.running);
                if (dead) throw new Error(`${dead.hostname} exited: see ${dead.dir}/container.log`);
                const children = (await zk.children("/kafka/brokers/ids")) ?? [];
                return children.length === 3 ? children.sort() : undefined;
            }, 500);
            figures["time for the brokers to register"] = `${Date.now() - t0} ms`;
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
        for (const b of kafka.brokers) {
            const tlsDir = b.localize("/etc/kafka-tls");
            assert.deepEqual(fs.readdirSync(tlsDir).sort(), ["ca.crt", "tls.crt", "tls.key"], b.hostname);
            assert.equal(fs.readFileSync(path.join(tlsDir, "tls.key"), "utf8"), pki.leaves[`kafka-pki-${b.hostname}`].key, `${b.hostname}'s own key`);
        }
        // The rendered kafka-access Job, as `pulumi up` runs it once the brokers are up.
        const t1 = Date.now();
        const job = await kafka.runAccessJob(stack, 0);
        figures["kafka-access Job (2 SCRAM users, 8 ACL entries)"] = `${Date.now() - t1} ms`;
        assert.equal(job.code, 0, job.log);
        assert.match(job.log, /user app: credential written/);
        assert.match(job.log, /2 user\(s\), 8 ACL entries in place/);
        await admin.connect();
    });

    it("2. the rendered readiness and liveness probes pass on every broker", async () => {
        for (const b of kafka.brokers) {
            await ready(b);
            const live = b.probe("livenessProbe");
            assert.ok(live.ok, live.output);
        }
    });

    it("2b. every broker's JMX exporter agent (the jar Maven Central publishes) serves the metrics the alerts and the dashboard read", async () => {
        const published = fs.readFileSync(serverClasspath("jmx-exporter", JMX_EXPORTER.version));
        assert.ok(jmxExporterJar().equals(published), `components/kafka/files/${JMX_EXPORTER.file} is Maven Central's jar, byte for byte`);
        const expected = queriedMetrics().kafka;
        assert.ok(expected.includes("kafka_server_replicamanager_underminisrpartitioncount"), expected.join(", "));
        const scrapes = await Promise.all(kafka.brokers.map((b) => metricsOf(b)));
        scrapes.forEach((m, i) => assert.deepEqual(expected.filter((n) => !m.has(n)), [], `kafka-${i} serves every queried metric`));
        // KafkaActiveControllerCount sums this over the brokers: exactly one controller.
        assert.equal(scrapes.reduce((a, m) => a + (total(m, "kafka_controller_kafkacontroller_activecontrollercount") ?? 0), 0), 1);
        const series = scrapes[0].size;
        figures["metric families per broker (bounded rules)"] = series;
        assert.ok(series < 150, `${series} metric families: the rules keep the scrape small`);
    });

    it("3. the walkthrough's check with Kafka's own tools: create test (3 partitions, RF 3), produce, consume", async () => {
        // As the declared user `app`, from what its Secret holds, over TLS to the brokers' stable names.
        const bootstrap = kafka.bootstrap.join(",");
        const properties = userClientProperties(ensemble.root, "app", passwords.app, kafka, pki.ca.cert);
        const create = await kafka.tool("org.apache.kafka.tools.TopicCommand",
            ["--bootstrap-server", bootstrap, "--command-config", properties, "--create", "--topic", "test", "--partitions", "3", "--replication-factor", "3"]);
        assert.equal(create.code, 0, create.stderr);
        const lines = ["hello", "world", "from", "zk-kafka-gke"];
        const produce = await kafka.tool("kafka.tools.ConsoleProducer", ["--bootstrap-server", bootstrap, "--producer.config", properties, "--topic", "test",
            "--producer-property", "acks=all"], `${lines.join("\n")}\n`);
        assert.equal(produce.code, 0, produce.stderr);
        const consume = await kafka.tool("org.apache.kafka.tools.consumer.ConsoleConsumer", ["--bootstrap-server", bootstrap, "--consumer.config", properties,
            "--topic", "test", "--from-beginning", "--max-messages", String(lines.length), "--timeout-ms", "30000"]);
        assert.equal(consume.code, 0, consume.stderr);
        assert.deepEqual(consume.stdout.trim().split("\n").sort(), [...lines].sort());
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    });

    it("3b. only declared users, over TLS, with their ACLs: a wrong password, an undeclared user, PLAINTEXT, an untrusted CA, a foreign certificate and a write without the ACL are refused", async () => {
        const refused = await whoIsRefused(kafka, pki, passwords, ensemble.root);
        figures["refusals"] = JSON.stringify(refused);
        for (const what of ["a wrong password", "an undeclared user"]) assert.match(refused[what], /SASL|[Aa]uthentication failed/, what);
        assert.notEqual(refused["a plaintext connection"], "", "PLAINTEXT to the clients' listener");
        assert.match(refused["a client that does not trust the CA"], /certificate/, "a CA the client does not know");
        assert.equal(refused["a user without Write"], "TOPIC_AUTHORIZATION_FAILED");
        assert.equal(refused["a certificate user writing its topic"], "", "mutual TLS: the principal User:CN=certapp and its ACL");
        assert.equal(refused["a certificate user without the ACL"], "TOPIC_AUTHORIZATION_FAILED");
        assert.notEqual(refused["CN=certapp from another CA"], "", "the name alone is nothing: the brokers' CA must have signed it");
        // `reader` removed from the config: the Job run again removes its credential and ACLs, and leaves the rest as it is.
        stack = await render({ ...config, "kafka.users": ACCESS_CONFIG["kafka.users"].filter((u) => u.name !== "reader"),
            "kafka.acls": ACCESS_CONFIG["kafka.acls"].filter((a) => a.user !== "reader") });
        const job = await kafka.runAccessJob(stack, 1);
        assert.equal(job.code, 0, job.log);
        assert.match(job.log, /user reader: removed/);
        assert.deepEqual(job.log.split("\n").filter((l) => l.includes("ACL (")), ["kafka-access: ACL (remove): LITERAL User:reader * ALLOW DESCRIBE,READ TOPIC:test"],
            "only what changed: app's ACLs are not touched");
        assert.match(await loginRefusal(kafka, { ca: pki.ca.cert, user: "reader", password: passwords.reader }), /SASL|[Aa]uthentication failed/,
            "reader's own password no longer logs in");
        assert.equal(await loginRefusal(kafka, { ca: pki.ca.cert, user: "app", password: passwords.app }), "", "app still does");
    });

    it("3c. the probe's loopback listener (what kubectl port-forward reaches) admits no one without this start's password: no topic, ACL, config, message or credential", async () => {
        for (const login of [undefined, { password: "guessed" }]) {
            const tried = await throughTheProbePort(kafka, 0, login);
            figures[`probe port, ${login ? "a guessed password" : "no login"}`] = JSON.stringify(tried);
            for (const [what, answer] of Object.entries(tried)) assert.notEqual(answer, "", `${what} ${login ? "with a guessed password" : "without a login"}`);
        }
        // The listener is up and judges logins: a guessed password is an authentication failure, and the
        // rendered readiness probe, with this start's password, passes on every broker (scenario 2).
        assert.match(JSON.parse(figures["probe port, a guessed password"] as string)["list topics"], /SASL|[Aa]uthentication/);
        const quick = path.join(ensemble.root, "probe-port.properties");
        fs.writeFileSync(quick, "default.api.timeout.ms=8000\nrequest.timeout.ms=4000\n");
        const scram = await kafka.tool("kafka.admin.ConfigCommand", ["--bootstrap-server", probeAddress(kafka, 0), "--command-config", quick,
            "--describe", "--entity-type", "users"], undefined, 30_000);
        assert.notEqual(scram.code, 0, `SCRAM credentials listed through the probe port without a login:\n${scram.stdout}`);
    });

    it("3d. every access run converges exactly, adding before it removes: drift made by hand goes at the reconcile CronJob's run, and a changed grant never leaves its user refused", async () => {
        await handMadeDrift(kafka, admin, pki, ensemble.root);
        // A changed grant: app's on topic test moves from LITERAL test (All) to PREFIXED te, with a
        // two-word operation (kafka-acls spells it DESCRIBECONFIGS).
        const acls = ACCESS_CONFIG["kafka.acls"].filter((a) => a.user !== "reader")
            .map((a) => (a.user === "app" && a.topic === "test" ? { ...a, topic: "te", pattern: "prefixed", operations: ["Read", "Write", "Describe", "DescribeConfigs"] } : a));
        stack = await render({ ...config, "kafka.users": ACCESS_CONFIG["kafka.users"].filter((u) => u.name !== "reader"), "kafka.acls": acls });
        // app keeps writing to test all through the run: not one send may be refused.
        const producer = kc.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
        await producer.connect();
        const refused: string[] = [];
        let sends = 0;
        let writing = true;
        const writer = (async () => {
            while (writing) {
                await producer.send({ topic: "test", acks: -1, messages: [{ value: "through the access run" }] }).then(() => sends++, (e) => refused.push(errorType(e)));
                await sleep(200);
            }
        })();
        const run = await kafka.runAccessJob(stack, 2, "CronJob");
        writing = false;
        await writer;
        await producer.disconnect();
        figures["access run: sends by app during it, refused"] = `${sends}, ${refused.length}`;
        assert.equal(run.code, 0, run.log);
        const changes = run.log.split("\n").filter((l) => l.includes("ACL (") || l.includes(": removed") || l.includes(" removed ("));
        figures["access run: what it changed"] = JSON.stringify(changes);
        const at = (re: RegExp) => changes.findIndex((l) => re.test(l));
        assert.ok(at(/ACL \(add\): PREFIXED User:app \* ALLOW \S*DESCRIBE_CONFIGS\S* TOPIC:te/) >= 0, run.log);
        assert.ok(at(/ACL \(add\)/) < at(/ACL \(remove\)/), `additions first: ${JSON.stringify(changes)}`);
        assert.ok(at(/ACL \(remove\): LITERAL User:CN=intruder, O=Example Corp \* ALLOW READ TOPIC:test/) >= 0, "the principal with commas, whole");
        assert.ok(at(/ACL \(remove\): LITERAL User:app \* ALLOW \S*ALTER_CONFIGS\S* TOPIC:test/) >= 0, "the operation added by hand to a declared user");
        assert.match(run.log, /user mallory256: removed \(not in kafka\.users\)/, "a user with SCRAM-SHA-256 only");
        assert.match(run.log, /user app: SCRAM-SHA-256 removed/);
        assert.deepEqual(refused, [], "app was never refused while its grant changed");
        assert.deepEqual(await aclsOf(admin, INTRUDER), []);
        // A second run finds nothing to change.
        const again = await kafka.runAccessJob(stack, 3, "CronJob");
        assert.equal(again.code, 0, again.log);
        assert.deepEqual(again.log.split("\n").filter((l) => l.includes("ACL (") || /removed/.test(l)), [], again.log);
        assert.equal(await loginRefusal(kafka, { ca: pki.ca.cert, user: "app", password: passwords.app }), "", "app's SCRAM-SHA-512 login stays");
    });

    it("4. a certificate rotation rolls the brokers as the StatefulSet controller does, under >= 10 MB/s of acks=all load: no partition below min ISR, no write refused or lost", async () => {
        // New keys and certificates from the same CA in the kafka-tls Secret (certificateGeneration + 1),
        // which the kubelet puts in the pods' volume; the changed pod template rolls them.
        const rotated = rotateCertificates(stack, kafka, pki, path.join(ensemble.root, "pki-rotated"));
        await admin.createTopics({ topics: [{ topic: LOAD, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true });
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(100);
        const load = await LoadProducer.start(kc, LOAD, { targetMBps: LOAD_MBPS });
        const isr = await IsrSampler.start(zkServer(), kafka.chroot, minIsr());
        await sleep(5000);
        const t0 = Date.now();
        const roll = await rollAsController(kafka.brokers, { graceMs: kafka.graceMs, readyTimeoutMs: 180_000 });
        figures["controller-paced roll of three brokers"] = `${Date.now() - t0} ms`;
        for (const [pod, ms] of Object.entries(roll.readyAfterMs)) figures[`${pod} Ready after its deletion`] = `${ms} ms`;
        await sleep(3000);
        await isr.stop();
        await load.stop();
        await loop.progress(50);
        await loop.stop();
        const below = Math.round(isr.partitionSecondsBelowMinIsr * 10) / 10;
        console.log(`      load reached: ${load.mbps.toFixed(1)} MB/s acks=all (${(load.bytesAcked / 1e6).toFixed(0)} MB)`);
        console.log(`      partition-seconds below min ISR: ${below}`);
        console.log(`      NOT_ENOUGH_REPLICAS errors: ${load.notEnoughReplicas}`);
        figures["roll: load MB/s"] = load.mbps.toFixed(1);
        figures["roll: ISR samples from ZooKeeper"] = isr.samples;
        figures["roll: partition-seconds below min ISR"] = below;
        figures["roll: refused sends by error"] = JSON.stringify(Object.fromEntries(load.errors));
        assert.equal(roll.stalled, undefined, `the roll stalled: ${JSON.stringify(roll.stalled)}`);
        assert.deepEqual(roll.stopped, ["kafka-2", "kafka-1", "kafka-0"]);
        assert.equal(below, 0, `partitions below min.insync.replicas during the roll: ${JSON.stringify([...isr.belowMinIsr])}`);
        assert.equal(load.notEnoughReplicas, 0, `sends refused for lack of in-sync replicas: ${JSON.stringify([...load.errors])}`);
        assert.ok(load.mbps >= LOAD_MBPS_FLOOR, `the load reached ${load.mbps.toFixed(1)} MB/s, below ${LOAD_MBPS_FLOOR}`);
        await verify("the controller-paced roll");
        for (const [i, b] of kafka.brokers.entries()) {
            assert.equal(await servedCertificate(kafka, i, kafka.port, pki.ca.cert), fingerprint(rotated.leaves[`kafka-pki-${b.hostname}`].cert), `${b.hostname} serves its new certificate`);
        }
    });

    it("4b. a broker whose replicas cannot catch up is never Ready, and the roll stops at it; once they can, it turns Ready", async () => {
        // Kafka's replication quota on kafka-2's follower replicas: at 1 kB/s it cannot fetch what was written while it was down.
        const throttle = await followerThrottle(admin, 2, [TOPIC, LOAD]);
        await throttle("1000", true);
        const load = await LoadProducer.start(kc, LOAD, { targetMBps: 5 });
        // While kafka-2 is down, 10 MB it must fetch again are acknowledged by the other two: at
        // 1 kB/s it cannot. (Without this, a restart that finds production stalled, as when
        // kafka-2 was the controller, may have nothing to catch up and be Ready at once.)
        const roll = rollAsController(kafka.brokers, { graceMs: kafka.graceMs, readyTimeoutMs: 35_000, whileDown: () => load.acknowledge(10e6) });
        const result = await roll;
        await load.stop();
        figures["stalled roll: what the readiness probe said"] = result.stalled?.output ?? "";
        assert.deepEqual(result.stopped, ["kafka-2"], "the roll goes no further than the broker that cannot catch up");
        assert.equal(result.stalled?.pod, "kafka-2");
        assert.match(result.stalled!.output, /not in the ISR of \d+ partition/);
        await throttle("10000000000", false);
        const t0 = Date.now();
        const after = await readyAsKubelet(kafka.brokers[2], 120_000);
        assert.ok(after.ready, after.output);
        figures["kafka-2 Ready after the throttle was lifted"] = `${Date.now() - t0} ms`;
        await fullIsr();
    });

    it("5. one broker down: a roll restarts no other broker, acks=all writes succeed; two down: refused (NotEnoughReplicas); both back: writes resume, ISR refills", async () => {
        const [first, second, survivor] = kafka.brokers;
        const underMinIsr = async () => total(await metricsOf(survivor), "kafka_server_replicamanager_underminisrpartitioncount") ?? -1;
        assert.equal(await underMinIsr(), 0, "healthy: KafkaUnderMinIsrPartitions stays quiet");
        await first.stop("SIGTERM", kafka.graceMs);
        // A roll (a `pulumi up` that changes the template) while kafka-0 is down for good: the
        // controller, under the rendered policy, restarts no other broker. Under Parallel it
        // would take kafka-2 down at once and leave every partition on one in-sync replica.
        const isr = await IsrSampler.start(zkServer(), kafka.chroot, minIsr());
        const readinessMs = (kafka.brokers[0].pod.container.readinessProbe.periodSeconds ?? 10) * 1000;
        const held = await rollAsController(kafka.brokers, { graceMs: kafka.graceMs, readyTimeoutMs: 2.5 * readinessMs });
        await isr.stop();
        console.log(`      brokers restarted while another was down: ${held.stopped.length}`);
        figures["brokers restarted while another was down"] = held.stopped.length;
        figures["held roll: partition-seconds below min ISR"] = isr.partitionSecondsBelowMinIsr;
        assert.deepEqual(held.stopped, [], "no broker is restarted while kafka-0 is down");
        assert.equal(held.stalled?.pod, "kafka-0", "the roll waits on the broker that is down");
        assert.equal(isr.partitionSecondsBelowMinIsr, 0, `below min ISR with one broker down: ${JSON.stringify([...isr.belowMinIsr])}`);
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(50);
        await loop.stop();
        await second.stop("SIGTERM", kafka.graceMs);
        const strict = kc.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
        await strict.connect();
        const refusals: string[] = [];
        for (let i = 0; i < 6; i++) {
            const message = ledger.next();
            try {
                const [meta] = await strict.send({ topic: TOPIC, acks: -1, timeout: 5000, messages: [message] });
                ledger.acked.set(message.value, meta.partition);
            } catch (e) {
                refusals.push(errorType(e));
            }
        }
        await strict.disconnect();
        figures["writes acknowledged with two of three brokers down"] = 6 - refusals.length;
        // What KafkaUnderMinIsrPartitions sums: the survivor leads every partition now, each with one in-sync replica.
        const below = await waitFor("the survivor to report partitions under min ISR", 30_000, async () => ((await underMinIsr()) > 0 ? underMinIsr() : undefined));
        figures["under-min-ISR partitions scraped with two brokers down"] = below;
        assert.equal(refusals.length, 6, "no write is acknowledged below min.insync.replicas");
        assert.ok(refusals.some((t) => /NOT_ENOUGH_REPLICAS/.test(t)), `refused for lack of replicas: ${refusals.join(", ")}`);
        const t0 = Date.now();
        first.start();
        second.start();
        await Promise.all([ready(first), ready(second)]);
        const resumed = await WriteLoop.start(kc, TOPIC, ledger);
        await resumed.progress(30);
        await resumed.stop();
        await fullIsr();
        figures["time for two restarted brokers to rejoin the ISR"] = `${Date.now() - t0} ms`;
    });

    it("6. one ZooKeeper server (the leader) stopped while producing: no write fails", async () => {
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(50);
        const failedBefore = ledger.failed;
        const leader = (await ensemble.leader())!;
        await leader.stop("SIGTERM");
        await loop.progress(150);
        await loop.stop();
        figures["failed writes while a ZooKeeper server was down"] = ledger.failed - failedBefore;
        assert.equal(ledger.failed - failedBefore, 0);
        leader.start();
        await ensemble.quorum();
    });

    it("7. a broker with over 1 GB of log, killed -9 under load, recovers its log without its startup or liveness probe killing it, rejoins the ISR, nothing acknowledged is missing", async () => {
        const victim = kafka.brokers[1];
        const load = await LoadProducer.start(kc, LOAD, { targetMBps: LOAD_MBPS });
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(60);
        // Writes since the last recovery-point checkpoint (every 60 s): what recovery must re-read.
        await load.acknowledge(100e6);
        const logBytes = Number(execFileSync("du", ["-sb", victim.volume(KAFKA_NAMES.dataClaim)], { encoding: "utf8" }).split("\t")[0]);
        assert.ok(logBytes >= 1e9, `${victim.hostname} holds ${(logBytes / 1e9).toFixed(2)} GB of log: scenario 4's load should have left over 1 GB`);
        await victim.stop("SIGKILL");
        await loop.progress(60);
        await load.stop();
        const t0 = Date.now();
        const logStart = fs.statSync(path.join(victim.dir, "container.log")).size;
        victim.start();
        // As the kubelet runs the rendered probes: the startup probe's budget covers log recovery, liveness only then.
        const restarted = await readyAsKubelet(victim, 600_000);
        assert.equal(restarted.killedBy, undefined, restarted.output);
        assert.ok(restarted.ready, restarted.output);
        const log = fs.readFileSync(path.join(victim.dir, "container.log"), "utf8").slice(logStart);
        const recovered = (log.match(/Recovering unflushed segment/g) ?? []).length;
        const loadedMs = Number(/Loaded \d+ logs in (\d+)ms/.exec(log)?.[1] ?? NaN);
        const startup = victim.pod.container.startupProbe;
        const budgetS = (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3);
        const recovery = `${(logBytes / 1e9).toFixed(2)} GB of log, ${recovered} unflushed segment(s) recovered, logs loaded in ${loadedMs} ms; ` +
            `startup probe passed after ${((restarted.startedAfterMs ?? 0) / 1000).toFixed(0)} s of its ${budgetS} s budget`;
        console.log(`      log recovery after kill -9: ${recovery}`);
        figures["log recovery after kill -9"] = recovery;
        assert.ok(recovered > 0, "the kill left unflushed segments to recover");
        assert.ok((restarted.startedAfterMs ?? Infinity) < budgetS * 1000 / 4, "recovery used under a quarter of the startup budget");
        await fullIsr();
        figures["time for the killed broker to rejoin the ISR"] = `${Date.now() - t0} ms`;
        await loop.progress(30);
        await loop.stop();
        await verify("the kill -9");
        // The load's gigabyte has served its purpose: the full restart runs with the checked topic only.
        await admin.deleteTopics({ topics: [LOAD], timeout: 30_000 });
    });

    it("8. everything stopped and started again from the data dirs: every acknowledged message is there", async () => {
        await admin.disconnect();
        // One after another, kafka-2 last: every partition's last in-sync replica is kafka-2's,
        // so the first broker back finds them all without a leader.
        for (const b of kafka.brokers) await b.stop("SIGTERM", kafka.graceMs);
        await Promise.all(ensemble.servers.map((s) => s.stop("SIGTERM")));
        // As the controllers re-create them: the servers at once (their policy), the brokers
        // under theirs (OrderedReady: each once the one before is Ready), waiting for the quorum
        // themselves. kafka-0 must be Ready while kafka-2's partitions have no leader.
        ensemble.servers.forEach((s) => s.start());
        const stuck = await startAsController(kafka.brokers, 120_000);
        assert.equal(stuck, undefined, `the full restart stopped at ${stuck?.pod}: ${stuck?.output}`);
        await ensemble.quorum();
        await admin.connect();
        await fullIsr();
        await verify("the full restart");
        figures["messages acknowledged"] = ledger.acked.size;
        figures["sends that failed for good (never acknowledged)"] = ledger.failed;
        figures["whole test"] = `${Date.now() - started} ms`;
        assert.ok(ledger.acked.size >= 500, `${ledger.acked.size} acknowledged messages checked`);
        const took = Date.now() - started;
        console.log(`      whole suite: ${(took / 1000).toFixed(0)} s (goal: under ${GOAL_MS / 1000} s on this machine)`);
        assert.ok(took < CEILING_MS, `${took} ms: beyond ${CEILING_MS} ms this is a hang or a regression`);
    });
});
