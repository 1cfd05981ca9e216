/**
 * `npm run bench:probe`: what the rendered readiness probe costs a broker with many partitions
 * (#33.4). The rendered kafka-probe.sh runs as the kubelet runs it, with the image's tools
 * (BusyBox: apache/kafka is Alpine), against a stand-in broker that answers the login and a
 * Metadata response of N partitions at replication factor 3, 100 partitions a topic. Measured per
 * N: CPU (user + system, every process of the probe) and the largest resident set of any of them,
 * the median of BENCH_ROUNDS runs. Goal: at 50,000 partitions under 1 s of CPU and 64 MiB; the
 * probe's own timeout is 4 s of wall clock, so CPU beyond that is never Ready.
 */
import { spawn } from "child_process";
import { render } from "../tests/harness/render";
import { fakeBroker } from "../tests/harness/peers";
import { Partition, busyboxPath, metadataResponse, probeRuntime, withLogin } from "../tests/harness/kafka-wire";
import { tempDir } from "../tests/harness/temp";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZES = [10_000, 50_000, 100_000];
const GOAL = { partitions: 50_000, cpuSeconds: 1, rssBytes: 64 * 2 ** 20 };
const SELF = 1;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** N partitions over topics of 100, led round-robin by brokers 0..2, every replica in sync; the last one without this broker in its ISR when `behind`. */
function topics(n: number, behind: boolean): Record<string, Partition[]> {
    const out: Record<string, Partition[]> = {};
    for (let t = 0; t * 100 < n; t++) {
        out[`orders.events.region-${t}`] = Array.from({ length: Math.min(100, n - t * 100) }, (_, index) => {
            const leader = (t + index) % 3;
            const replicas = [leader, (leader + 1) % 3, (leader + 2) % 3];
            return { index, leader, replicas, isr: replicas };
        });
    }
    if (behind) {
        const last = Object.values(out).at(-1)!.at(-1)!;
        last.leader = (SELF + 1) % 3;
        last.isr = last.replicas.filter((r) => r !== SELF);
    }
    return out;
}

async function main(): Promise<number> {
    const bin = busyboxPath();
    if (!bin) throw new Error("busybox is missing: the image's tools are what this measures (apt-get install busybox)");
    const runtime = probeRuntime(await render(), tempDir("bench-probe-"));
    const [, , mode] = runtime.container.readinessProbe!.exec!.command!;

    console.log(`\nkafka-probe.sh ${mode} with BusyBox tools, median of ${ROUNDS} runs`);
    let verdict = 0;
    for (const n of SIZES) {
        const answers = { ok: topics(n, false), behind: topics(n, true) };
        let current = answers.ok;
        const broker = await fakeBroker(withLogin((request) => metadataResponse(request, [0, 1, 2], current)));
        try {
            runtime.layout(broker.port, SELF);
            // The stand-in broker answers from this process: the probe runs alongside, not blocking it.
            const run = () => new Promise<{ code: number | null; cpu: number; rss: number; stderr: string }>((resolve) => {
                // GNU time reports the children's CPU and the largest child's resident set; a
                // generous call timeout, so that the measure is the work, not the deadline.
                const child = spawn("/usr/bin/time", ["-f", "%U %S %M", "bash", runtime.script, mode, "60"],
                    { env: { PATH: bin, ...runtime.env } });
                let stderr = "";
                child.stderr.on("data", (d) => (stderr += d));
                child.on("exit", (code) => {
                    const [u, s, kb] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
                    resolve({ code, cpu: u + s, rss: kb * 1024, stderr });
                });
            });
            const runs = [];
            for (let i = 0; i < ROUNDS; i++) runs.push(await run());
            const bad = runs.find((r) => r.code !== 0);
            if (bad) throw new Error(`${n} partitions, all in sync: the probe failed: ${bad.stderr}`);
            current = answers.behind;
            const behind = await run();
            if (behind.code !== 1 || !/not in the ISR of 1 partition\(s\) with a leader: orders\.events\.region-\d+-\d+/.test(behind.stderr)) {
                throw new Error(`${n} partitions, the last one behind: the probe did not say so: ${behind.stderr}`);
            }
            const cpu = median(runs.map((r) => r.cpu));
            const rss = median(runs.map((r) => r.rss));
            const line = `  ${String(n).padStart(7)} partitions: ${cpu.toFixed(2)} s CPU, ${(rss / 2 ** 20).toFixed(1)} MiB peak resident set`;
            if (n === GOAL.partitions) {
                const ratio = { cpu: cpu / GOAL.cpuSeconds, rss: rss / GOAL.rssBytes };
                console.log(`${line}  (goal: ${ratio.cpu.toFixed(2)} x ${GOAL.cpuSeconds} s, ${ratio.rss.toFixed(2)} x 64 MiB)`);
                if (ratio.cpu >= 1 || ratio.rss >= 1) verdict = 1;
            } else {
                console.log(line);
            }
        } finally {
            broker.close();
        }
    }
    console.log(verdict === 0 ? "within the goal" : `over the goal at ${GOAL.partitions} partitions`);
    return verdict;
}

main().then((code) => process.exit(code), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
});
