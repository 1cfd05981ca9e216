import { strict as assert } from "assert";
import { render } from "../harness/render";
import { FailoverWriter, PinnedClient } from "./client";
import { rollAsController } from "../servers/rollout";
import { LocalEnsemble, LocalServer, serverAddress, waitFor } from "./local-ensemble";
import { printFigures, requireServers } from "../servers/jars";
import { queriedMetrics } from "../harness/monitoring";
import { scrape } from "../harness/prometheus";
import { ZK_METRICS_PORT } from "../../components/zookeeper/spec";
import { hangGuard } from "../servers/hang-guard";

// The rendered dev ensemble (start script, zoo.cfg, probes, env) run for real on the image's
// ZooKeeper from Maven Central: quorum, loss of one and of two servers, crash, full restart,
// nothing lost.
// The suite's time is reported in its figures, never asserted: a wall-clock bound fails a busy
// machine, not a slow program. A hang is caught by each test's timeout.
const BASE = "/zk-kafka-gke-test";

describe("the rendered ZooKeeper ensemble, run as three real servers", function () {
    // Slowest seen: 37 s (the controller-paced roll under a write loop).
    this.timeout(hangGuard(45_000));
    const started = Date.now();
    let ensemble: LocalEnsemble;
    const clients: PinnedClient[] = [];
    /** Every write a server acknowledged: path -> value. None of them may ever be lost. */
    const acknowledged = new Map<string, string>();
    const figures: Record<string, string | number> = {};
    let sequence = 0;

    const address = (s: LocalServer) => `${serverAddress(s.index)}:${ensemble.clientPort}`;
    async function connect(s: LocalServer, timeoutMs = 10_000): Promise<PinnedClient | undefined> {
        const c = await PinnedClient.connect(address(s), timeoutMs);
        if (c) clients.push(c);
        return c;
    }

    /**
     * Sequential writes, each through the next client in turn; returns how many were
     * acknowledged. `through` is asked before every write, so a loop can fail over.
     */
    async function writeLoop(through: () => PinnedClient[], count: number, midway?: () => Promise<void>, timeoutMs = 3000): Promise<number> {
        let acked = 0;
        for (let i = 0; i < count; i++) {
            if (midway && i === Math.floor(count / 3)) await midway();
            const pool = through();
            const client = pool[i % pool.length];
            const path = `${BASE}/w-${String(++sequence).padStart(6, "0")}`;
            const value = `value-${sequence}-${client.server}`;
            if (await client.create(path, value, timeoutMs)) {
                acknowledged.set(path, value);
                acked++;
            }
        }
        return acked;
    }

    /** Missing or wrong acknowledged writes as served by one server (polls until it has them all). */
    async function lostOn(s: LocalServer, timeoutMs = 30_000): Promise<string[]> {
        const c = await connect(s);
        assert.ok(c, `${s.hostname} serves a session`);
        const expected = [...acknowledged.keys()].map((p) => p.slice(BASE.length + 1));
        await waitFor(`${s.hostname} to serve all ${expected.length} acknowledged writes`, timeoutMs, async () => {
            const have = new Set(await c.children(BASE));
            return expected.every((name) => have.has(name)) ? true : undefined;
        }).catch(() => undefined);
        const lost: string[] = [];
        for (const [path, value] of acknowledged) if ((await c.get(path)) !== value) lost.push(path);
        c.close();
        return lost;
    }

    const quorum = (members: LocalServer[], timeoutMs?: number) => ensemble.quorum(members, timeoutMs);

    before(async function () {
        requireServers(this);
        ensemble = await LocalEnsemble.create(await render());
    });

    after(function () {
        clients.forEach((c) => c.close());
        ensemble?.killAll();
        printFigures(figures, ensemble?.root, this.test?.parent?.tests.some((t) => t.isFailed()) ?? false);
    });

    it("1. forms a quorum: one leader, two followers, myid 1..3 on disk", async () => {
        const t0 = Date.now();
        ensemble.servers.forEach((s) => s.start());
        const modes = await quorum(ensemble.servers);
        figures["time to form a quorum"] = `${Date.now() - t0} ms`;
        assert.deepEqual(modes.sort(), ["follower", "follower", "leader"]);
        assert.deepEqual(ensemble.servers.map((s) => s.myid()), ["1", "2", "3"]);
    });

    it("2. the rendered readiness and liveness probes pass on every server (ruok -> imok)", async () => {
        for (const s of ensemble.servers) {
            for (const kind of ["readinessProbe", "livenessProbe"] as const) {
                let last = "";
                await waitFor(`${kind} of ${s.hostname}`, 15_000, () => {
                    const p = s.probe(kind);
                    last = p.output;
                    return p.ok ? true : undefined;
                }).catch((e: Error) => assert.fail(`${e.message}; the probe said: ${last}`));
            }
            assert.equal(await s.fourLetterWord("ruok"), "imok");
            assert.match(await s.fourLetterWord("stat"), /not in the whitelist/, "commands outside the whitelist stay refused");
        }
    });

    it("3. the tutorial's sanity test: /hello = world written through server 1, read through 2 and 3", async () => {
        const [one, two, three] = await Promise.all(ensemble.servers.map((s) => connect(s)));
        assert.ok(one && two && three);
        assert.ok(await one.create("/hello", "world"), "server 1 acknowledges the write");
        assert.equal(await waitFor("/hello on server 2", 5000, () => two.get("/hello")), "world");
        assert.equal(await waitFor("/hello on server 3", 5000, () => three.get("/hello")), "world");
        await one.ensure(BASE);
    });

    it("3b. every server serves the metrics the alerts and the dashboard read; exactly one exports leader_uptime", async () => {
        const expected = queriedMetrics().zookeeper;
        assert.ok(expected.includes("leader_uptime") && expected.includes("outstanding_requests"), expected.join(", "));
        const scrapes = await Promise.all(ensemble.servers.map((s) => scrape(`http://${serverAddress(s.index)}:${ZK_METRICS_PORT}/metrics`)));
        scrapes.forEach((m, i) => assert.deepEqual(expected.filter((n) => !m.has(n) && n !== "leader_uptime"), [], `zk-${i} serves every queried metric`));
        // ZooKeeperNoLeader counts this gauge: only the leader registers it.
        const leaders = scrapes.map((m, i) => (m.has("leader_uptime") ? i : -1)).filter((i) => i >= 0);
        assert.equal(leaders.length, 1);
        assert.equal(await ensemble.servers[leaders[0]].mode(), "leader");
        figures["metric families per ZooKeeper server"] = scrapes[0].size;
    });

    it("4. acknowledges 200 sequential writes through rotating servers", async () => {
        const through = (await Promise.all(ensemble.servers.map((s) => connect(s)))) as PinnedClient[];
        const acked = await writeLoop(() => through, 200);
        assert.equal(acked, 200, "a healthy ensemble acknowledges every write");
    });

    it("4b. a roll as the StatefulSet controller performs it (zk-2, zk-1, zk-0), under a write loop: no write refused or lost", async () => {
        // Readiness is "serving in a quorum" (zk-probe.sh ready): the controller stops the next
        // server only once the restarted one has synced with the leader, so at most one of three
        // is ever down and a majority serves throughout; a client rides out the leader's restart
        // (an election) by retrying on its session's next server.
        const writer = await FailoverWriter.connect(ensemble.connectString, BASE);
        await waitFor("the write loop's first writes", 10_000, () => (writer.acked.size >= 20 ? true : undefined));
        const t0 = Date.now();
        const roll = await rollAsController(ensemble.servers, { graceMs: 30_000, readyTimeoutMs: 120_000 });
        figures["controller-paced roll of three servers"] = `${Date.now() - t0} ms`;
        const before = writer.acked.size;
        await waitFor("writes after the roll", 10_000, () => (writer.acked.size >= before + 20 ? true : undefined));
        await writer.stop();
        for (const [path, value] of writer.acked) acknowledged.set(path, value);
        figures["roll: writes acknowledged / refused"] = `${writer.acked.size} / ${writer.refused.length}`;
        figures["roll: slowest write (retries included)"] = `${writer.slowestMs} ms`;
        assert.equal(roll.stalled, undefined, JSON.stringify(roll.stalled));
        assert.deepEqual(roll.stopped, ["zk-2", "zk-1", "zk-0"]);
        assert.deepEqual(writer.refused, [], "no write is refused during the roll");
        for (const s of ensemble.servers) assert.deepEqual(await lostOn(s), [], `nothing lost on ${s.hostname}`);
    });

    it("5. with the leader stopped (SIGTERM), writes still succeed through the other two", async () => {
        const leader = (await ensemble.leader())!;
        await leader.stop("SIGTERM");
        const rest = ensemble.servers.filter((s) => s !== leader);
        await quorum(rest);
        const through = (await Promise.all(rest.map((s) => connect(s)))) as PinnedClient[];
        assert.equal(await writeLoop(() => through, 60), 60, "two of three are a majority");
    });

    it("6. with two stopped, no write is acknowledged: a lone server is no quorum", async () => {
        const [second, last] = ensemble.servers.filter((s) => s.running);
        const before = await connect(last);
        await second.stop("SIGTERM");
        await waitFor(`${last.hostname} to stop serving`, 15_000, async () => ((await last.mode()) === "" ? true : undefined));
        let acked = before ? await writeLoop(() => [before], 4, undefined, 1000) : 0;
        const fresh = await PinnedClient.connect(address(last), 3000);
        if (fresh) {
            acked += await writeLoop(() => [fresh], 2, undefined, 1000);
            fresh.close();
        }
        before?.close();
        figures["writes acknowledged without a quorum"] = acked;
        assert.equal(acked, 0);
        // ZooKeeperNoLeader counts leader_uptime over the servers: none reports it now, so it fires.
        const lone = await scrape(`http://${serverAddress(last.index)}:${ZK_METRICS_PORT}/metrics`);
        // Not serving, it unregisters the server's gauges (outstanding_requests…) but still answers the scrape.
        assert.ok(lone.has("jvm_memory_bytes_used") && !lone.has("leader_uptime"), "the lone server is scraped, and reports no leader");
    });

    it("7. restarted, both rejoin, and every acknowledged write is on every server", async () => {
        const stopped = ensemble.servers.filter((s) => !s.running);
        const t0 = Date.now();
        stopped.forEach((s) => s.start());
        await quorum(ensemble.servers);
        for (const s of stopped) assert.deepEqual(await lostOn(s), [], `${s.hostname} caught up`);
        figures["time for two restarted servers to rejoin and catch up"] = `${Date.now() - t0} ms`;
        for (const s of ensemble.servers) assert.deepEqual(await lostOn(s), [], `nothing lost on ${s.hostname}`);
    });

    it("8. a server killed -9 in the middle of a write loop rejoins and catches up", async () => {
        const through = (await Promise.all(ensemble.servers.map((s) => connect(s)))) as PinnedClient[];
        const victim = ensemble.servers[1];
        // After the kill the loop fails over to the live servers, as a real client would.
        const live = () => through.filter((_, i) => ensemble.servers[i].running);
        const acked = await writeLoop(live, 90, () => victim.stop("SIGKILL"), 2000);
        figures["writes acknowledged in the loop around the kill -9"] = `${acked} of 90`;
        assert.ok(acked >= 60, `the other two kept acknowledging (${acked} of 90)`);
        const t0 = Date.now();
        victim.start();
        await quorum(ensemble.servers);
        assert.deepEqual(await lostOn(victim), [], `${victim.hostname} caught up`);
        figures["time for a killed server to rejoin and catch up"] = `${Date.now() - t0} ms`;
    });

    it("9. all three stopped and started from their data dirs: every acknowledged write is there", async () => {
        await Promise.all(ensemble.servers.map((s) => s.stop("SIGTERM")));
        ensemble.servers.forEach((s) => s.start());
        await quorum(ensemble.servers);
        const lost = (await Promise.all(ensemble.servers.map((s) => lostOn(s)))).flat();
        figures["writes acknowledged"] = acknowledged.size;
        figures["writes lost"] = lost.length;
        assert.ok(acknowledged.size >= 300, `${acknowledged.size} acknowledged writes checked`);
        assert.deepEqual(lost, []);
        figures["whole test"] = `${Date.now() - started} ms`;
    });
});
