import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/runtime";
import { tempDir } from "../harness/temp";

/** The CLIs an example may run, and what `npm run <script>` runs for each (package.json). */
const SCRIPTS: Record<string, string> = { render: "tools/render.ts", policy: "tools/policy/cli.ts" };

/**
 * Every `npm run render …` and `npm run policy …` line of a shell block in README.md and
 * docs/*.md, with the exit code its comment claims (`# exit 1: …`; none claimed is 0).
 */
function examples(): Array<{ doc: string; line: string; script: string; args: string[]; exit: number }> {
    const docs = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];
    return docs.flatMap((doc) => {
        const blocks = [...fs.readFileSync(path.join(PROJECT_ROOT, doc), "utf8").matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((m) => m[1]);
        return blocks.flatMap((b) => b.split("\n")).map((line) => {
            const m = /^npm run (render|policy)(?: -- (.*?))?\s*(?:#\s*(.*))?$/.exec(line.replace(/^npm ci && /, ""));
            if (!m) return undefined;
            const exit = Number(/^exit (\d+)/.exec(m[3] ?? "")?.[1] ?? 0);
            return { doc, line, script: SCRIPTS[m[1]], args: (m[2] ?? "").split(/\s+/).filter(Boolean), exit };
        }).filter((e): e is NonNullable<typeof e> => e !== undefined);
    });
}

describe("the npm run examples of README.md and docs/", function () {
    this.timeout(60_000);
    const all = examples();

    it("are found (the render and policy examples of the docs at least)", () => {
        assert.ok(all.length >= 7, all.map((e) => e.line).join("\n"));
    });

    for (const e of all) {
        it(`${e.doc}: ${e.line}`, () => {
            // A render writes into a temp directory unless the example names one.
            const args = e.script === SCRIPTS.render && !e.args.includes("--out") ? [...e.args, "--out", tempDir("example-out-")] : e.args;
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", e.script, ...args], { cwd: PROJECT_ROOT, encoding: "utf8" });
            assert.equal(r.status, e.exit, `exit ${r.status}, the text claims ${e.exit}:\n${r.stderr.slice(0, 1500)}`);
        });
    }
});
