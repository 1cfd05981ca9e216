import { strict as assert } from "assert";
import { waitFor } from "../servers/local-pod";
import { total } from "../harness/prometheus";
import { WriteLoop, errorType } from "./client";
import { IsrSampler, LoadProducer, followerThrottle } from "./load";
import { readyAsKubelet, rollAsController } from "../servers/rollout";
import { fingerprint, rotateCertificates, servedCertificate } from "./access";
import * as path from "path";
import { render } from "../harness/render";
import { KafkaSuite, TOPIC, LOAD, LOAD_MBPS, LOAD_MBPS_FLOOR, sleep } from "./suite";

/** Rolls as the StatefulSet controller paces them: a certificate rotation under load, a broker that cannot catch up, a broker down. */
export function rollScenarios(s: KafkaSuite): void {
    it("4. a certificate rotation rolls the brokers as the StatefulSet controller does, under >= 10 MB/s of acks=all load: no partition below min ISR, no write refused or lost", async () => {
        // New keys and certificates from the same CA in the kafka-tls Secret (certificateGeneration + 1),
        // which the kubelet puts in the pods' volume; the changed pod template rolls them.
        const next = await render({ ...s.config, "kafka.certificateGeneration": 2 });
        const rotated = rotateCertificates(next, s.kafka, s.pki, path.join(s.ensemble.root, "pki-rotated"));
        assert.ok(Object.keys(rotated.leaves).every((leaf) => rotated.leaves[leaf] !== s.pki.leaves[leaf]) && rotated.ca === s.pki.ca, "new leaves, the same CA");
        await s.admin.createTopics({ topics: [{ topic: LOAD, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true });
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        await loop.progress(100);
        const load = await LoadProducer.start(s.kc, LOAD, { targetMBps: LOAD_MBPS });
        const isr = await IsrSampler.start(s.zkServer(), s.kafka.chroot, s.minIsr());
        await sleep(5000);
        const t0 = Date.now();
        const roll = await rollAsController(s.kafka.brokers, { graceMs: s.kafka.graceMs, readyTimeoutMs: 180_000 });
        s.figures["controller-paced roll of three brokers"] = `${Date.now() - t0} ms`;
        for (const [pod, ms] of Object.entries(roll.readyAfterMs)) s.figures[`${pod} Ready after its deletion`] = `${ms} ms`;
        await sleep(3000);
        await isr.stop();
        await load.stop();
        await loop.progress(50);
        await loop.stop();
        const below = Math.round(isr.partitionSecondsBelowMinIsr * 10) / 10;
        console.log(`      load reached: ${load.mbps.toFixed(1)} MB/s acks=all (${(load.bytesAcked / 1e6).toFixed(0)} MB)`);
        console.log(`      partition-seconds below min ISR: ${below}`);
        console.log(`      NOT_ENOUGH_REPLICAS errors: ${load.notEnoughReplicas}`);
        s.figures["roll: load MB/s"] = load.mbps.toFixed(1);
        s.figures["roll: ISR samples from ZooKeeper"] = isr.samples;
        s.figures["roll: partition-seconds below min ISR"] = below;
        s.figures["roll: refused sends by error"] = JSON.stringify(Object.fromEntries(load.errors));
        assert.equal(roll.stalled, undefined, `the roll stalled: ${JSON.stringify(roll.stalled)}`);
        assert.deepEqual(roll.stopped, ["kafka-2", "kafka-1", "kafka-0"]);
        assert.equal(below, 0, `partitions below min.insync.replicas during the roll: ${JSON.stringify([...isr.belowMinIsr])}`);
        assert.equal(load.notEnoughReplicas, 0, `sends refused for lack of in-sync replicas: ${JSON.stringify([...load.errors])}`);
        assert.ok(load.mbps >= LOAD_MBPS_FLOOR, `the load reached ${load.mbps.toFixed(1)} MB/s, below ${LOAD_MBPS_FLOOR}`);
        await s.verify("the controller-paced roll");
        for (const [i, b] of s.kafka.brokers.entries()) {
            assert.equal(await servedCertificate(s.kafka, i, s.kafka.port, s.pki.ca.cert), fingerprint(rotated.leaves[`kafka-pki-${b.hostname}`].cert), `${b.hostname} serves its new certificate`);
        }
    });

    it("4b. a broker whose replicas cannot catch up is never Ready, and the roll stops at it; once they can, it turns Ready", async () => {
        // Kafka's replication quota on kafka-2's follower replicas: at 1 kB/s it cannot fetch what was written while it was down.
        const throttle = await followerThrottle(s.admin, 2, [TOPIC, LOAD]);
        await throttle("1000", true);
        const load = await LoadProducer.start(s.kc, LOAD, { targetMBps: 5 });
        // While kafka-2 is down, 10 MB it must fetch again are acknowledged by the other two: at
        // 1 kB/s it cannot. (Without this, a restart that finds production stalled, as when
        // kafka-2 was the controller, may have nothing to catch up and be Ready at once.)
        const roll = rollAsController(s.kafka.brokers, { graceMs: s.kafka.graceMs, readyTimeoutMs: 35_000, whileDown: () => load.acknowledge(10e6) });
        const result = await roll;
        await load.stop();
        s.figures["stalled roll: what the readiness probe said"] = result.stalled?.output ?? "";
        assert.deepEqual(result.stopped, ["kafka-2"], "the roll goes no further than the broker that cannot catch up");
        assert.equal(result.stalled?.pod, "kafka-2");
        assert.match(result.stalled!.output, /not in the ISR of \d+ partition/);
        await throttle("10000000000", false);
        const t0 = Date.now();
        const after = await readyAsKubelet(s.kafka.brokers[2], 120_000);
        assert.ok(after.ready, after.output);
        s.figures["kafka-2 Ready after the throttle was lifted"] = `${Date.now() - t0} ms`;
        await s.fullIsr();
    });

    it("5. one broker down: a roll restarts no other broker, acks=all writes succeed; two down: refused (NotEnoughReplicas); both back: writes resume, ISR refills", async () => {
        const [first, second, survivor] = s.kafka.brokers;
        const underMinIsr = async () => total(await s.metricsOf(survivor), "kafka_server_replicamanager_underminisrpartitioncount") ?? -1;
        assert.equal(await underMinIsr(), 0, "healthy: KafkaUnderMinIsrPartitions stays quiet");
        await first.stop("SIGTERM", s.kafka.graceMs);
        // A roll (a `pulumi up` that changes the template) while kafka-0 is down for good: the
        // controller, under the rendered policy, restarts no other broker. Under Parallel it
        // would take kafka-2 down at once and leave every partition on one in-sync replica.
        const isr = await IsrSampler.start(s.zkServer(), s.kafka.chroot, s.minIsr());
        const readinessMs = (s.kafka.brokers[0].pod.container.readinessProbe.periodSeconds ?? 10) * 1000;
        const held = await rollAsController(s.kafka.brokers, { graceMs: s.kafka.graceMs, readyTimeoutMs: 2.5 * readinessMs });
        await isr.stop();
        console.log(`      brokers restarted while another was down: ${held.stopped.length}`);
        s.figures["brokers restarted while another was down"] = held.stopped.length;
        s.figures["held roll: partition-seconds below min ISR"] = isr.partitionSecondsBelowMinIsr;
        assert.deepEqual(held.stopped, [], "no broker is restarted while kafka-0 is down");
        assert.equal(held.stalled?.pod, "kafka-0", "the roll waits on the broker that is down");
        assert.equal(isr.partitionSecondsBelowMinIsr, 0, `below min ISR with one broker down: ${JSON.stringify([...isr.belowMinIsr])}`);
        const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        await loop.progress(50);
        await loop.stop();
        await second.stop("SIGTERM", s.kafka.graceMs);
        const strict = s.kc.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
        await strict.connect();
        const refusals: string[] = [];
        for (let i = 0; i < 6; i++) {
            const message = s.ledger.next();
            try {
                const [meta] = await strict.send({ topic: TOPIC, acks: -1, timeout: 5000, messages: [message] });
                s.ledger.acked.set(message.value, meta.partition);
            } catch (e) {
                refusals.push(errorType(e));
            }
        }
        await strict.disconnect();
        s.figures["writes acknowledged with two of three brokers down"] = 6 - refusals.length;
        // What KafkaUnderMinIsrPartitions sums: the survivor leads every partition now, each with one in-sync replica.
        const below = await waitFor("the survivor to report partitions under min ISR", 30_000, async () => ((await underMinIsr()) > 0 ? underMinIsr() : undefined));
        s.figures["under-min-ISR partitions scraped with two brokers down"] = below;
        assert.equal(refusals.length, 6, "no write is acknowledged below min.insync.replicas");
        assert.ok(refusals.some((t) => /NOT_ENOUGH_REPLICAS/.test(t)), `refused for lack of replicas: ${refusals.join(", ")}`);
        const t0 = Date.now();
        first.start();
        second.start();
        await Promise.all([s.ready(first), s.ready(second)]);
        const resumed = await WriteLoop.start(s.kc, TOPIC, s.ledger);
        await resumed.progress(30);
        await resumed.stop();
        await s.fullIsr();
        s.figures["time for two restarted brokers to rejoin the ISR"] = `${Date.now() - t0} ms`;
    });
}
