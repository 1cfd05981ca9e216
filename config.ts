import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT } from "./schema/errors";
import { GcpRaw, StackConfig, parseStackConfig } from "./schema/stack";

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
