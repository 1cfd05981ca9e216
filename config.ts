import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT, keyName, suggestion } from "./schema/errors";
import { jmxExporterJar } from "./components/kafka";
import { GcpRaw, StackConfig, parseStackConfig } from "./schema/stack";
import { DEPLOYED_OUTPUT, changeProblems } from "./schema/deployed";

export { ConfigError, StackConfig };

/** The warnings already logged by this process. */
const warned = new Set<string>();

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
        if (namespace !== PROJECT) {
            const stray = strayKey(namespace, key);
            if (stray) problems.push(stray);
            continue;
        }
        try {
            raw[key] = parseValue(value);
        } catch {
            problems.push(`${fullKey} must be valid JSON or a plain string, got ${JSON.stringify(value)}`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const config = parseStackConfig(raw, gcp, pulumi.getStack());
    // Each warning once per process: a preview runs the program once, the tests hundreds of times.
    for (const warning of config.warnings.filter((w) => !warned.has(w))) {
        warned.add(warning);
        pulumi.log.warn(warning);
    }
    const missing = missingFiles(config);
    if (missing.length > 0) throw new ConfigError(missing);
    return config;
}

/**
 * What the config needs from this checkout, checked before any resource is registered: a file
 * read later, inside an Output, would fail where the engine cannot report it (the program would
 * wait on promises that never settle). The JMX agent jar comes from Maven Central at `npm ci`.
 */
export function missingFiles(config: Pick<StackConfig, "kafka">, agentJar: () => unknown = jmxExporterJar): string[] {
    // The controllers always load it: their probe and the phase Job read the agent.
    const quorum = config.kafka.metadata !== "zookeeper";
    if (!config.kafka.metrics && !quorum) return [];
    try {
        agentJar();
        return [];
    } catch (e) {
        return quorum
            ? [`${keyName("kafka", ["metadata"])} must be zookeeper without the JMX exporter agent the KRaft controllers load: ${(e as Error).message}, got ${config.kafka.metadata}`]
            : [`${keyName("kafka", ["metrics"])} must be false without the JMX exporter agent it loads: ${(e as Error).message}, got true`];
    }
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

/**
 * A key the program would silently ignore although it was meant for it: one in a namespace that
 * is a near miss of the project's (`zk-kafka:zookeeper`), or a gcp key the Google provider does
 * not have (`gcp:zonee`; the program reads gcp:project, gcp:zone and gcp:region).
 */
export function strayKey(namespace: string, key: string): string | undefined {
    if (namespace === "gcp") {
        if (["project", "zone", "region"].includes(key)) return undefined;
        const known = gcpProviderKeys();
        if (known.includes(key)) return undefined;
        const guess = suggestion(key, ["project", "zone", "region", ...known]);
        return `gcp:${key} is not a setting of the Google provider${guess ? `; did you mean gcp:${guess}?` : ""} (this program reads gcp:project, gcp:zone and gcp:region)`;
    }
    const near = PROJECT.startsWith(namespace) || namespace.startsWith(PROJECT) || suggestion(namespace, [PROJECT]) !== undefined;
    return near && namespace.length >= 3 ? `${namespace}:${key} is in no namespace this program reads; did you mean ${PROJECT}:${key}? (every key of this program is ${PROJECT}:<key>)` : undefined;
}

// Every config key of @pulumi/gcp (its config module has a getter per key), loaded only when a
// gcp key other than the three the program reads appears.
function gcpProviderKeys(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: a valid stack never needs it
    return Object.keys(require("@pulumi/gcp/config") as Record<string, unknown>);
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
