import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { BINARIES, binaryDir, isBuilt } from "../../tools/e2e/build";

const PROMTOOL = BINARIES.find((b) => b.name === "promtool")!;

/** promtool at the pinned version (npm run e2e:build -- promtool), or undefined when it is not built. */
export function promtoolPath(): string | undefined {
    return isBuilt(PROMTOOL) ? path.join(binaryDir(PROMTOOL), "promtool") : undefined;
}

/** One `promtool test rules` run: the rule groups as a rule file, the tests as its test file. */
export function testRules(groups: unknown[], tests: unknown[], evaluationInterval: string): { status: number | null; output: string } {
    const promtool = promtoolPath();
    if (!promtool) throw new Error("promtool is not built at the pinned version: run npm run e2e:build -- promtool");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zk-kafka-alerts-"));
    try {
        fs.writeFileSync(path.join(dir, "rules.yaml"), YAML.stringify({ groups }));
        fs.writeFileSync(path.join(dir, "test.yaml"), YAML.stringify({ rule_files: ["rules.yaml"], evaluation_interval: evaluationInterval, tests }));
        // One thread: the tests run in parallel workers already, and Go's parallel collector only adds CPU.
        const r = spawnSync(promtool, ["test", "rules", "test.yaml"], { cwd: dir, encoding: "utf8", env: { ...process.env, GOMAXPROCS: "1" } });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * A series' samples at each step of a promtool test, `_` where it has none: what a scrape that
 * stops leaves on Managed Prometheus, which writes no staleness marker.
 */
export function samples(steps: number, value: (step: number) => number | undefined): string {
    return Array.from({ length: steps }, (_, i) => value(i) ?? "_").join(" ");
}
