/**
 * `npm run policy -- [--stack dev] [--set <path>=<value> ...] [--config <file>] [--json]`
 * `npm run policy -- --manifests <file|dir> ... [--config <file>] [--json]`
 *
 * Runs the real policy pack (policy/) as `pulumi preview --policy-pack policy` does: spawned,
 * over its analyzer gRPC interface, resource and stack rules, against every resource of the
 * offline render of a stack, or against plain Kubernetes YAML. One line per violation, then
 * `<N> violations (<M> mandatory)`. Exit 0 without a mandatory violation, 1 with one, 2 when
 * the input is unusable.
 */
import * as fs from "fs";
import * as path from "path";
import { renderStack } from "../render-stack";
import { StackConfigError } from "../stack-config";
import { ManifestError } from "../manifests";
import { ConfigError } from "../../schema/errors";
import { AnalyzedResource, Diagnostic, POLICY_DIR, PolicyConfig, PolicyPackProcess } from "./pack";
import { PolicyInputError, fromManifests, fromRender, manifestFiles } from "./inputs";

interface Options { stack: string; sets: string[]; manifests: string[]; json: boolean; config?: string; stats?: boolean }

function parseArgs(argv: string[]): Options {
    const o: Options = { stack: "dev", sets: [], manifests: [], json: false };
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].split(/=(.*)/s, 2);
        const value = () => {
            const v = inline ?? argv[++i];
            if (v === undefined) throw new PolicyInputError(`${flag} needs a value`);
            return v;
        };
        if (flag === "--stack") o.stack = value();
        else if (flag === "--set") o.sets.push(value());
        else if (flag === "--config") o.config = value();
        else if (flag === "--json") o.json = true;
        else if (flag === "--stats") o.stats = true;
        else if (flag === "--manifests") {
            if (inline !== undefined) o.manifests.push(inline);
            while (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) o.manifests.push(argv[++i]);
            if (o.manifests.length === 0) throw new PolicyInputError("--manifests needs a file or directory");
        } else throw new PolicyInputError(`unknown argument ${argv[i]}: use --stack, --set, --manifests, --config, --json`);
    }
    return o;
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

/** `StatefulSet/zk-kafka/zk` for Kubernetes objects, `<type>/<name>` otherwise, `stack` for stack-wide ones. */
function subject(urn: string, byUrn: Map<string, AnalyzedResource>): string {
    const r = byUrn.get(urn);
    if (!r) return "stack";
    const o = r.props as { kind?: string; metadata?: { name?: string; namespace?: string } };
    if (r.type.startsWith("kubernetes:") && o.kind) return `${o.kind}/${o.metadata?.namespace ?? (o.kind === "Namespace" ? "" : "default")}/${o.metadata?.name}`;
    return `${r.type}/${r.name}`;
}

export async function runPolicy(o: Options, warn: (m: string) => void = (m) => console.error(`warning: ${m}`)): Promise<{ diagnostics: Diagnostic[]; resources: AnalyzedResource[]; packRss?: number }> {
    const resources = o.manifests.length > 0
        ? fromManifests(manifestFiles(o.manifests), warn)
        : fromRender((await renderStack(o.stack, o.sets)).resources);
    const config = policyConfig(o);
    const pack = await PolicyPackProcess.start();
    try {
        await pack.configure(config);
        const diagnostics = await pack.analyze(resources);
        return { diagnostics, resources, packRss: pack.peakRss() };
    } finally {
        pack.stop();
    }
}

async function main(): Promise<number> {
    const started = Date.now();
    const o = parseArgs(process.argv.slice(2));
    const { diagnostics, resources, packRss } = await runPolicy(o);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const rows = diagnostics.map((d) => ({ ...d, subject: subject(d.urn, byUrn) }))
        .sort((a, b) => a.policy.localeCompare(b.policy) || a.subject.localeCompare(b.subject) || a.message.localeCompare(b.message));
    const mandatory = rows.filter((d) => d.enforcementLevel === "mandatory").length;
    if (o.json) console.log(JSON.stringify(rows, null, 2));
    else {
        for (const d of rows) console.log(`${d.enforcementLevel} ${d.policy} ${d.subject}: ${d.message}`);
        console.log(`${rows.length} violations (${mandatory} mandatory)`);
    }
    if (o.stats) {
        // For npm run bench:policy: this process's and the pack's peak resident memory.
        console.error(`stats: objects=${resources.length} ms=${Date.now() - started} runnerRss=${process.resourceUsage().maxRSS * 1024} packRss=${packRss ?? 0}`);
    }
    return mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
    // exitCode, not exit(): a piped stdout must drain before the process ends.
    main().then((code) => (process.exitCode = code), (e: unknown) => {
        // Input the pack cannot run on: a bad stack config, a --set, a manifest or YAML file.
        const unusable = [PolicyInputError, StackConfigError, ConfigError, ManifestError].some((c) => e instanceof c);
        console.error(`error: ${(e as Error).message ?? e}`);
        process.exit(unusable ? 2 : 3);
    });
}
