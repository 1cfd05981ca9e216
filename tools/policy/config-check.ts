import type AjvType from "ajv";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PACK } from "../../policy/policies";
import { suggestion } from "../../schema/errors";

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** The levels `--policy-pack-config` takes (Pulumi's EnforcementLevel). */
export const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

const describe = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : `the ${typeof value} ${JSON.stringify(value)}`);

/**
 * Everything wrong with a policy config (`--policy-pack-config`, policy/config/<stack>.json), one
 * line each, naming the rule and what it allows: a name that is no rule of the pack (a typo would
 * otherwise leave that rule at its default), a level Pulumi does not know, and settings the rule's
 * configSchema refuses, an unknown setting included (`{"nodes": "four"}` would otherwise make
 * require-drain-capacity count no nodes and pass).
 */
export function policyConfigProblems(config: unknown, policies: Policy[] = PACK.policies): string[] {
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        return [`must be a JSON object of rule name -> level or { enforcementLevel, settings }, got ${describe(config)}`];
    }
    const names = policies.map((p) => p.name);
    // Loaded only for a config with settings to check: a run on plain YAML never needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazily, on purpose
    const Ajv = (require("ajv") as { default: typeof AjvType }).default;
    const ajv = new Ajv({ allErrors: true, strict: false });
    return Object.entries(config as Record<string, unknown>).flatMap(([name, given]): string[] => {
        const policy = policies.find((p) => p.name === name);
        if (!policy) {
            const guess = suggestion(name, names);
            return [`${JSON.stringify(name)} must be a rule of ${PACK.name}${guess ? `: did you mean ${guess}?` : ""} (rules: ${names.join(", ")})`];
        }
        const levelMust = (level: unknown) => `${name}: the level must be one of ${LEVELS.join(", ")}, got ${describe(level)}`;
        if (typeof given === "string") return (LEVELS as readonly string[]).includes(given) ? [] : [levelMust(given)];
        if (given === null || typeof given !== "object" || Array.isArray(given)) {
            return [`${name} must be a level (${LEVELS.join(", ")}) or an object of enforcementLevel and settings, got ${describe(given)}`];
        }
        const { enforcementLevel, ...settings } = given as Record<string, unknown>;
        const problems = enforcementLevel !== undefined && !(LEVELS as readonly string[]).includes(enforcementLevel as string) ? [levelMust(enforcementLevel)] : [];
        const known = Object.keys(policy.configSchema?.properties ?? {});
        for (const key of Object.keys(settings).filter((k) => !known.includes(k))) {
            const guess = suggestion(key, known);
            problems.push(`${name}.${key} must be a setting of ${name}${guess ? `: did you mean ${guess}?` : ""} (settings: ${known.length ? known.join(", ") : "none"})`);
        }
        if (policy.configSchema) {
            const validate = ajv.compile({ type: "object", ...policy.configSchema });
            if (!validate(settings)) {
                for (const e of validate.errors ?? []) {
                    const key = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
                    if (e.keyword === "additionalProperties" || key === "") continue;
                    problems.push(`${name}.${key} ${e.message}, got ${describe(key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], settings))}`);
                }
            }
        }
        return problems;
    });
}
