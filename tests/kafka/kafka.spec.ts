import { strict as assert } from "assert";
import { Admin, Kafka } from "kafkajs";
import { render } from "../harness/render";
import { PinnedClient } from "../zookeeper/client";
import { LocalEnsemble } from "../zookeeper/local-ensemble";
import { LocalPod, waitFor } from "../servers/local-pod";
import { printFigures, requireServers } from "../servers/jars";
import { LocalKafka } from "./local-kafka";
import { Ledger, WriteLoop, client, consumeAll, errorType, isrFull } from "./client";

// The rendered Kafka (start script, server.properties, env, probes) run for real as three
// brokers of the image's version on the rendered ensemble: registration, the walkthrough's
// produce/consume, a rolling restart, broker and ZooKeeper losses, kill -9 and a full restart,
// with every acknowledged message checked, exactly once and in order.
const BUDGET_MS = 180_000;
const TOPIC = "loop";

describe("the rendered Kafka cluster, run as three real brokers on the real ensemble", function () {
    this.timeout(120_000);
    const started = Date.now();
    let ensemble: LocalEnsemble;
    let kafka: LocalKafka;
    let kc: Kafka;
    let admin: Admin;
    const ledger = new Ledger();
    const figures: Record<string, string | number> = {};

    // Small heaps for a 2-core machine: the config, not a substitution, says so.
    const config = { "zookeeper.heap": "256M", "zookeeper.memory": "512Mi", "kafka.heap": "384m", "kafka.memory": "1Gi" };

    const ready = (b: LocalPod, timeoutMs = 60_000) => waitFor(`${b.hostname}'s rendered readiness probe`, timeoutMs, () => {
        if (!b.running) throw new Error(`${b.hostname} exited: see ${b.dir}/container.log`);
        return b.probe("readinessProbe").ok ? true : undefined;
    }, 500);
    const fullIsr = (timeoutMs = 60_000) => waitFor(`every partition of ${TOPIC} back to 3 in-sync replicas`, timeoutMs,
        async () => ((await isrFull(admin, TOPIC, kafka.brokers.length)) ? true : undefined), 500);
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
        const stack = await render(config);
        ensemble = await LocalEnsemble.create(stack);
        kafka = await LocalKafka.create(stack, ensemble.connectString, ensemble.root);
        ensemble.servers.forEach((s) => s.start());
        await ensemble.quorum();
        kc = client(kafka, "zk-kafka-gke-test");
        admin = kc.admin();
    });

    after(async function () {
        await admin?.disconnect().catch(() => undefined);
        kafka?.killAll();
        ensemble?.killAll();
        printFigures(figures, ensemble?.root, this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    it("1. the three brokers register: /kafka/brokers/ids holds 0, 1, 2 under the chroot", async () => {
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
        } finally {
            zk.close();
        }
        await admin.connect();
    });

    it("2. the rendered readiness and liveness probes pass on every broker", async () => {
        for (const b of kafka.brokers) {
            await ready(b);
            const live = b.probe("livenessProbe");
            assert.ok(live.ok, live.output);
        }
    });

    it("3. the walkthrough's check with Kafka's own tools: create test (3 partitions, RF 3), produce, consume", async () => {
        const bootstrap = kafka.bootstrap.join(",");
        const create = await kafka.tool("org.apache.kafka.tools.TopicCommand",
            ["--bootstrap-server", bootstrap, "--create", "--topic", "test", "--partitions", "3", "--replication-factor", "3"]);
        assert.equal(create.code, 0, create.stderr);
        const lines = ["hello", "world", "from", "zk-kafka-gke"];
        const produce = await kafka.tool("kafka.tools.ConsoleProducer", ["--bootstrap-server", bootstrap, "--topic", "test",
            "--producer-property", "acks=all"], `${lines.join("\n")}\n`);
        assert.equal(produce.code, 0, produce.stderr);
        const consume = await kafka.tool("org.apache.kafka.tools.consumer.ConsoleConsumer", ["--bootstrap-server", bootstrap,
            "--topic", "test", "--from-beginning", "--max-messages", String(lines.length), "--timeout-ms", "30000"]);
        assert.equal(consume.code, 0, consume.stderr);
        assert.deepEqual(consume.stdout.trim().split("\n").sort(), [...lines].sort());
        await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
    });

    it("4. a rolling restart as the StatefulSet rolls (kafka-2, 1, 0; SIGTERM, restart, readiness) loses no acknowledged message", async () => {
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(100);
        const t0 = Date.now();
        for (const b of [...kafka.brokers].reverse()) {
            await b.stop("SIGTERM", kafka.graceMs);
            const stopped = b.probe("readinessProbe");
            assert.ok(!stopped.ok, `the readiness probe fails on the stopped ${b.hostname}`);
            assert.ok(!b.probe("livenessProbe").ok, `and so does liveness on ${b.hostname}`);
            const t1 = Date.now();
            b.start();
            await ready(b);
            figures[`${b.hostname} back to ready after its restart`] = `${Date.now() - t1} ms`;
        }
        figures["rolling restart of three brokers"] = `${Date.now() - t0} ms`;
        const t2 = Date.now();
        await fullIsr();
        figures["ISR full again after the roll's last restart"] = `${Date.now() - t2} ms`;
        await loop.progress(100);
        await loop.stop();
        figures["writes acknowledged during the roll"] = loop.acked;
        await verify("the rolling restart");
    });

    it("5. one broker down: acks=all writes succeed; two down: refused (NotEnoughReplicas); both back: writes resume, ISR refills", async () => {
        const [first, second] = [kafka.brokers[0], kafka.brokers[1]];
        await first.stop("SIGTERM", kafka.graceMs);
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

    it("7. a broker killed -9 in the middle of a write loop recovers its log, rejoins the ISR, nothing acknowledged is missing", async () => {
        const victim = kafka.brokers[1];
        const loop = await WriteLoop.start(kc, TOPIC, ledger);
        await loop.progress(60);
        await victim.stop("SIGKILL");
        await loop.progress(60);
        const t0 = Date.now();
        victim.start();
        await ready(victim);
        await fullIsr();
        figures["time for the killed broker to rejoin the ISR"] = `${Date.now() - t0} ms`;
        await loop.progress(30);
        await loop.stop();
        await verify("the kill -9");
    });

    it("8. everything stopped and started again from the data dirs: every acknowledged message is there", async () => {
        await admin.disconnect();
        await Promise.all(kafka.brokers.map((b) => b.stop("SIGTERM", kafka.graceMs)));
        await Promise.all(ensemble.servers.map((s) => s.stop("SIGTERM")));
        // Both at once, as a fresh `pulumi up` starts them: the brokers wait for the quorum themselves.
        kafka.brokers.forEach((b) => b.start());
        ensemble.servers.forEach((s) => s.start());
        await ensemble.quorum();
        for (const b of kafka.brokers) await ready(b, 90_000);
        await admin.connect();
        await fullIsr();
        await verify("the full restart");
        figures["messages acknowledged"] = ledger.acked.size;
        figures["sends that failed for good (never acknowledged)"] = ledger.failed;
        figures["whole test"] = `${Date.now() - started} ms`;
        assert.ok(ledger.acked.size >= 500, `${ledger.acked.size} acknowledged messages checked`);
        assert.ok(Date.now() - started < BUDGET_MS, `within ${BUDGET_MS} ms`);
    });
});
