import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../../tools/runtime";
import { tempDir } from "../harness/temp";
import { runCli } from "../harness/cli";
import { run as renderRun } from "../../tools/render";
import { run as policyRun } from "../../tools/policy/cli";

/** The CLIs an example may run: what `npm run <script>` runs for each (package.json), called in this process. */
const SCRIPTS = { render: renderRun, policy: policyRun };

/**
 * Every `npm run render …` and `npm run policy …` line of a shell block in README.md and
 * docs/*.md, with the exit code its comment claims (`# exit 1: …`; none claimed is 0).
 */
function examples(): Array<{ doc: string; line: string; script: keyof typeof SCRIPTS; args: string[]; exit: number }> {
    const docs = ["README.md", ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f))];
    return docs.flatMap((doc) => {
        const blocks = [...fs.readFileSync(path.join(PROJECT_ROOT, doc), "utf8").matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((m) => m[1]);
        return blocks.flatMap((b) => b.split("\n")).map((line) => {
            const m = /^npm run (render|policy)(?: -- (.*?))?\s*(?:#\s*(.*))?$/.exec(line.replace(/^npm ci && /, ""));
            if (!m) return undefined;
            const exit = Number(/^exit (\d+)/.exec(m[3] ?? "")?.[1] ?? 0);
            return { doc, line, script: m[1] as keyof typeof SCRIPTS, args: (m[2] ?? "").split(/\s+/).filter(Boolean), exit };
        }).filter((e): e is NonNullable<typeof e> => e !== undefined);
    });
}

describe("the npm run examples of README.md and docs/", function () {
    const all = examples();

    it("are found (the render and policy examples of the docs at least)", () => {
        assert.ok(all.length >= 7, all.map((e) => e.line).join("\n"));
    });

    for (const e of all) {
        it(`${e.doc}: ${e.line}`, async () => {
            // A render writes into a temp directory unless the example names one.
            const args = e.script === "render" && !e.args.includes("--out") ? [...e.args, "--out", tempDir("example-out-")] : e.args;
            const r = await runCli(SCRIPTS[e.script], args);
            assert.equal(r.status, e.exit, `exit ${r.status}, the text claims ${e.exit}:\n${r.stderr.slice(0, 1500)}`);
        });
    }
});
