import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { execFileSync } from "child_process";
import { PROJECT_ROOT } from "../../tools/runtime";

/** Every component folder: each is entered only through its door, index.ts. */
const COMPONENTS = fs.readdirSync(path.join(PROJECT_ROOT, "components"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "shared").map((d) => d.name);

interface Edge { from: string; to: string }

/** The project's TypeScript files' relative imports, resolved to repository paths (no extension). */
export function importEdges(files: string[], read = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8")): Edge[] {
    return files.flatMap((from) => ts.preProcessFile(read(from), true, true).importedFiles
        .map((i) => i.fileName).filter((spec) => spec.startsWith("."))
        .map((spec) => ({ from, to: path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.ts$/, "") })));
}

/** What breaks the layout: an import past a component's door, the program reaching into the pack, the pack reaching out. */
export function layoutViolations(edges: Edge[]): string[] {
    return edges.flatMap(({ from, to }) => {
        const [top, folder, inner] = to.split("/");
        const problems: string[] = [];
        if (top === "components" && COMPONENTS.includes(folder) && inner !== undefined && inner !== "index") {
            const inside = [`components/${folder}/`, `tests/components/${folder}/`, `tests/${folder}/`].some((p) => from.startsWith(p));
            if (!inside) problems.push(`${from} must import components/${folder} through its door (components/${folder}/index.ts), not ${to}`);
        }
        if (from.startsWith("components/") && to.startsWith("policy/")) problems.push(`${from} must not import from the policy pack (${to})`);
        if (from.startsWith("policy/") && !to.startsWith("policy/")) problems.push(`${from} must import only within policy/ (pulumi policy publish packs that directory alone), not ${to}`);
        return problems;
    });
}

describe("layout: one folder per component, one door each", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: PROJECT_ROOT, encoding: "utf8" })
        .split("\n").filter((f) => f !== "" && fs.existsSync(path.join(PROJECT_ROOT, f)));

    it("every component folder has a door, and nothing outside a folder imports past it", () => {
        for (const c of COMPONENTS) assert.ok(fs.existsSync(path.join(PROJECT_ROOT, "components", c, "index.ts")), `components/${c}/index.ts exists`);
        assert.deepEqual(layoutViolations(importEdges(files)), []);
    });

    it("index.ts wires components through their doors only: no spec, port or selector of theirs", () => {
        const targets = importEdges(["index.ts"]).map((e) => e.to).filter((t) => t.startsWith("components/"));
        assert.deepEqual(targets.filter((t) => !/^components\/[^/]+$/.test(t) && t !== "components/shared/labels"), []);
    });

    it("refuses each kind of breach (the rules above can fail)", () => {
        const edges = importEdges(["index.ts", "components/kafka/spec.ts", "policy/rules/x.ts", "tests/components/kafka/x.spec.ts"], (f) => ({
            "index.ts": `import { KAFKA_PORT } from "./components/kafka/spec";`,
            "components/kafka/spec.ts": `import { X } from "../../policy/rules/require-tls-listeners";`,
            "policy/rules/x.ts": `import { Y } from "../../components/shared/annotations";`,
            "tests/components/kafka/x.spec.ts": `import { kafkaSpecs } from "../../../components/kafka/spec";`,
        })[f]!);
        const problems = layoutViolations(edges);
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /index\.ts must import components\/kafka through its door/);
        assert.match(problems[1], /components\/kafka\/spec\.ts must not import from the policy pack/);
        assert.match(problems[2], /policy\/rules\/x\.ts must import only within policy\//);
    });
});
