import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzedResource, Diagnostic, Level, PolicyConfig, reconcile } from "./engine";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const POLICY_DIR = path.join(PROJECT_ROOT, "policy");

const LEVELS: Record<number, Level> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

/**
 * The real policy pack, run as the Pulumi CLI runs it: a separate Node process serving the
 * analyzer gRPC interface, which prints its port; then configured and asked over gRPC.
 */
export class PolicyPackProcess {
    private constructor(private readonly child: ChildProcess, private readonly client: analyzerRpc.AnalyzerClient) {}

    static async start(): Promise<PolicyPackProcess> {
        // The pack reads ./package.json for its version, and compiles with its own tsconfig: it
        // runs in its own directory, as under the CLI.
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(POLICY_DIR, "index.ts")],
            { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_PROJECT: path.join(POLICY_DIR, "tsconfig.json") } });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            child.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(Number(m[1]));
            });
            child.once("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving: ${stderr}`)));
        });
        return new PolicyPackProcess(child, new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
    }

    /** The config as the engine reconciles it (engine.ts, reconcile): every policy's level and properties. */
    async configure(config: PolicyConfig): Promise<void> {
        const req = new analyzer.ConfigureAnalyzerRequest();
        for (const [policy, { level, properties }] of reconcile(config)) {
            const pc = new analyzer.PolicyConfig();
            pc.setEnforcementlevel(Number(Object.entries(LEVELS).find(([, l]) => l === level)![0]) as analyzer.EnforcementLevel);
            pc.setProperties(Struct.fromJavaScript(properties as Record<string, never>));
            req.getPolicyconfigMap().set(policy, pc);
        }
        await new Promise<void>((resolve, reject) => this.client.configure(req, (e) => (e ? reject(e) : resolve())));
    }

    /** Every resource through `analyze`, then all of them through `analyzeStack`, as a preview does. */
    async analyze(resources: AnalyzedResource[]): Promise<Diagnostic[]> {
        const diagnostics: Diagnostic[] = [];
        const collect = (r: analyzer.AnalyzeResponse, urn = "") => r.getDiagnosticsList().forEach((d) => diagnostics.push({
            enforcementLevel: LEVELS[d.getEnforcementlevel()], policy: d.getPolicyname(), message: messageOf(d), urn: d.getUrn() || urn,
        }));
        for (const r of resources) {
            const req = new analyzer.AnalyzeRequest();
            const a = analyzerResource(r);
            req.setType(a.getType()).setName(a.getName()).setUrn(a.getUrn()).setProperties(a.getProperties()).setOptions(a.getOptions());
            if (a.getProvider()) req.setProvider(a.getProvider());
            // A resource policy's violation names the resource it was asked about.
            collect(await new Promise((resolve, reject) => this.client.analyze(req, (e, res) => (e ? reject(e) : resolve(res!)))), r.urn);
        }
        const stack = new analyzer.AnalyzeStackRequest();
        stack.setResourcesList(resources.map(analyzerResource));
        collect(await new Promise((resolve, reject) => this.client.analyzeStack(stack, (e, res) => (e ? reject(e) : resolve(res!)))));
        return diagnostics;
    }

    stop(): void {
        this.client.close();
        this.child.kill("SIGKILL");
    }
}

/**
 * The violation itself: the SDK puts the rule's description before it (the line names the rule
 * already), and words what it cannot know at preview as "can't run … during preview: …".
 */
function messageOf(d: analyzer.AnalyzeDiagnostic): string {
    const message = d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage();
    const unknown = /^can't run policy '[^']+' from policy pack '[^']+' during preview: (.*)$/s.exec(message);
    return unknown ? (unknown[1].startsWith("cannot verify: ") ? unknown[1] : `cannot verify: ${unknown[1]}`) : message;
}

function analyzerResource(r: AnalyzedResource): analyzer.AnalyzerResource {
    const a = new analyzer.AnalyzerResource();
    // The engine sends plain data: undefined members dropped (parsed YAML has none; a render may).
    a.setType(r.type).setName(r.name).setUrn(r.urn).setProperties(Struct.fromJavaScript(r.props as Record<string, never>)).setParent(r.parent ?? "");
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(r.protect ?? false).setIgnorechangesList(r.ignoreChanges ?? []).setParent(r.parent ?? "");
    a.setOptions(o).setDependenciesList(r.dependencies ?? []);
    if (r.provider) {
        const p = new analyzer.AnalyzerProviderResource();
        p.setType(r.provider.type).setName(r.provider.name).setUrn(r.provider.urn).setProperties(Struct.fromJavaScript(r.provider.props as Record<string, never>));
        a.setProvider(p);
    }
    return a;
}
