import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { PACK } from "../../policy/policies";
import { isCannotVerify } from "../../policy/lib/verify";

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
    /** The resource it names; "" for a stack-wide one. */
    urn: string;
}

/** Policy config as `--policy-pack-config` takes it: policy name -> level or { enforcementLevel, ...properties }. */
export type PolicyConfig = Record<string, string | ({ enforcementLevel?: string } & Record<string, unknown>)>;

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/**
 * Each policy's level and properties as the Pulumi engine hands them to a pack
 * (ReconcilePolicyPackConfig): a level the config names, else the policy's own, else the
 * pack's; properties with their schema defaults filled in. A config that names properties but
 * no level keeps the rule's level.
 */
export function reconcile(config: PolicyConfig, policies: Policy[] = PACK.policies): Map<string, { level: Level; properties: Record<string, unknown> }> {
    return new Map(policies.map((p) => {
        const given = config[p.name];
        const { enforcementLevel, ...properties } = typeof given === "string" ? { enforcementLevel: given } : given ?? {};
        const defaults = Object.fromEntries(Object.entries(p.configSchema?.properties ?? {})
            .filter(([, s]) => (s as { default?: unknown }).default !== undefined).map(([k, s]) => [k, (s as { default: unknown }).default]));
        const level = (enforcementLevel ?? p.enforcementLevel ?? PACK.enforcementLevel) as Level;
        return [p.name, { level: level === "remediate" ? "mandatory" : level, properties: { ...defaults, ...properties } }];
    }));
}

function policyResource(r: AnalyzedResource): PolicyResource {
    const isType = (cls: unknown) => (cls as { __pulumiType?: string } | undefined)?.__pulumiType === r.type;
    return {
        type: r.type, props: r.props, urn: r.urn, name: r.name,
        opts: {
            protect: r.protect ?? false, ignoreChanges: r.ignoreChanges ?? [], aliases: [], additionalSecretOutputs: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, ...(r.parent ? { parent: r.parent } : {}),
        },
        ...(r.provider ? { provider: r.provider } : {}),
        dependencies: [], propertyDependencies: {},
        isType: isType as PolicyResource["isType"],
        asType: ((cls: unknown) => (isType(cls) ? r.props : undefined)) as PolicyResource["asType"],
    };
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/**
 * The pack's policies evaluated in this process on a stack's resources, with the arguments the
 * policy SDK's analyzer builds for them (@pulumi/policy server.js, makeAnalyzeRpcFun and
 * makeAnalyzeStackRpcFun): every resource through each resource rule, then the whole stack
 * through each stack rule, each rule at its reconciled level. What a rule cannot verify
 * (lib/verify.ts) becomes an advisory "cannot verify: …", as the SDK reports it. A violation's
 * message is the rule's own, without the description the SDK puts before it.
 * tests/policy/engine.spec.ts holds it to the pack served over gRPC, diagnostic for diagnostic.
 */
export async function evaluate(resources: AnalyzedResource[], config: PolicyConfig, policies: Policy[] = PACK.policies): Promise<Diagnostic[]> {
    const levels = reconcile(config, policies);
    const diagnostics: Diagnostic[] = [];
    const stack = resources.map(policyResource);
    const run = async (p: Policy, urn: string, validate: () => unknown) => {
        try {
            await validate();
        } catch (e) {
            if (isCannotVerify(e)) diagnostics.push({ enforcementLevel: "advisory", policy: p.name, message: e.message, urn });
            else if (!(e instanceof NotApplicable)) throw new Error(`Error validating resource with policy '${p.name}': ${(e as Error).message}`);
        }
    };
    for (const r of stack) {
        for (const p of policies) {
            const { level, properties } = levels.get(p.name)!;
            if (level === "disabled" || !("validateResource" in p) || !p.validateResource) continue;
            const report = (message: string) => diagnostics.push({ enforcementLevel: level, policy: p.name, message, urn: r.urn });
            const args: ResourceValidationArgs = {
                type: r.type, props: r.props, urn: r.urn, name: r.name, opts: r.opts, ...(r.provider ? { provider: r.provider } : {}),
                isType: r.isType, asType: r.asType as ResourceValidationArgs["asType"],
                stackTags: new Map(), getConfig: <T>() => properties as T, notApplicable,
            };
            for (const v of Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource]) {
                await run(p, r.urn, () => v(args, report as never));
            }
        }
    }
    for (const p of policies) {
        const { level, properties } = levels.get(p.name)!;
        if (level === "disabled" || !("validateStack" in p)) continue;
        const report = (message: string, urn?: string) => diagnostics.push({ enforcementLevel: level, policy: p.name, message, urn: urn ?? "" });
        const args: StackValidationArgs = { resources: stack, stackTags: new Map(), getConfig: <T>() => properties as T, notApplicable };
        await run(p, "", () => p.validateStack(args, report as never));
    }
    return diagnostics;
}
