/**
 * `npm run bench`: how fast a `pulumi preview` starts the program. In one run, each case a fresh
 * process started as Pulumi's Node host starts it (tools/bench/host.js: ts-node with this
 * tsconfig.json), timed from process start to the last resource registration:
 * - the program (index.ts with the dev stack's config);
 * - the floor: a bare program with the same SDK and providers (tools/bench/floor-program.ts);
 * - for reference, the program type-checked on start (tools/bench/tsconfig.typecheck.json through
 *   PULUMI_NODEJS_TSCONFIG_PATH: no noCheck, no swc), what a preview paid before.
 * Goal: the program within 1.3 x the floor. The machine's speed drifts from minute to minute, so
 * the two run in pairs, back to back and in alternating order, and the ratio is the median of the
 * pairs' ratios: a slow minute slows both sides of a pair.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "./runtime";

function start(program: string, env: Record<string, string> = {}): number {
    const r = spawnSync(process.execPath, [path.join("tools", "bench", "host.js"), program], {
        cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, ...env },
    });
    if (r.status !== 0) throw new Error(`${program} did not start: ${r.stderr}`);
    return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { ms: number }).ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): number {
    const runs = 9;
    const program: number[] = [];
    const floor: number[] = [];
    const ratios: number[] = [];
    start("index.ts"); // warm the file system cache, as a CI runner's second preview would be
    for (let i = 0; i < runs; i++) {
        const [p, f] = i % 2 === 0
            ? [start("index.ts"), start("tools/bench/floor-program.ts")]
            : [start("tools/bench/floor-program.ts"), start("index.ts")].reverse();
        program.push(p);
        floor.push(f);
        ratios.push(p / f);
    }
    const checked = start("index.ts", { PULUMI_NODEJS_TSCONFIG_PATH: path.join("tools", "bench", "tsconfig.typecheck.json") });
    const ratio = median(ratios);
    console.log(`start to last registration, ${runs} pairs (ms):`);
    console.log(`  program (noCheck, as pulumi preview runs it)   ${String(median(program)).padStart(6)}   runs: ${program.join(", ")}`);
    console.log(`  floor (same SDK and providers, bare program)   ${String(median(floor)).padStart(6)}   runs: ${floor.join(", ")}`);
    console.log(`  program type-checked on start (reference)      ${String(checked).padStart(6)}`);
    console.log(`  ratio per pair: ${ratios.map((r) => r.toFixed(2)).join(", ")}`);
    console.log(`${ratio <= 1.3 ? "PASS" : "FAIL"}  program / floor = ${ratio.toFixed(2)} (median of the pairs) <= 1.30`);
    return ratio <= 1.3 ? 0 : 1;
}

process.exit(main());
