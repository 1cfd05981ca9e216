/**
 * `npm run bench`: how fast a `pulumi preview` starts the program. In one run, each case a fresh
 * process started as Pulumi's Node host starts it (tools/bench/host.js: ts-node with this
 * tsconfig.json), timed from process start to the last resource registration:
 * - the program (index.ts with the dev stack's config);
 * - the floor: a bare program with the same SDK and providers (tools/bench/floor-program.ts);
 * - for reference, the SDK's share: a bare program registering the same resources as the program
 *   with the providers' classes (tools/bench/replay-program.ts), and the program type-checked on
 *   start (tools/bench/tsconfig.typecheck.json through PULUMI_NODEJS_TSCONFIG_PATH: no noCheck,
 *   no swc), what a preview paid before.
 * Goal: the program within 1.3 x the floor. The machine's speed drifts from minute to minute, so
 * the cases run in rounds, back to back and in rotating order, and each ratio is the median of
 * the rounds' ratios: a slow minute slows every case of a round.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT, runProgram } from "./runtime";
import { readProgramConfig } from "./stack-config";

function start(program: string, env: Record<string, string> = {}): number {
    const r = spawnSync(process.execPath, [path.join("tools", "bench", "host.js"), program], {
        cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, ...env },
    });
    if (r.status !== 0) throw new Error(`${program} did not start: ${r.stderr}`);
    return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { ms: number }).ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (label: string, ms: number[]) => `  ${label.padEnd(58)} ${String(median(ms)).padStart(6)}   runs: ${ms.join(", ")}`;

async function main(): Promise<number> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    const replay = path.join(dir, "resources.json");
    const recorded = await runProgram(readProgramConfig(PROJECT_ROOT, "dev"), "dev");
    fs.writeFileSync(replay, JSON.stringify(recorded.resources));
    const cases = {
        program: () => start("index.ts"),
        floor: () => start("tools/bench/floor-program.ts"),
        replay: () => start("tools/bench/replay-program.ts", { BENCH_REPLAY: replay }),
    };
    const order = Object.keys(cases) as Array<keyof typeof cases>;
    const ms: Record<keyof typeof cases, number[]> = { program: [], floor: [], replay: [] };
    // Fifteen rounds: the machine drifts by a third from minute to minute, and the median of nine
    // moved by 0.1 between runs of the same commit.
    const rounds = 15;
    cases.program(); // warm the file system cache, as a CI runner's second preview would be
    for (let i = 0; i < rounds; i++) {
        for (let j = 0; j < order.length; j++) {
            const c = order[(i + j) % order.length];
            ms[c].push(cases[c]());
        }
    }
    const checked = start("index.ts", { PULUMI_NODEJS_TSCONFIG_PATH: path.join("tools", "bench", "tsconfig.typecheck.json") });
    fs.rmSync(dir, { recursive: true, force: true });
    const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]);
    const ratio = median(ratios(ms.program, ms.floor));
    console.log(`start to last registration, ${rounds} rounds (ms):`);
    console.log(row("program (noCheck, as pulumi preview runs it)", ms.program));
    console.log(row("floor (same SDK and providers, bare program)", ms.floor));
    console.log(row(`the program's ${recorded.resources.length} resources from a bare program (reference)`, ms.replay));
    console.log(`  program type-checked on start (reference)${String(checked).padStart(24)}`);
    console.log(`  ratio per round: ${ratios(ms.program, ms.floor).map((r) => r.toFixed(2)).join(", ")}`);
    console.log(`  of which the SDK's work for those resources: ${median(ratios(ms.replay, ms.floor)).toFixed(2)} x the floor; ` +
        `the program's own code: ${median(ratios(ms.program, ms.replay)).toFixed(2)} x that`);
    console.log(`${ratio <= 1.3 ? "PASS" : "FAIL"}  program / floor = ${ratio.toFixed(2)} (median of the rounds) <= 1.30`);
    return ratio <= 1.3 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(2);
});
