import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { RenderedStack, rejection, render } from "../harness/render";
import { rollAsController } from "../servers/rollout";
import { waitFor } from "../servers/local-pod";
import { MintedPki } from "../servers/pki";
import { LISTENERS } from "../../components/kafka/security";
import { client, WriteLoop } from "./client";
import { IsrSampler, LoadProducer } from "./load";
import { fingerprint, rotateCertificates, servedCertificate } from "./access";
import { ClientTrust, TrustProbe, connectOnce } from "./trust-probe";
import { KafkaSuite, LOAD, LOAD_MBPS, LOAD_MBPS_FLOOR, TOPIC, sleep } from "./suite";
import { hangGuard } from "../servers/hang-guard";

// What the brokers log when a TLS handshake fails, the other broker's or a client's
// (org.apache.kafka.common.network.Selector: "Failed authentication with … (SSL handshake failed)").
const HANDSHAKE_FAILURES = /SSL handshake failed|SslAuthenticationException|SSLHandshakeException/g;
const PHASES = [[2, "trust"], [2, "issue"], [2, "complete"]] as const;

/**
 * A CA rotation (kafka.caGeneration 2 with kafka.caPhase trust, issue, complete) on the rendered
 * brokers, each phase as its `pulumi up` does it: the render of that phase, accepted against the
 * last one's deployed record; the TLS material it keeps or mints in the Secrets' volumes; the
 * roll as the StatefulSet controller paces it, under acks=all load; then the applications reload
 * their Secrets, as the runbook asks between phases. Throughout, clients of every kind connect to
 * every broker and none is refused by a certificate check, no broker refuses another, and no
 * acknowledged message is lost.
 */
describe("a CA rotation on three real brokers, one pulumi up per phase, under acks=all load", function () {
    // Slowest seen: 182 s (the complete phase, in CI).
    this.timeout(hangGuard(185_000));
    const s = new KafkaSuite();
    let last: RenderedStack;
    let pki: MintedPki;
    let trust: { scram: ClientTrust; certificate: ClientTrust };
    const held = (p: MintedPki) => ({ scram: { ca: p.trusted }, certificate: { ca: p.trusted, ...p.leaves["kafka-user-certapp"] } });
    const handshakeFailures = () => s.kafka.brokers.reduce((n, b) => n + (fs.readFileSync(path.join(b.dir, "container.log"), "utf8").match(HANDSHAKE_FAILURES)?.length ?? 0), 0);

    before(async function () {
        await s.start(this);
        s.kafka.brokers.forEach((b) => b.start());
        await Promise.all(s.kafka.brokers.map((b) => s.ready(b, 120_000)));
        const job = await s.kafka.runAccessJob(s.stack, 0);
        assert.equal(job.code, 0, job.log);
        await s.admin.connect();
        await s.admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }, { topic: LOAD, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true });
        [last, pki, trust] = [s.stack, s.pki, held(s.pki)];
    });
    after(async function () {
        await s.stop(this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    for (const [caGeneration, caPhase] of PHASES) {
        it(`${caPhase}: the roll of kafka.caGeneration ${caGeneration}, kafka.caPhase ${caPhase} refuses no client and no broker, loses nothing`, async () => {
            const next = await render({ ...s.config, "kafka.caGeneration": caGeneration, "kafka.caPhase": caPhase }, "dev", last.outputs);
            const failuresBefore = handshakeFailures();
            const probe = new TrustProbe(s.kafka, { scram: s.kafka.port, certificate: LISTENERS.clientTls.port }, trust.scram, trust.certificate);
            const loop = await WriteLoop.start(s.kc, TOPIC, s.ledger);
            const load = await LoadProducer.start(s.kc, LOAD, { targetMBps: LOAD_MBPS });
            const isr = await IsrSampler.start(s.zkServer(), s.kafka.chroot, s.minIsr());
            await loop.progress(50);
            // The up: the Secrets first (the StatefulSet depends on them), then the roll.
            const before = pki;
            pki = rotateCertificates(next, s.kafka, pki, path.join(s.ensemble.root, `pki-${caGeneration}-${caPhase}`));
            const roll = await rollAsController(s.kafka.brokers, { graceMs: s.kafka.graceMs, readyTimeoutMs: 180_000 });
            await sleep(3000);
            await Promise.all([probe.stop(), isr.stop(), load.stop()]);
            await loop.progress(50);
            await loop.stop();
            const failures = handshakeFailures() - failuresBefore;
            console.log(`      ${caPhase}: ${load.mbps.toFixed(1)} MB/s acks=all; connections served ${probe.served}, to a broker down ${probe.unavailable}, ` +
                `refused by a certificate check: ${probe.refused.length}; brokers' handshake failures: ${failures}; partition-seconds below min ISR: ${isr.partitionSecondsBelowMinIsr}`);
            Object.assign(s.figures, {
                [`${caPhase}: load MB/s`]: load.mbps.toFixed(1), [`${caPhase}: connections served`]: probe.served,
                [`${caPhase}: clients refused`]: probe.refused.length, [`${caPhase}: brokers' handshake failures`]: failures,
                [`${caPhase}: partition-seconds below min ISR`]: isr.partitionSecondsBelowMinIsr, [`${caPhase}: roll`]: JSON.stringify(roll.readyAfterMs),
            });
            assert.equal(roll.stalled, undefined, `the roll stalled: ${JSON.stringify(roll.stalled)}`);
            assert.deepEqual(roll.stopped, ["kafka-2", "kafka-1", "kafka-0"]);
            assert.deepEqual(probe.refused.slice(0, 5), [], "no client refused by a certificate check");
            assert.ok(probe.served > 0, "the clients were served");
            assert.equal(failures, 0, "no broker refused a handshake (its peers' or a client's)");
            assert.equal(isr.partitionSecondsBelowMinIsr, 0, `below min ISR: ${JSON.stringify([...isr.belowMinIsr])}`);
            assert.equal(load.notEnoughReplicas, 0, `refused for lack of in-sync replicas: ${JSON.stringify([...load.errors])}`);
            assert.ok(load.mbps >= LOAD_MBPS_FLOOR, `the load reached ${load.mbps.toFixed(1)} MB/s, below ${LOAD_MBPS_FLOOR}`);
            await s.verify(`the ${caPhase} phase`);
            if (caPhase === "issue") {
                assert.notEqual(pki.ca, before.ca, "the leaves come from the new CA");
                for (const [i, b] of s.kafka.brokers.entries()) {
                    assert.equal(await servedCertificate(s.kafka, i, s.kafka.port, pki.ca.cert), fingerprint(pki.leaves[`kafka-pki-${b.hostname}`].cert), `${b.hostname} serves its new certificate`);
                }
            }
            // The up is done and the users' Secrets hold the new trust (and certificate): the applications reload them.
            await s.admin.disconnect();
            s.kc = client(s.kafka, "zk-kafka-gke-test", { ca: pki.trusted, user: "app", password: s.passwords.app });
            s.admin = client(s.kafka, "zk-kafka-gke-admin", { ca: pki.trusted, ...pki.leaves["kafka-pki-admin"] }).admin();
            await s.admin.connect();
            trust = held(pki);
            last = next;
        });
    }

    it("after it: only the new CA is trusted, a client that never reloaded is refused, and a skipped phase is refused at preview", async () => {
        const [oldCa, newCa] = [s.pki.ca.cert, pki.ca.cert];
        const failuresBefore = handshakeFailures();
        assert.equal(pki.trusted, newCa, "ca.crt holds the new CA alone");
        for (const [i, b] of s.kafka.brokers.entries()) {
            assert.equal(await servedCertificate(s.kafka, i, s.kafka.port, newCa), fingerprint(pki.leaves[`kafka-pki-${b.hostname}`].cert), b.hostname);
        }
        // The checks above would see a refusal: the old CA's clients, which the runbook says to reload before each phase.
        const stale = await connectOnce(s.kafka, 0, s.kafka.port, { ca: oldCa });
        assert.equal(stale.kind, "refused", `a client trusting only the old CA: ${JSON.stringify(stale)}`);
        const oldCertificate = await connectOnce(s.kafka, 0, LISTENERS.clientTls.port, { ca: newCa, ...s.pki.leaves["kafka-user-certapp"] });
        assert.equal(oldCertificate.kind, "refused", `a certificate of the old CA: ${JSON.stringify(oldCertificate)}`);
        // The broker logs a refusal when its network thread handles the closed handshake, which may
        // be after the client has its answer: wait for the line rather than read the log at once.
        await waitFor("the brokers to log a refused handshake (so the phases' zero counts are real)", 30_000, () => (handshakeFailures() > failuresBefore ? true : undefined));
        s.figures["refusals after the rotation (expected)"] = `${stale.kind === "refused" ? stale.why : ""}; ${oldCertificate.kind === "refused" ? oldCertificate.why : ""}`;
        const skipped = await rejection({ ...s.config, "kafka.caGeneration": 3, "kafka.caPhase": "issue" }, "dev", last.outputs);
        assert.match(skipped, /^zk-kafka-gke:kafka\.caPhase must move one phase per `pulumi up` .*next, kafka\.caGeneration 3, kafka\.caPhase trust/m);
    });
});
