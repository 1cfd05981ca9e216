import { z } from "zod";

/** The Pulumi project name: every config key lives in this namespace. */
export const PROJECT = "zk-kafka-gke";

/**
 * Raised for invalid stack configuration, before any resource is registered. Each line names
 * the full key (`zk-kafka-gke:zookeeper.replicas`) and says what is allowed.
 */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "ConfigError";
    }
}

/** `zookeeper` + ["storage", 0] -> `zk-kafka-gke:zookeeper.storage[0]`; "" + ["namespace"] -> `zk-kafka-gke:namespace` */
export function keyName(section: string, path: ReadonlyArray<PropertyKey> = []): string {
    let key = `${PROJECT}:${section}`;
    for (const p of path) {
        key += typeof p === "number" ? `[${p}]` : key.endsWith(":") ? String(p) : `.${String(p)}`;
    }
    return key;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
    let v: unknown = raw;
    for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    return v;
}

export function describeValue(v: unknown): string {
    return v === undefined ? "nothing" : JSON.stringify(v);
}

/**
 * Parses one config section with its zod schema and turns every issue into a line of the form
 * `<project>:<path> must …, got …`. Schemas carry their "must …" sentence as the zod error.
 */
export function parseSection<S extends z.ZodType>(section: string, schema: S, raw: unknown): z.infer<S> {
    const result = schema.safeParse(raw ?? {});
    if (result.success) return result.data;
    // A value can fail several checks of one field; its one sentence is said once.
    throw new ConfigError([...new Set(result.error.issues.flatMap((issue) => describeIssue(section, raw, issue)))]);
}

function describeIssue(section: string, raw: unknown, issue: z.core.$ZodIssue): string[] {
    if (issue.code === "unrecognized_keys") {
        return issue.keys.map((k) => `${keyName(section, [...issue.path, k])} ${issue.message}`);
    }
    const given = valueAt(raw, issue.path);
    // Cross-field rules can trip over a default the user never wrote: say so.
    const effective = issue.code === "custom" ? (issue.params as { effective?: unknown } | undefined)?.effective : undefined;
    const got = given === undefined && effective !== undefined
        ? `${describeValue(effective)} (the default)`
        : describeValue(given);
    return [`${keyName(section, issue.path)} ${issue.message}, got ${got}`];
}

/** A strict object: unknown keys are typos, and typos must not be ignored. */
export function strictSection<T extends z.ZodRawShape>(shape: T) {
    const allowed = Object.keys(shape).sort();
    return z.strictObject(shape, {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `is not a known key (allowed: ${allowed.join(", ")})`
                : `must be an object with the keys ${allowed.join(", ")}`,
    });
}
