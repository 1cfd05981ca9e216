import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "./schema/errors";
import { GcpRaw, StackConfig, parseStackConfig } from "./schema/stack";
import { DEPLOYED_OUTPUT, changeProblems } from "./schema/deployed";

export { ConfigError, StackConfig };

/**
 * Reads the stack's `zk-kafka-gke:*` config and returns it typed and validated, or throws a
 * ConfigError listing every invalid key. The only module that reads Pulumi config.
 */
export function loadConfig(): StackConfig {
    // allConfig() rather than pulumi.Config.get(): keys nobody asks for (typos such as
    // `zookeper`) must be seen to be rejected.
    const raw: Record<string, unknown> = {};
    const gcp: GcpRaw = {};
    const problems: string[] = [];
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        const [namespace, key] = splitKey(fullKey);
        if (namespace === "gcp" && (key === "project" || key === "zone" || key === "region")) gcp[key] = value;
        if (namespace !== PROJECT) continue;
        try {
            raw[key] = parseValue(value);
        } catch {
            problems.push(`${fullKey} must be valid JSON or a plain string, got ${JSON.stringify(value)}`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const config = parseStackConfig(raw, gcp, pulumi.getStack());
    for (const warning of config.warnings) pulumi.log.warn(warning);
    return config;
}

/**
 * Refuses, with a ConfigError naming each key, a change the live stack cannot take (a volume
 * that would shrink, a storage class or ZooKeeper chroot that would change), judged against
 * what the last `pulumi up` of this very stack recorded in its `deployed` output. Reading its
 * own outputs through a StackReference is what the engine's builtin provider allows for any
 * stack name (pkg/resource/deploy/builtins.go, readStackReference); a stack never deployed has
 * none, and anything goes.
 */
export async function checkAgainstDeployed(config: StackConfig): Promise<void> {
    const self = new pulumi.StackReference("deployed", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    const problems = changeProblems((await self.getOutputDetails(DEPLOYED_OUTPUT)).value, config);
    if (problems.length > 0) throw new ConfigError(problems);
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

// Structured values (`pulumi config set --path`) reach the program as JSON text; plain values
// as strings. Only text that looks like JSON structure is parsed, so "3" stays a string key.
function parseValue(value: string): unknown {
    const t = value.trim();
    return t.startsWith("{") || t.startsWith("[") ? JSON.parse(t) : value;
}
