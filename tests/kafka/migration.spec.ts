import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from "kafkajs";
import { RenderedStack, find, rejection, render } from "../harness/render";
import { readyAsKubelet, rollAsController } from "../servers/rollout";
import { LocalPod, offlineSecrets } from "../servers/local-pod";
import { mintPki, pkiSecrets } from "../servers/pki";
import { JMX_EXPORTER } from "../../components/kafka";
import { WriteLoop } from "./client";
import { IsrSampler, LoadProducer } from "./load";
import { adminToolProperties, whoIsRefused } from "./access";
import { KafkaSuite, LOAD, LOAD_MBPS, TOPIC, sleep } from "./suite";
import { hangGuard } from "../servers/hang-guard";

type Phase = "zookeeper" | "migration" | "kraft" | "rollback";

/**
 * The move from ZooKeeper to KRaft (kafka.metadata) on the rendered brokers and controllers, each
 * phase as its `pulumi up` does it: the render of that phase, accepted against the last one's
 * deployed record; the new certificates; the objects in the order the program's dependencies
 * give (the controllers' StatefulSet, the brokers' roll as the StatefulSet controller paces it,
 * the phase Job that must complete for the update to end), under acks=all load. First a
 * migration rolled back, then a migration finalised. Throughout: nothing acknowledged is lost,
 * and topics, ACLs, SCRAM users and who is refused are the same at the end as at the start.
 */
describe("from ZooKeeper to KRaft on three real brokers, one pulumi up per phase, under acks=all load", function () {
    // Slowest seen: over 420 s (migration then kraft, in CI, where 420 s was once too little).
    this.timeout(hangGuard(450_000));
    const s = new KafkaSuite();
    let last: RenderedStack;
    let atStart: Inventory;
    let refusedBefore: Record<string, string>;
    let accessRuns = 0;
    // Every broker and controller process that ran, to stop them all at the end.
    const processes = new Set<LocalPod>();

    before(async function () {
        await s.start(this);
        s.kafka.brokers.forEach((b) => b.start());
        await Promise.all(s.kafka.brokers.map((b) => s.ready(b, 120_000)));
        const job = await s.kafka.runAccessJob(s.stack, accessRuns++);
        assert.equal(job.code, 0, job.log);
        await s.admin.connect();
        await s.admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }, { topic: LOAD, numPartitions: 6, replicationFactor: 3 },
            { topic: "test", numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
        last = s.stack;
        atStart = await inventory(s);
        refusedBefore = await whoIsRefused(s.kafka, s.pki, s.passwords, s.ensemble.root);
    });
    after(async function () {
        // Issue #37's goal for the whole run, reported with the run's time and never asserted (a busy machine is slower, not wrong).
        s.figures["the whole run"] = `${Math.round((Date.now() - s.started) / 1000)} s (goal 480 s)`;
        for (const p of processes) p.kill();
        await s.stop(this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    /** One `pulumi up` of kafka.metadata `phase`, in the program's order, under load. */
    async function up(phase: Phase): Promise<void> {
        const next = await render({ ...s.config, "kafka.metadata": phase }, "dev", last.outputs);
        // The certificates the update keeps or makes (the controllers' first), into the Secrets.
        s.pki = mintPki(next, path.join(s.ensemble.root, `pki-${phase}-${accessRuns}`), s.pki);
        for (const [key, value] of Object.entries(pkiSecrets(s.pki))) offlineSecrets.set(key, value);
        const was = s.kafka;
        const now = was.next(next);
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        const load = await LoadProducer.start(s.kc, LOAD, { targetMBps: LOAD_MBPS });
        // KRaft brokers keep the ISR in the quorum only once the controllers are finalised; before, ZooKeeper has it (dual write).
        const isr = phase === "kraft" ? IsrSampler.fromAdmin(s.admin, [TOPIC, LOAD], s.minIsr()) : await IsrSampler.start(s.zkServer(), s.kafka.chroot, s.minIsr());
        await loop.progress(30);
        const brokersChange = templateOf(last, "kafka") !== templateOf(next, "kafka");
        const rollBrokers = async () => {
            if (!brokersChange) return;
            const roll = await rollAsController(was.brokers, { graceMs: was.graceMs, readyTimeoutMs: 180_000, next: now.brokers });
            assert.equal(roll.stalled, undefined, `the brokers' roll stalled: ${JSON.stringify(roll.stalled)}`);
            now.brokers.forEach((b) => processes.add(b));
        };
        const job = async () => {
            const run = await now.runPhaseJob(next, phase, JMX_EXPORTER.port);
            assert.equal(run.code, 0, `the kafka-metadata-${phase} Job failed:\n${run.log}`);
            return run.log;
        };
        let jobLog = "";
        const t0 = Date.now();
        if (phase === "migration") {
            // A Parallel StatefulSet: every voter at once, awaited Ready, then the brokers, then the Job.
            now.controllers.forEach((c) => {
                c.start();
                processes.add(c);
            });
            for (const c of now.controllers) assert.equal((await readyAsKubelet(c, 240_000)).ready, true, `${c.hostname} did not turn Ready: see ${c.dir}/container.log`);
            await rollBrokers();
            jobLog = await job();
        } else if (phase === "kraft") {
            await rollBrokers();
            const roll = await rollAsController(was.controllers, { graceMs: 60_000, readyTimeoutMs: 180_000, next: now.controllers });
            assert.equal(roll.stalled, undefined, `the controllers' roll stalled: ${JSON.stringify(roll.stalled)}`);
            now.controllers.forEach((c) => processes.add(c));
            jobLog = await job();
        } else if (phase === "rollback") {
            // Scaled to none: every controller at once, its volume deleted (whenScaled Delete); then the Job; then the brokers.
            await Promise.all(was.controllers.map((c) => c.stop("SIGTERM", 60_000)));
            for (const c of was.controllers) fs.rmSync(c.volume("metadata"), { recursive: true, force: true });
            jobLog = await job();
            await rollBrokers();
        } else {
            assert.equal(brokersChange, false, "after a rollback the brokers already run the ZooKeeper-mode template: no roll");
        }
        const upMs = Date.now() - t0;
        await sleep(2000);
        await Promise.all([isr.stop(), load.stop()]);
        await loop.progress(30);
        await loop.stop();
        // Without a roll the brokers that ran keep running (the quorum was already gone).
        s.kafka = brokersChange ? now : was;
        const access = await s.kafka.runAccessJob(next, accessRuns++);
        console.log(`      ${phase}: the update took ${(upMs / 1000).toFixed(0)} s; ${load.mbps.toFixed(1)} MB/s acks=all, acknowledged ${s.ledger.acked.size}, ` +
            `partition-seconds below min ISR: ${isr.partitionSecondsBelowMinIsr}; access Job exit ${access.code}`);
        Object.assign(s.figures, { [`${phase}: update s`]: Math.round(upMs / 1000), [`${phase}: load MB/s`]: load.mbps.toFixed(1),
            [`${phase}: partition-seconds below min ISR`]: isr.partitionSecondsBelowMinIsr, [`${phase}: Job`]: jobLog.trim().split("\n").pop() ?? "" });
        assert.equal(access.code, 0, `the access Job in ${phase}:\n${access.log}`);
        assert.equal(isr.partitionSecondsBelowMinIsr, 0, `below min ISR: ${JSON.stringify([...isr.belowMinIsr])}`);
        assert.equal(load.notEnoughReplicas, 0, `refused for lack of in-sync replicas: ${JSON.stringify([...load.errors])}`);
        await s.verify(`the ${phase} phase`);
        console.log(`      ${phase}: lost: 0`);
        last = next;
    }

    it("migration, then rollback, then zookeeper: back in ZooKeeper mode with nothing lost", async () => {
        await up("migration");
        await up("rollback");
        await up("zookeeper");
        assert.deepEqual(await inventory(s), atStart, "topics, ACLs and SCRAM users after the rollback");
    });

    it("migration, then kraft: KRaft brokers and finalised controllers, nothing lost, the same topics, ACLs, users and refusals", async () => {
        await up("migration");
        const skipped = await rejection({ ...s.config, "kafka.metadata": "zookeeper" }, "dev", last.outputs);
        assert.match(skipped, /kafka\.metadata must move one phase per `pulumi up` from what the brokers run \(migration\), got zookeeper: next, kraft .*; or rollback/);
        await up("kraft");
        const after = await inventory(s);
        assert.deepEqual(after, atStart, "topics, ACLs and SCRAM users identical before and after");
        assert.deepEqual(await whoIsRefused(s.kafka, s.pki, s.passwords, s.ensemble.root), refusedBefore, "a client refused before is refused after, for the same reason");
        s.figures["topics, ACLs, SCRAM users"] = `${after.topics.length}, ${after.acls.length}, ${after.users.length}: identical`;
        const back = await rejection({ ...s.config, "kafka.metadata": "migration" }, "dev", last.outputs);
        assert.match(back, /kafka\.metadata must stay kraft: this stack's migration is finalised/);
    });

    it("then zookeeper.enabled false: the ensemble goes, the brokers and controllers roll not, and nothing is lost", async () => {
        const gone = await render({ ...s.config, "kafka.metadata": "kraft", "zookeeper.enabled": false }, "dev", last.outputs);
        assert.equal(gone.objects.some((o) => o.metadata.name === "zk" || o.metadata.name === "zk-cs"), false, "no ZooKeeper object");
        for (const sts of ["kafka", "kafka-controller"]) assert.equal(templateOf(gone, sts), templateOf(last, sts), `${sts} does not roll`);
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        const isr = IsrSampler.fromAdmin(s.admin, [TOPIC, LOAD], s.minIsr());
        await loop.progress(30);
        // The StatefulSet's deletion: every server stopped.
        await Promise.all(s.ensemble.servers.map((z) => z.stop("SIGTERM", 30_000)));
        await sleep(5000);
        await loop.progress(50);
        await Promise.all([loop.stop(), isr.stop()]);
        assert.equal(isr.partitionSecondsBelowMinIsr, 0);
        await s.verify("ZooKeeper's removal");
        assert.equal((await s.kafka.runAccessJob(gone, accessRuns++)).code, 0, "the access Job without ZooKeeper");
        assert.deepEqual(await inventory(s), atStart);
        console.log(`      zookeeper removed: lost: 0; consumers read every acknowledged message (${s.ledger.acked.size})`);
    });
});

interface Inventory { topics: string[]; acls: string[]; users: string[] }

/** Topics, ACLs and SCRAM users as the admin certificate lists them. */
async function inventory(s: KafkaSuite): Promise<Inventory> {
    const topics = (await s.admin.listTopics()).filter((t) => !t.startsWith("__")).sort();
    const described = await s.admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
        host: "*", operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
    const acls = described.resources.flatMap((r) => r.acls.map((a) => `${r.resourceType}:${r.resourcePatternType}:${r.resourceName} ${a.principal} ${a.operation} ${a.permissionType}`)).sort();
    const described2 = await s.kafka.tool("kafka.admin.ConfigCommand", ["--bootstrap-server", s.kafka.bootstrapOn(9094).join(","), "--command-config",
        adminToolProperties(s.pki, s.ensemble.root), "--describe", "--entity-type", "users"]);
    assert.equal(described2.code, 0, described2.stderr);
    const users = described2.stdout.split("\n").filter((l) => l.startsWith("SCRAM credential configs")).sort();
    return { topics, acls, users };
}

/** A StatefulSet's pod template as rendered: equal templates, no roll. */
const templateOf = (stack: RenderedStack, name: string) => JSON.stringify(find<{ spec: { template: unknown } }>(stack, "StatefulSet", name).spec.template);
