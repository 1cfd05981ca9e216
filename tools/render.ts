/**
 * `npm run render -- [--stack dev] [--out out] [--set <path>=<value> ...] [--deployed FILE]`
 *
 * Runs the whole program offline under the Pulumi SDK's mock runtime and writes
 * <out>/manifests.yaml (every Kubernetes object, schema-validated) and <out>/resources.json
 * (every resource with its inputs). Needs no Pulumi CLI, cloud credentials or network.
 * --deployed names the stack's last outputs (`pulumi stack output --json --show-secrets` or a
 * plain `--json`), so a change is checked against what is live, as `pulumi preview` does.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseCliArgs } from "util";
import { renderStack } from "./render-stack";
import { StackConfigError } from "./stack-config";
import { ManifestError } from "./manifests";
import { PROJECT_ROOT } from "./runtime";
import { criticalPath, describePath } from "./critical-path";
import { CliIo, runAsMain } from "./cli/io";

interface Options { stack: string; out: string; sets: string[]; deployed?: string; help: boolean }

const USAGE = `usage: npm run render -- [--stack NAME] [--out DIR] [--set PATH=VALUE ...] [--deployed OUTPUTS.json]
  --stack     the stack whose Pulumi.<stack>.yaml applies (default dev)
  --out       where manifests.yaml and resources.json go (default out)
  --set       a config value, as pulumi config set --path takes it (repeatable)
  --deployed  the stack's last outputs (pulumi stack output --json): changes are checked against them
exit codes: 0 rendered; 1 invalid config, a manifest the Kubernetes schema refuses, bad arguments or an unwritable --out`;

function parseArgs(argv: string[]): Options {
    try {
        const { values } = parseCliArgs({
            args: argv, strict: true, allowPositionals: false,
            options: {
                stack: { type: "string", default: "dev" }, out: { type: "string", default: "out" }, set: { type: "string", multiple: true, default: [] },
                deployed: { type: "string" }, help: { type: "boolean", short: "h", default: false },
            },
        });
        return { stack: values.stack, out: values.out, sets: values.set, deployed: values.deployed, help: values.help };
    } catch (e) {
        throw new StackConfigError(`${(e as Error).message} (npm run render -- --help lists the options)`);
    }
}

/**
 * Checks, before rendering, that the output directory exists as a writable directory or can be
 * made (its nearest existing ancestor is one): a file in the way or no permission is one line
 * naming the path. Nothing is created until the render has succeeded.
 */
function outputDir(dir: string): string {
    let existing = dir;
    while (!fs.existsSync(existing)) existing = path.dirname(existing);
    const problem = !fs.statSync(existing).isDirectory() ? `${existing} is not a directory`
        : (() => {
            try {
                fs.accessSync(existing, fs.constants.W_OK);
                return undefined;
            } catch (e) {
                return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
            }
        })();
    if (problem) throw new StackConfigError(`--out ${dir} must be a directory this user can write, got: ${problem}`);
    return dir;
}

/**
 * Creates --out level by level (not mkdir -p: on a file system that refuses new directories
 * with ENOENT, as /proc does, Node's recursive mkdir retries for ever) and writes the files; a
 * refusal is one line naming the path.
 */
function writeOut(dir: string, files: Record<string, string>): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    let current = dir;
    try {
        for (const d of missing) {
            current = d;
            fs.mkdirSync(d);
        }
        for (const [name, text] of Object.entries(files)) {
            current = path.join(dir, name);
            fs.writeFileSync(current, text);
        }
    } catch (e) {
        throw new StackConfigError(`--out ${dir} must be a directory this user can write, got: ${current}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
}

/** The stack's last outputs from a `pulumi stack output --json` file; a bad file is a usage error naming it. */
function readDeployed(file: string | undefined): Record<string, unknown> {
    if (file === undefined) return {};
    let value: unknown;
    try {
        value = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackConfigError(`--deployed ${file} must be a readable JSON file of stack outputs (pulumi stack output --json), got: ${(e as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new StackConfigError(`--deployed ${file} must hold a JSON object of stack outputs (pulumi stack output --json), got ${JSON.stringify(value).slice(0, 40)}`);
    }
    return value as Record<string, unknown>;
}

/** The CLI: its exit code, every line through `io`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
    try {
        return await render(argv, io);
    } catch (e) {
        const known = e instanceof StackConfigError || e instanceof ManifestError || (e as Error)?.name === "ConfigError";
        io.err(known ? `error: ${(e as Error).message.split("\n").join("\nerror: ")}` : String((e as Error)?.stack ?? e));
        return 1;
    }
}

async function render(argv: string[], io: CliIo): Promise<number> {
    const started = Date.now();
    const options = parseArgs(argv);
    if (options.help) {
        io.out(USAGE);
        return 0;
    }
    const out = outputDir(path.resolve(PROJECT_ROOT, options.out));
    const rendered = await renderStack(options.stack, options.sets, readDeployed(options.deployed));
    writeOut(out, {
        "manifests.yaml": rendered.manifestsYaml,
        "resources.json": JSON.stringify(rendered.resources.map(({ registeredAtMs: _at, ...r }) => r), null, 2) + "\n",
    });

    const counts = new Map<string, number>();
    for (const r of rendered.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    io.out(`Rendered stack ${options.stack}: ${rendered.resources.length} resources, ` +
        `${rendered.objects.length} Kubernetes objects (schema-valid) in ${Date.now() - started} ms`);
    for (const [type, n] of [...counts].sort()) io.out(`  ${String(n).padStart(3)}  ${type}`);
    io.out("Outputs:");
    for (const [key, value] of Object.entries(rendered.outputs)) {
        io.out(`  ${key}: ${rendered.secretOutputs.includes(key) ? "[secret]" : JSON.stringify(value)}`);
    }
    io.out(`Critical path of a fresh pulumi up (what it must wait on, one after another):\n    ${describePath(criticalPath(rendered.resources))}`);
    const dir = path.relative(process.cwd(), out) || ".";
    io.out(`Wrote ${dir}/manifests.yaml and ${dir}/resources.json`);
    return 0;
}

if (require.main === module) runAsMain(run);
