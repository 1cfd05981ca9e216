import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { BinaryWriter } from "google-protobuf";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { structBytes } from "./wire";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const POLICY_DIR = path.join(PROJECT_ROOT, "policy");

/**
 * V8 garbage-collector settings of the offline runner and of the packs it spawns, measured with
 * `npm run bench:policy`. Each gRPC call leaves garbage on both sides (http2 stream and grpc-js
 * call state, decoded messages) that lives just long enough to reach the old generation, where
 * V8 by default lets it grow to several times the live heap before collecting it: 200 MB of
 * garbage in the runner by the end of 10,000 objects, while its live heap is under 30 MB.
 * Growing the old generation by at most half its live size collects it sooner, at no
 * measurable cost, and still scales with the input (no fixed cap to run out of). In a pack, a
 * larger young generation lets more of each decoded request die young instead of being copied
 * twice: about a tenth less time, for some 30 MB per pack.
 */
const SOONER_OLD_GC = "--heap-growing-percent=50";
export const GC_FLAGS = { runner: [SOONER_OLD_GC], pack: [SOONER_OLD_GC, "--max-semi-space-size=32"] };

/** A resource as the engine hands it to an analyzer. */
export interface AnalyzedResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
    parent?: string;
    protect?: boolean;
    ignoreChanges?: string[];
    dependencies?: string[];
    provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
}

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";

export interface Diagnostic {
    enforcementLevel: Level;
    policy: string;
    message: string;
    urn: string;
}

/** A resource encoded once, as an AnalyzerResource, for `analyze` and `analyzeStack` alike. */
export interface EncodedResource {
    urn: string;
    /** What an output line names: `StatefulSet/zk-kafka/zk`, or `<type>/<name>` for other resources. */
    subject: string;
    /** A Kubernetes object's namespace ("default" without one; a Namespace object's is itself). */
    namespace?: string;
    bytes: Uint8Array;
}

const LEVELS: Record<number, Level> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

/** Policy config as `--policy-pack-config` takes it: policy name -> level or { enforcementLevel, ...properties }. */
export type PolicyConfig = Record<string, string | ({ enforcementLevel?: string } & Record<string, unknown>)>;

/**
 * The real policy pack, run as the Pulumi CLI runs it: a separate Node process serving the
 * analyzer gRPC interface, which prints its port; then configured and asked over gRPC.
 */
export class PolicyPackProcess {
    private constructor(private readonly child: ChildProcess, private readonly client: analyzerRpc.AnalyzerClient) {}

    static async start(): Promise<PolicyPackProcess> {
        // The pack reads ./package.json for its version: it runs in its own directory, as under the CLI.
        const child = spawn(process.execPath, [...GC_FLAGS.pack, "-r", "ts-node/register/transpile-only", path.join(POLICY_DIR, "index.ts")],
            { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TS_NODE_PROJECT: path.join(PROJECT_ROOT, "tsconfig.json") } });
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
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(),
            { "grpc.max_receive_message_length": 1 << 30, "grpc.max_send_message_length": 1 << 30 });
        return new PolicyPackProcess(child, client);
    }

    /** Peak resident memory of the pack's process, in bytes (Linux). */
    peakRss(): number | undefined {
        try {
            const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, "utf8"))?.[1];
            return kb ? Number(kb) * 1024 : undefined;
        } catch {
            return undefined;
        }
    }

    async configure(config: PolicyConfig): Promise<void> {
        const req = new analyzer.ConfigureAnalyzerRequest();
        for (const [policy, value] of Object.entries(config)) {
            const { enforcementLevel, ...properties } = typeof value === "string" ? { enforcementLevel: value } : value;
            const pc = new analyzer.PolicyConfig();
            const level = Object.entries(LEVELS).find(([, l]) => l === enforcementLevel)?.[0];
            if (level !== undefined) pc.setEnforcementlevel(Number(level) as analyzer.EnforcementLevel);
            pc.setProperties(Struct.fromJavaScript(properties as Record<string, never>));
            req.getPolicyconfigMap().set(policy, pc);
        }
        await new Promise<void>((resolve, reject) => this.client.configure(req, (e) => (e ? reject(e) : resolve())));
    }

    /** Every resource through `analyze`, then all of them through `analyzeStack`, as a preview does. */
    async analyze(resources: AnalyzedResource[], inFlight = 16): Promise<Diagnostic[]> {
        return this.analyzeEncoded(resources.map(encodeResource), inFlight);
    }

    /**
     * The same for resources encoded already (encodeResource): each `analyze` call sends a
     * resource's bytes as they are, and the stack request is those same bytes as its repeated
     * field 1. A bounded number of calls is in flight, so that thousands of objects cost time
     * and memory in proportion.
     */
    async analyzeEncoded(stack: EncodedResource[], inFlight = 16): Promise<Diagnostic[]> {
        const diagnostics: Diagnostic[] = [];
        const collect = (r: analyzer.AnalyzeResponse) => r.getDiagnosticsList().forEach((d) => diagnostics.push({
            enforcementLevel: LEVELS[d.getEnforcementlevel()], policy: d.getPolicyname(), message: messageOf(d), urn: d.getUrn(),
        }));
        const call = (method: grpc.MethodDefinition<unknown, analyzer.AnalyzeResponse>, bytes: Uint8Array) =>
            new Promise<analyzer.AnalyzeResponse>((resolve, reject) => this.client.makeUnaryRequest(
                method.path, (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), method.responseDeserialize, bytes,
                (e: grpc.ServiceError | null, res?: analyzer.AnalyzeResponse) => (e ? reject(e) : resolve(res!))));
        const service = analyzerRpc.AnalyzerService as unknown as Record<"analyze" | "analyzeStack", grpc.MethodDefinition<unknown, analyzer.AnalyzeResponse>>;
        let next = 0;
        const worker = async () => {
            while (next < stack.length) {
                const r = stack[next++];
                const res = await call(service.analyze, r.bytes);
                // A resource policy's violation names the resource it was asked about.
                res.getDiagnosticsList().forEach((d) => d.getUrn() || d.setUrn(r.urn));
                collect(res);
            }
        };
        await Promise.all(Array.from({ length: Math.min(inFlight, stack.length) }, worker));
        const request = new BinaryWriter();
        for (const r of stack) request.writeBytes(1, r.bytes);
        collect(await call(service.analyzeStack, request.getResultBuffer()));
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

/**
 * A resource as an AnalyzerResource's bytes. Its fields 1-6 are AnalyzeRequest's (the rest the
 * server skips as unknown), so the same bytes serve `analyze` and, framed, `analyzeStack`.
 */
export function encodeResource(r: AnalyzedResource): EncodedResource {
    const a = new analyzer.AnalyzerResource();
    a.setType(r.type).setName(r.name).setUrn(r.urn).setOptions(options(r)).setParent(r.parent ?? "");
    a.setDependenciesList(r.dependencies ?? []);
    if (r.provider) a.setProvider(provider(r.provider));
    // The properties (field 2) written directly; a decoder takes fields in any order.
    const head = new BinaryWriter();
    head.writeBytes(2, structBytes(r.props));
    const bytes = concat(head.getResultBuffer(), a.serializeBinary());
    const o = r.props as { kind?: unknown; metadata?: { name?: unknown; namespace?: string } };
    if (!r.type.startsWith("kubernetes:") || typeof o.kind !== "string") return { urn: r.urn, subject: `${r.type}/${r.name}`, bytes };
    const namespace = o.metadata?.namespace ?? (o.kind === "Namespace" ? "" : "default");
    return {
        urn: r.urn, subject: `${o.kind}/${namespace}/${o.metadata?.name}`, bytes,
        // A Namespace object goes with the objects it holds.
        namespace: o.kind === "Namespace" ? String(o.metadata?.name) : namespace,
    };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

function struct(props: Record<string, unknown>): Struct {
    // The engine sends plain data: undefined members dropped (parsed YAML has none; a render may).
    return Struct.fromJavaScript(props as Record<string, never>);
}

function options(r: AnalyzedResource): analyzer.AnalyzerResourceOptions {
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(r.protect ?? false).setIgnorechangesList(r.ignoreChanges ?? []).setParent(r.parent ?? "");
    return o;
}

function provider(p: NonNullable<AnalyzedResource["provider"]>): analyzer.AnalyzerProviderResource {
    const a = new analyzer.AnalyzerProviderResource();
    a.setType(p.type).setName(p.name).setUrn(p.urn).setProperties(struct(p.props));
    return a;
}
