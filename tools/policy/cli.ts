/**
 * `npm run policy -- [--stack dev] [--set <path>=<value> ...] [--config <file>] [--json]`
 * `npm run policy -- --manifests <file|dir> ... [--config <file>] [--json]`
 *
 * Runs the real policy pack (policy/) as `pulumi preview --policy-pack policy` does: spawned,
 * over its analyzer gRPC interface, resource and stack rules, against every resource of the
 * offline render of a stack, or against plain Kubernetes YAML (a large set in stacks of whole
 * namespaces over several pack processes: tools/policy/parallel.ts). One line per violation, then
 * `<N> violations (<M> mandatory)`. Exit 0 without a mandatory violation, 1 with one, 2 when
 * the input is unusable.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseCliArgs } from "util";
import * as v8 from "v8";
import { Diagnostic, EncodedResource, GC_FLAGS, POLICY_DIR, PolicyConfig, PolicyPackProcess } from "./pack";
import { analyzeStacks, namespaceStacks, stopAll, workersForInput } from "./parallel";
import { PolicyInputError, fromManifests, manifestFiles } from "./inputs";

interface Options { stack: string; sets: string[]; manifests: string[]; json: boolean; config?: string; stats?: boolean }

function parseArgs(argv: string[]): Options {
    let parsed;
    try {
        parsed = parseCliArgs({
            args: argv, strict: true, allowPositionals: true,
            options: {
                stack: { type: "string", default: "dev" }, set: { type: "string", multiple: true, default: [] },
                manifests: { type: "string", multiple: true }, config: { type: "string" },
                json: { type: "boolean", default: false }, stats: { type: "boolean", default: false },
            },
        });
    } catch (e) {
        throw new PolicyInputError(`${(e as Error).message}\nusage: --stack NAME, --set PATH=VALUE, --manifests PATH..., --config FILE, --json`);
    }
    const { values, positionals } = parsed;
    // `--manifests k8s/ extra.yaml`: the paths after the flag are its values too.
    if (positionals.length > 0 && values.manifests === undefined) throw new PolicyInputError(`unexpected ${positionals[0]}: paths follow --manifests`);
    return { stack: values.stack, sets: values.set, manifests: [...(values.manifests ?? []), ...positionals], json: values.json, config: values.config, stats: values.stats };
}

/** Policy config: --config, else policy/config/<stack>.json when it exists (stacks on clusters they do not create). */
function policyConfig(o: Options): PolicyConfig {
    const file = o.config ?? (o.manifests.length === 0 ? path.join(POLICY_DIR, "config", `${o.stack}.json`) : undefined);
    if (file === undefined || (!o.config && !fs.existsSync(file))) return {};
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyConfig;
    } catch (e) {
        throw new PolicyInputError(`${file}: not a policy config (JSON of policy name -> settings): ${(e as Error).message}`);
    }
}

/**
 * The pack on the stack's render (one stack, one pack process, as a preview runs it) or on plain
 * YAML (stacks of whole namespaces, shared among pack processes: see namespaceStacks).
 */
export async function runPolicy(o: Options, warn: (m: string) => void = (m) => console.error(`warning: ${m}`)): Promise<{ diagnostics: Diagnostic[]; resources: EncodedResource[]; packRss: number }> {
    const config = policyConfig(o);
    const files = o.manifests.length > 0 ? manifestFiles(o.manifests) : [];
    // The packs boot while the input is read or rendered: as many as its size calls for.
    const inputBytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
    const starting = Array.from({ length: workersForInput(inputBytes) }, () => PolicyPackProcess.start());
    let stacks: EncodedResource[][];
    try {
        stacks = o.manifests.length > 0
            ? namespaceStacks(fromManifests(files, warn))
            // The program and its SDK load only for a render: plain YAML needs neither.
            : [await (await import("./render-input")).renderedStack(o.stack, o.sets)];
    } catch (e) {
        await stopAll(starting);
        throw e;
    }
    const { diagnostics, packRss } = await analyzeStacks(stacks, config, { started: starting });
    return { diagnostics, resources: stacks.flat(), packRss };
}

async function main(): Promise<number> {
    // V8 reads this flag whenever it sizes the old generation, so setting it now takes effect.
    GC_FLAGS.runner.forEach((flag) => v8.setFlagsFromString(flag));
    const started = Date.now();
    const o = parseArgs(process.argv.slice(2));
    const { diagnostics, resources, packRss } = await runPolicy(o);
    const byUrn = new Map(resources.map((r) => [r.urn, r.subject]));
    // A stack-wide diagnostic names no resource.
    const rows = diagnostics.map((d) => ({ ...d, subject: byUrn.get(d.urn) ?? "stack" }))
        .sort((a, b) => a.policy.localeCompare(b.policy) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message));
    const mandatory = rows.filter((d) => d.enforcementLevel === "mandatory").length;
    if (o.json) console.log(JSON.stringify(rows, null, 2));
    else {
        for (const d of rows) console.log(`${d.enforcementLevel} ${d.policy} ${d.subject}: ${d.message}`);
        console.log(`${rows.length} violations (${mandatory} mandatory)`);
    }
    if (o.stats) {
        // For npm run bench:policy: this process's and the pack's peak resident memory.
        console.error(`stats: objects=${resources.length} ms=${Date.now() - started} runnerRss=${process.resourceUsage().maxRSS * 1024} packRss=${packRss}`);
    }
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must drain before the process ends.
    main().then((code) => (process.exitCode = code), (e: unknown) => {
        // Input the pack cannot run on: a bad stack config, a --set, a manifest or YAML file.
        console.error(`error: ${(e as Error).message ?? e}`);
        process.exit(e instanceof PolicyInputError ? 2 : 3);
    });
}
