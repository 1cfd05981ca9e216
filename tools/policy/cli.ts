/**
 * `npm run policy -- [--stack dev] [--set <path>=<value> ...] [--config <file>] [--json]`
 * `npm run policy -- --manifests <file|dir> ... [--config <file>] [--json]`
 *
 * The pack's rules on the offline render of a stack, through the real pack served over gRPC as
 * `pulumi preview --policy-pack policy` runs it; or on plain Kubernetes YAML, evaluated in this
 * process with the arguments the SDK builds (tools/policy/engine.ts; a test holds both doors to
 * the same diagnostics). One line per violation, then `<N> violations (<M> mandatory)`. Exit 0
 * without a mandatory violation, 1 with one, 2 when the input is unusable (bad YAML, a missing
 * path, no Kubernetes object, a stack config the program refuses), 3 on an unexpected error.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseCliArgs } from "util";
import { AnalyzedResource, Diagnostic, PolicyConfig, evaluate } from "./engine";
import { POLICY_DIR, PolicyPackProcess } from "./pack";
import { PolicyInputError, fromManifests, manifestFiles, subjectOf } from "./inputs";
import { policyConfigProblems } from "./config-check";
import { CliIo, runAsMain } from "../cli/io";

interface Options { stack: string; sets: string[]; manifests: string[]; json: boolean; config?: string; stats?: boolean; help?: boolean }

const USAGE = `usage: npm run policy -- [--stack NAME] [--set PATH=VALUE ...] [--config FILE] [--json]
       npm run policy -- --manifests PATH ... [--config FILE] [--json]
  --stack      the stack to render and check through the real pack over gRPC (default dev)
  --set        a config value of that stack, as pulumi config set --path takes it (repeatable)
  --manifests  Kubernetes YAML files or directories (searched for *.yaml, *.yml), checked in-process
  --config     policy config: policy name -> level or { enforcementLevel, settings } (--policy-pack-config);
               default with --stack: policy/config/<stack>.json when it exists
  --json       the violations as a JSON array
exit codes: 0 no mandatory violation; 1 a mandatory violation; 2 unusable input (bad arguments,
unparseable YAML, a missing path, no Kubernetes object, a stack config the program refuses); 3 an unexpected error`;

function parseArgs(argv: string[]): Options {
    let parsed;
    try {
        parsed = parseCliArgs({
            args: argv, strict: true, allowPositionals: true,
            options: {
                stack: { type: "string", default: "dev" }, set: { type: "string", multiple: true, default: [] },
                manifests: { type: "string", multiple: true }, config: { type: "string" },
                json: { type: "boolean", default: false }, stats: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        });
    } catch (e) {
        throw new PolicyInputError(`${(e as Error).message} (npm run policy -- --help lists the options)`);
    }
    const { values, positionals } = parsed;
    // `--manifests k8s/ extra.yaml`: the paths after the flag are its values too.
    if (positionals.length > 0 && values.manifests === undefined) throw new PolicyInputError(`unexpected ${positionals[0]}: paths follow --manifests`);
    return { stack: values.stack, sets: values.set, manifests: [...(values.manifests ?? []), ...positionals], json: values.json, config: values.config, stats: values.stats, help: values.help };
}

/**
 * Policy config: --config, else policy/config/<stack>.json when it exists (stacks on clusters they
 * do not create), checked rule by rule before anything runs.
 */
function policyConfig(o: Options): PolicyConfig {
    const file = o.config ?? (o.manifests.length === 0 ? path.join(POLICY_DIR, "config", `${o.stack}.json`) : undefined);
    if (file === undefined || (!o.config && !fs.existsSync(file))) return {};
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PolicyInputError(`${file}: not a policy config (JSON of policy name -> settings): ${(e as Error).message}`);
    }
    const problems = policyConfigProblems(config);
    if (problems.length > 0) throw new PolicyInputError(problems.map((p) => `${file}: ${p}`).join("\n"));
    return config as PolicyConfig;
}

/** The rules on plain YAML (in-process) or on a stack's render (the pack over gRPC, as a preview runs it). */
export async function runPolicy(o: Options, warn: (m: string) => void = (m) => console.error(`warning: ${m}`), running?: PolicyPackProcess): Promise<{
    diagnostics: Diagnostic[]; resources: AnalyzedResource[]; rulesMs: number;
}> {
    const config = policyConfig(o);
    if (o.manifests.length > 0) {
        const resources = fromManifests(manifestFiles(o.manifests), warn);
        const t0 = performance.now();
        const diagnostics = await evaluate(resources, config);
        return { diagnostics, resources, rulesMs: performance.now() - t0 };
    }
    // The pack boots while the program renders; the program and its SDK load only for a render.
    // A caller with several stacks to check passes a pack it started, and stops it itself.
    const starting = running ? Promise.resolve(running) : PolicyPackProcess.start();
    let resources: AnalyzedResource[];
    try {
        resources = await (await import("./render-input")).renderedStack(o.stack, o.sets);
    } catch (e) {
        if (!running) (await starting.catch(() => undefined))?.stop();
        throw e;
    }
    const pack = await starting;
    try {
        const t0 = performance.now();
        await pack.configure(config);
        return { diagnostics: await pack.analyze(resources), resources, rulesMs: performance.now() - t0 };
    } finally {
        if (!running) pack.stop();
    }
}

/** The CLI: its exit code, every line through `io`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
    try {
        return await check(argv, io);
    } catch (e) {
        io.err(`error: ${(e as Error).message ?? e}`);
        return e instanceof PolicyInputError ? 2 : 3;
    }
}

async function check(argv: string[], io: CliIo): Promise<number> {
    const started = Date.now();
    const o = parseArgs(argv);
    if (o.help) {
        io.out(USAGE);
        return 0;
    }
    const { diagnostics, resources, rulesMs } = await runPolicy(o, (m) => io.err(`warning: ${m}`));
    const byUrn = new Map(resources.map((r) => [r.urn, subjectOf(r)]));
    // A stack-wide diagnostic names no resource.
    const rows = diagnostics.map((d) => ({ ...d, subject: byUrn.get(d.urn) ?? "stack" }))
        .sort((a, b) => a.policy.localeCompare(b.policy) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message));
    const mandatory = rows.filter((d) => d.enforcementLevel === "mandatory").length;
    if (o.json) io.out(JSON.stringify(rows, null, 2));
    else {
        for (const d of rows) io.out(`${d.enforcementLevel} ${d.policy} ${d.subject}: ${d.message}`);
        // What a rule could not verify is said, not counted as a violation.
        const unverified = rows.filter((d) => d.message.startsWith("cannot verify: ")).length;
        io.out(`${rows.length - unverified} violations (${mandatory} mandatory)${unverified > 0 ? `, ${unverified} check${unverified === 1 ? "" : "s"} that could not verify` : ""}`);
    }
    if (o.stats) {
        // For npm run bench:policy: the whole run, the rules' share, this process's peak resident memory.
        io.err(`stats: objects=${resources.length} ms=${Date.now() - started} rulesMs=${Math.round(rulesMs)} rss=${process.resourceUsage().maxRSS * 1024}`);
    }
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) runAsMain(run);
