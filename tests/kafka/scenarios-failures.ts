import { strict as assert } from "assert";
import * as fs from "fs";
import { execFileSync } from "child_process";
import { KAFKA_NAMES } from "../../components/kafka";
import { WriteLoop } from "./client";
import { LoadProducer } from "./load";
import { readyAsKubelet, startAsController } from "../servers/rollout";
import * as path from "path";
import { KafkaSuite, GOAL_MS, TOPIC, LOAD, LOAD_MBPS } from "./suite";

/** Losses: a ZooKeeper server, a broker killed -9 with its log recovered, everything stopped and started again. */
export function failureScenarios(s: KafkaSuite): void {
    it("6. one ZooKeeper server (the leader) stopped while producing: no write fails", async () => {
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        await loop.progress(50);
        const failedBefore = s.ledger.failed;
        const leader = (await s.ensemble.leader())!;
        await leader.stop("SIGTERM");
        await loop.progress(150);
        await loop.stop();
        s.figures["failed writes while a ZooKeeper server was down"] = s.ledger.failed - failedBefore;
        assert.equal(s.ledger.failed - failedBefore, 0);
        leader.start();
        await s.ensemble.quorum();
    });

    it("7. a broker with over 1 GB of log, killed -9 under load, recovers its log without its startup or liveness probe killing it, rejoins the ISR, nothing acknowledged is missing", async () => {
        const victim = s.kafka.brokers[1];
        const load = await LoadProducer.start(s.kc, LOAD, { targetMBps: LOAD_MBPS });
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
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
        s.figures["log recovery after kill -9"] = recovery;
        assert.ok(recovered > 0, "the kill left unflushed segments to recover");
        assert.ok((restarted.startedAfterMs ?? Infinity) < budgetS * 1000 / 4, "recovery used under a quarter of the startup budget");
        await s.fullIsr();
        s.figures["time for the killed broker to rejoin the ISR"] = `${Date.now() - t0} ms`;
        await loop.progress(30);
        await loop.stop();
        await s.verify("the kill -9");
        // The load's gigabyte has served its purpose: the full restart runs with the checked topic only.
        await s.admin.deleteTopics({ topics: [LOAD], timeout: 30_000 });
    });

    it("8. everything stopped and started again from the data dirs: every acknowledged message is there", async () => {
        await s.admin.disconnect();
        // One after another, kafka-2 last: every partition's last in-sync replica is kafka-2's,
        // so the first broker back finds them all without a leader.
        for (const b of s.kafka.brokers) await b.stop("SIGTERM", s.kafka.graceMs);
        await Promise.all(s.ensemble.servers.map((s) => s.stop("SIGTERM")));
        // As the controllers re-create them: the servers at once (their policy), the brokers
        // under theirs (OrderedReady: each once the one before is Ready), waiting for the quorum
        // themselves. kafka-0 must be Ready while kafka-2's partitions have no leader.
        s.ensemble.servers.forEach((s) => s.start());
        const stuck = await startAsController(s.kafka.brokers, 120_000);
        assert.equal(stuck, undefined, `the full restart stopped at ${stuck?.pod}: ${stuck?.output}`);
        await s.ensemble.quorum();
        await s.admin.connect();
        await s.fullIsr();
        await s.verify("the full restart");
        s.figures["messages acknowledged"] = s.ledger.acked.size;
        s.figures["sends that failed for good (never acknowledged)"] = s.ledger.failed;
        s.figures["whole test"] = `${Date.now() - s.started} ms`;
        assert.ok(s.ledger.acked.size >= 500, `${s.ledger.acked.size} acknowledged messages checked`);
        const took = Date.now() - s.started;
        console.log(`      whole suite: ${(took / 1000).toFixed(0)} s (goal: under ${GOAL_MS / 1000} s on this machine)`);
    });
}
