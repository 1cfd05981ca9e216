import { strict as assert } from "assert";
import * as path from "path";
import { Admin, Kafka } from "kafkajs";
import { RenderedStack, render } from "../harness/render";
import { LocalEnsemble } from "../zookeeper/local-ensemble";
import { LocalPod, waitFor } from "../servers/local-pod";
import { printFigures, requireServers } from "../servers/jars";
import { scrape } from "../harness/prometheus";
import { JMX_EXPORTER } from "../../components/kafka";
import { MintedPki } from "../servers/pki";
import { LocalKafka } from "./local-kafka";
import { Ledger, client, consumeAll, isrFull } from "./client";
import { ACCESS_CONFIG, provideSecrets } from "./access";

/**
 * The goal for the whole suite on this machine (issue #24: under six minutes), reported with the
 * run's time and never asserted: identical runs on a 2-CPU VM spread 300-500 s with its load, so
 * any wall-clock bound fails a slow machine, not a slow program (a CI run at 496 s did). A hang is
 * caught by each test's own mocha timeout.
 */
export const GOAL_MS = 360_000;
/** The topic whose every acknowledged message is checked, exactly once and in order. */
export const TOPIC = "app.loop";
/** Big messages for throughput, never checked message by message. */
export const LOAD = "app.load";
/** The roll's load: paced to this, and required to reach the floor. */
export const LOAD_MBPS = 14;
export const LOAD_MBPS_FLOOR = 10;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What test:kafka's scenarios share, in order: the rendered ensemble and brokers on this machine,
 * the clients (a declared user, the admin certificate), the ledger of acknowledged messages and
 * the figures printed at the end. The scenarios (tests/kafka/scenarios-*.ts) run on it in turn.
 */
export class KafkaSuite {
    readonly started = Date.now();
    readonly ledger = new Ledger();
    readonly figures: Record<string, string | number> = {};
    // Small heaps for a 2-core machine: the config, not a substitution, says so.
    readonly config = { "zookeeper.heap": "256M", "zookeeper.memory": "512Mi", "kafka.heap": "384m", "kafka.memory": "1Gi", ...ACCESS_CONFIG };
    stack!: RenderedStack;
    ensemble!: LocalEnsemble;
    kafka!: LocalKafka;
    kc!: Kafka;
    admin!: Admin;
    pki!: MintedPki;
    passwords!: Record<string, string>;

    async start(ctx: Mocha.Context): Promise<void> {
        requireServers(ctx);
        this.stack = await render(this.config);
        this.ensemble = await LocalEnsemble.create(this.stack);
        ({ pki: this.pki, passwords: this.passwords } = provideSecrets(this.stack, path.join(this.ensemble.root, "pki")));
        this.kafka = await LocalKafka.create(this.stack, this.ensemble.connectString, this.ensemble.root);
        this.ensemble.servers.forEach((s) => s.start());
        await this.ensemble.quorum();
        // The applications' client is a declared user over TLS; topics and broker configs are
        // the admin certificate's business (a super user, on the replication listener).
        this.kc = client(this.kafka, "zk-kafka-gke-test", { ca: this.pki.ca.cert, user: "app", password: this.passwords.app });
        this.admin = client(this.kafka, "zk-kafka-gke-admin", { ca: this.pki.ca.cert, ...this.pki.leaves["kafka-pki-admin"] }).admin();
    }

    async stop(failed: boolean): Promise<void> {
        await this.admin?.disconnect().catch(() => undefined);
        this.kafka?.killAll();
        this.ensemble?.killAll();
        printFigures(this.figures, this.ensemble?.root, failed);
    }

    readonly ready = (b: LocalPod, timeoutMs = 60_000) => waitFor(`${b.hostname}'s rendered readiness probe`, timeoutMs, () => {
        if (!b.running) throw new Error(`${b.hostname} exited: see ${b.dir}/container.log`);
        return b.probe("readinessProbe").ok ? true : undefined;
    }, 500);

    readonly fullIsr = (timeoutMs = 60_000) => waitFor(`every partition of ${TOPIC} back to 3 in-sync replicas`, timeoutMs,
        async () => ((await isrFull(this.admin, TOPIC, this.kafka.brokers.length)) ? true : undefined), 500);

    readonly zkServer = () => `${this.ensemble.servers[0].address}:${this.ensemble.clientPort}`;
    readonly minIsr = () => Number(this.kafka.setting("min.insync.replicas"));
    readonly metricsOf = (b: LocalPod) => scrape(`http://${b.address}:${JMX_EXPORTER.port}/metrics`);

    /** Every acknowledged message of TOPIC is there, once and in order. */
    async verify(what: string): Promise<void> {
        const result = this.ledger.check(await consumeAll(this.kc, this.admin, TOPIC));
        this.figures[`lost after ${what}`] = result.lost.length;
        this.figures[`duplicates after ${what}`] = result.duplicates.length;
        assert.deepEqual(result.lost.slice(0, 5), [], `acknowledged messages missing after ${what}`);
        assert.deepEqual(result.duplicates.slice(0, 5), [], `messages present twice after ${what}`);
        assert.deepEqual(result.outOfOrder, [], `partitions out of order after ${what}`);
    }
}
