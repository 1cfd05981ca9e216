import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { specialResourceSig, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { ProgramConfig } from "./stack-config";
import { mockCall, mockState } from "./mock-state";

/** One resource the program registered, with its inputs as the engine would receive them. */
export interface RegisteredResource {
    type: string;
    name: string;
    urn?: string;
    /** URN of the parent resource, if any. */
    parent?: string;
    custom: boolean;
    /** `<provider urn>::<provider id>` when the resource names an explicit provider. */
    provider?: string;
    /** Whether Pulumi refuses to delete it (the `protect` option). */
    protect?: boolean;
    /** Whether deleting it from the program leaves the live object alone (the `retainOnDelete` option). */
    retainOnDelete?: boolean;
    /**
     * URNs the engine waits for before creating it: `dependsOn` plus the resources its inputs
     * come from, as the SDK sends them.
     */
    dependencies?: string[];
    /** Inputs whose changes are ignored after creation (the `ignoreChanges` option). */
    ignoreChanges?: string[];
    /** When the program registered it, in ms since the process started (not written to resources.json). */
    registeredAtMs?: number;
    /** How long the engine waits for a create, update or delete (the `customTimeouts` option). */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Inputs; secret values are replaced by "[secret]". */
    props: Record<string, unknown>;
}

export interface ProgramRun {
    resources: RegisteredResource[];
    /** Stack outputs with their values (undefined ones left out, as the engine does). */
    outputs: Record<string, unknown>;
    /** Names of the outputs that are secret: shown as "[secret]" by the CLI. */
    secretOutputs: string[];
    /** When the last resource was registered, in ms since the process started (performance.now()). */
    lastRegistrationMs: number;
}

/** The outputs of this stack's last deployment, as `pulumi stack output --json` prints them. */
export type DeployedOutputs = Record<string, unknown>;

export const PROJECT_ROOT = path.resolve(__dirname, "..");
const PROGRAM = path.join(PROJECT_ROOT, "index.ts");

/**
 * Runs index.ts in this process under the Pulumi SDK's mock runtime with the given config and
 * returns every resource it registered. The same path serves `npm run render` and the tests.
 * Errors thrown while the program loads (an invalid config) propagate unchanged.
 */
export async function runProgram(input: ProgramConfig, stack: string, program = PROGRAM, deployed: DeployedOutputs = {}): Promise<ProgramRun> {
    const resources: RegisteredResource[] = [];
    await setProgramMocks(input, stack, deployed);
    recordRegistrations(resources);
    pulumi.runtime.setAllConfig(input.config, input.secretKeys);

    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
        const exported = await loadProgram(program)();
        const outputs: Record<string, unknown> = {};
        const secretOutputs: string[] = [];
        for (const [key, value] of Object.entries(exported)) {
            const out = pulumi.output(value) as pulumi.Output<unknown>;
            const resolved = await unwrap(out);
            if (resolved === undefined) continue;
            outputs[key] = resolved;
            if (await pulumi.isSecret(out)) secretOutputs.push(key);
        }
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        if (failures.length > 0) throw failures[0];
        return { resources, outputs, secretOutputs, lastRegistrationMs: Math.max(0, ...resources.map((r) => r.registeredAtMs ?? 0)) };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/**
 * The stack outputs an update registers when the resources `failing` names fail to apply: the
 * program run in a stack as the Node language host runs it (runInPulumiStack), which registers
 * its outputs only once every one has resolved (runtime/stack.ts, massage), while a failed
 * resource's outputs reject (runtime/rpc.ts, resolveProperties). Undefined: the update registers
 * none, and the engine keeps the previous ones (pkg/resource/deploy/step_executor.go,
 * executeRegisterResourceOutputs: on error, old outputs overlaid with the new).
 */
export async function registeredOutputs(input: ProgramConfig, stack: string, failing: (type: string, name: string) => boolean,
    deployed: DeployedOutputs = {}): Promise<Record<string, unknown> | undefined> {
    await setProgramMocks(input, stack, deployed, failing);
    pulumi.runtime.setAllConfig(input.config, input.secretKeys);
    const onRejection = () => undefined;   // the failed resources' own rejections: expected here
    process.on("unhandledRejection", onRejection);
    try {
        const program = loadProgram(PROGRAM);
        // No waiting for the remaining RPCs: the resources that depend on a failed one never
        // resolve (the engine stops the host); the next setMocks starts afresh.
        return await pulumi.runtime.runInPulumiStack(() => program()).then((outputs) => outputs as Record<string, unknown>, () => undefined);
    } finally {
        process.off("unhandledRejection", onRejection);
        // The engine stops the host here; in this process the abandoned registrations stay
        // pending, and the SDK would report them as leaked promises when the process exits
        // (runtime/debuggable.js). A fresh runtime forgets them (setMocks resets its state).
        await setProgramMocks(input, stack, deployed);
    }
}

function setProgramMocks(input: ProgramConfig, stack: string, deployed: DeployedOutputs, failing: (type: string, name: string) => boolean = () => false): Promise<void> {
    return pulumi.runtime.setMocks({
        newResource: (args) => {
            if (failing(args.type, args.name)) throw new Error(`${args.type} ${args.name}: failed to apply (the test's failed update)`);
            return { id: `${args.name}-id`, state: { ...args.inputs, ...mockState(args, deployed) } };
        },
        call: (args) => mockCall(args),
        // "organization": what a self-managed backend calls every stack's organization.
    }, input.project, stack, false, "organization");
}

/** The program, loaded afresh (only the entry module registers resources at load; it must run again for each config), as a function. */
function loadProgram(program: string): () => Promise<Record<string, unknown>> {
    delete require.cache[require.resolve(program)];
    // As Pulumi's Node host does (cmd/run/run.js): an exported function is called and awaited.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- run afresh each time, as the host loads a CommonJS program
    const loaded = require(program) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
    return async () => (typeof loaded === "function" ? loaded() : loaded);
}

/** The URN of the provider a resource names (`<urn>::<id>`), if it names one. */
export function providerUrn(r: Pick<RegisteredResource, "provider">): string | undefined {
    return r.provider?.split("::").slice(0, -1).join("::");
}

/** The value of an Output, as a promise (never assert inside apply). */
export function unwrap<T>(output: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as pulumi.Unwrap<T>)));
}

interface MonitorRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (value: { getUrnsList(): string[] }) => void): void };
    getIgnorechangesList(): string[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;

// The mock monitor hands newResource() neither the parent nor which inputs were secret; both
// are on the wire request, so read them there before delegating.
function recordRegistrations(into: RegisteredResource[]): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: MonitorRequest, cb: Callback): void };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        const record: RegisteredResource = {
            registeredAtMs: performance.now(),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent() || undefined,
            custom: req.getCustom(),
            provider: req.getProvider() || undefined,
            protect: req.getProtect() || undefined,
            retainOnDelete: req.getRetainondelete() || undefined,
            dependencies: dependencies(req),
            ignoreChanges: req.getIgnorechangesList().length > 0 ? req.getIgnorechangesList() : undefined,
            customTimeouts: timeouts(req),
            props: maskSecrets(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        };
        into.push(record);
        original(req, (err, resp) => {
            if (resp) record.urn = resp.getUrn();
            callback(err, resp);
        });
    };
}

function timeouts(req: MonitorRequest): RegisteredResource["customTimeouts"] {
    const t = req.getCustomtimeouts();
    if (!t) return undefined;
    const set = Object.entries({ create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() }).filter(([, v]) => v !== "");
    return set.length > 0 ? Object.fromEntries(set) : undefined;
}

function dependencies(req: MonitorRequest): string[] | undefined {
    const urns = new Set(req.getDependenciesList());
    req.getPropertydependenciesMap().forEach((deps) => deps.getUrnsList().forEach((u) => urns.add(u)));
    return urns.size > 0 ? [...urns].sort() : undefined;
}

function maskLeaves(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskLeaves);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v)]));
    return "[secret]";
}

function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    // A secret object keeps its shape (a Secret's stringData stays a map, schema-valid), every value masked.
    if (obj[specialSigKey] === specialSecretSig) return maskLeaves(obj.value);
    if (obj[specialSigKey] === specialResourceSig) return obj.urn;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, maskSecrets(v)]));
}
