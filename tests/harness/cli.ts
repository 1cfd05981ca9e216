import { spawnSync } from "child_process";
import type { CliIo } from "../../tools/cli/io";
import { PROJECT_ROOT } from "../../tools/runtime";

export interface CliResult { status: number; stdout: string; stderr: string }
type Run = (argv: string[], io: CliIo) => Promise<number>;

const text = (lines: string[]) => lines.map((l) => `${l}\n`).join("");

/**
 * A CLI's `run` in this process, its lines captured: what `npm run <script> -- <args>` does,
 * without a Node and ts-node start per call. One test per CLI goes through `npmRun` instead,
 * to cover the entry point itself.
 */
export async function runCli(run: Run, args: string[]): Promise<CliResult> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, stdout: text(out), stderr: text(err) };
}

/** `npm run <script> -- <args>`, exactly as a user types it. */
export function npmRun(script: string, args: string[]): CliResult {
    const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
