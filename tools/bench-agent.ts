/**
 * `npm run bench:agent`: what the JMX exporter agent costs a broker, measured on the real broker
 * the program renders (Maven Central's jars, on 127.0.0.x, as test:kafka runs it). One broker is
 * started again and again, alternately with the rendered KAFKA_OPTS (agent on) and without the
 * agent, against the rendered ensemble. Start time: from the process start to the rendered
 * liveness probe's first pass (an ApiVersions answer). Heap: after a full GC (jcmd GC.run) once the
 * broker answers (and, with the agent, once it has been scraped), the heap in use (GC.heap_info).
 * Goals (#23): the agent adds < 5% to the start time and < 64 MiB of heap.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { render } from "../tests/harness/render";
import { LocalEnsemble } from "../tests/zookeeper/local-ensemble";
import { LocalKafka } from "../tests/kafka/local-kafka";
import { LocalPod, waitFor } from "../tests/servers/local-pod";
import { scrape } from "../tests/harness/prometheus";
import { JMX_EXPORTER } from "../components/kafka";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONFIG = { "zookeeper.heap": "256M", "zookeeper.memory": "512Mi", "kafka.heap": "384m", "kafka.memory": "1Gi" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The broker JVM's pid: the java process whose command line names this pod's directory. */
function javaPid(b: LocalPod): number {
    const r = spawnSync("pgrep", ["-f", `kafka\\.Kafka .*${b.dir}|${b.dir}.*kafka\\.Kafka`], { encoding: "utf8" });
    const pid = Number(r.stdout.trim().split("\n")[0]);
    if (!pid) throw new Error(`no broker JVM found for ${b.dir}`);
    return pid;
}

/** Heap in use after a full GC, in bytes (G1's "garbage-first heap … used NK"). */
function heapAfterGc(pid: number): number {
    spawnSync("jcmd", [String(pid), "GC.run"], { encoding: "utf8" });
    const info = spawnSync("jcmd", [String(pid), "GC.heap_info"], { encoding: "utf8" }).stdout;
    const used = /heap\s+total \d+K, used (\d+)K/.exec(info)?.[1];
    if (!used) throw new Error(`jcmd GC.heap_info said: ${info}`);
    return Number(used) * 1024;
}

async function once(b: LocalPod, agent: boolean): Promise<{ startMs: number; heap: number }> {
    const t0 = Date.now();
    b.start();
    await waitFor(`${b.hostname} to answer`, 120_000, () => (b.probe("livenessProbe").ok ? true : undefined), 100);
    const startMs = Date.now() - t0;
    if (agent) await scrape(`http://${b.address}:${JMX_EXPORTER.port}/metrics`);
    const heap = heapAfterGc(javaPid(b));
    await b.stop("SIGTERM", 60_000);
    return { startMs, heap };
}

async function main(): Promise<number> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-agent-"));
    const withAgent = await render({ ...CONFIG, "kafka.metrics": true });
    const without = await render({ ...CONFIG, "kafka.metrics": false });
    const ensemble = await LocalEnsemble.create(withAgent, path.join(root, "zk"));
    try {
        ensemble.servers.forEach((s) => s.start());
        await ensemble.quorum();
        const brokers = {
            agent: (await LocalKafka.create(withAgent, ensemble.connectString, path.join(root, "agent"))).brokers[0],
            plain: (await LocalKafka.create(without, ensemble.connectString, path.join(root, "plain"))).brokers[0],
        };
        const runs = { agent: [] as Array<{ startMs: number; heap: number }>, plain: [] as Array<{ startMs: number; heap: number }> };
        // A first start of each creates its log dirs and warms the page cache: not counted.
        await once(brokers.plain, false);
        await once(brokers.agent, true);
        for (let i = 0; i < ROUNDS; i++) {
            const order = i % 2 === 0 ? (["plain", "agent"] as const) : (["agent", "plain"] as const);
            for (const v of order) runs[v].push(await once(brokers[v], v === "agent"));
        }
        const start = { agent: median(runs.agent.map((r) => r.startMs)), plain: median(runs.plain.map((r) => r.startMs)) };
        const heap = { agent: median(runs.agent.map((r) => r.heap)), plain: median(runs.plain.map((r) => r.heap)) };
        const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
        console.log(`${ROUNDS} starts each (medians): without the agent ${start.plain} ms, heap ${mib(heap.plain)}; ` +
            `with it ${start.agent} ms, heap ${mib(heap.agent)}`);
        const ratio = start.agent / start.plain;
        const extraHeap = heap.agent - heap.plain;
        const goals: Array<[string, boolean]> = [
            [`start time with the agent: x${ratio.toFixed(3)} of without it (< x1.05)`, ratio < 1.05],
            [`heap the agent adds: ${mib(extraHeap)} (< 64 MiB)`, extraHeap < 64 * 2 ** 20],
        ];
        for (const [text, ok] of goals) console.log(`${ok ? "PASS" : "FAIL"}  ${text}`);
        return goals.every(([, ok]) => ok) ? 0 : 1;
    } finally {
        ensemble.killAll();
        spawnSync("pkill", ["-9", "-f", root]);
        fs.rmSync(root, { recursive: true, force: true });
    }
}

main().then((code) => process.exit(code), (e: unknown) => {
    console.error(e);
    process.exit(2);
});
