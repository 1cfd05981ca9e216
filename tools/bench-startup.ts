/**
 * `npm run bench`: how fast a `pulumi preview` starts the program. In one run, each case a fresh
 * process started as Pulumi's Node host starts it (tools/bench/host.js: ts-node with this
 * tsconfig.json), timed from process start to the last resource registration, median of five:
 * - the program (index.ts with the dev stack's config);
 * - the floor: a bare program with the same SDK and providers (tools/bench/floor-program.ts);
 * - for reference, the program type-checked on start (tools/bench/tsconfig.typecheck.json through
 *   PULUMI_NODEJS_TSCONFIG_PATH: no noCheck, no swc), what a preview paid before.
 * Goal: the program within 1.3 x the floor.
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
    const runs = 5;
    const program: number[] = [];
    const floor: number[] = [];
    start("index.ts"); // warm the file system cache, as a CI runner's second preview would be
    for (let i = 0; i < runs; i++) {
        program.push(start("index.ts"));
        floor.push(start("tools/bench/floor-program.ts"));
    }
    const checked = start("index.ts", { PULUMI_NODEJS_TSCONFIG_PATH: path.join("tools", "bench", "tsconfig.typecheck.json") });
    const [p, f] = [median(program), median(floor)];
    const ratio = p / f;
    console.log(`start to last registration, median of ${runs} (ms):`);
    console.log(`  program (noCheck, as pulumi preview runs it)   ${String(p).padStart(6)}   runs: ${program.join(", ")}`);
    console.log(`  floor (same SDK and providers, bare program)   ${String(f).padStart(6)}   runs: ${floor.join(", ")}`);
    console.log(`  program type-checked on start (reference)      ${String(checked).padStart(6)}`);
    console.log(`${ratio <= 1.3 ? "PASS" : "FAIL"}  program / floor = ${ratio.toFixed(2)} <= 1.30`);
    return ratio <= 1.3 ? 0 : 1;
}

process.exit(main());
