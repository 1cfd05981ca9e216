import { z } from "zod";
import type * as levenshtein from "fastest-levenshtein";

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
export function parseSection<S extends z.ZodType>(section: string, schema: S, raw: unknown, keysFrom: z.ZodType = schema): z.infer<S> {
    const result = schema.safeParse(raw ?? {});
    if (result.success) return result.data;
    // A value can fail several checks of one field; its one sentence is said once.
    throw new ConfigError([...new Set(result.error.issues.flatMap((issue) => describeIssue(section, raw, issue, keysFrom)))]);
}

function describeIssue(section: string, raw: unknown, issue: z.core.$ZodIssue, schema: z.ZodType): string[] {
    if (issue.code === "unrecognized_keys") {
        const known = keysAt(schema, issue.path);
        return issue.keys.map((k) => {
            const guess = suggestion(k, known);
            const allowed = known.length > 0 ? `(allowed: ${[...known].sort().join(", ")})` : "";
            return `${keyName(section, [...issue.path, k])} ${guess ? `is not a known key; did you mean ${guess}? ${allowed}` : issue.message}`;
        });
    }
    const given = valueAt(raw, issue.path);
    // Cross-field rules can trip over a default the user never wrote: say so.
    const effective = issue.code === "custom" ? (issue.params as { effective?: unknown } | undefined)?.effective : undefined;
    const got = given === undefined && effective !== undefined
        ? `${describeValue(effective)} (the default)`
        : describeValue(given);
    return [`${keyName(section, issue.path)} ${issue.message}, got ${got}`];
}

/** The keys of the object schema at `path` (through optional, default, array and pipe wrappers). */
function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
    const unwrap = (s: z.core.$ZodType | undefined): z.core.$ZodType | undefined => {
        const def = s?._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType } | undefined;
        return def?.innerType ? unwrap(def.innerType) : def?.in ? unwrap(def.in) : s;
    };
    let s = unwrap(schema);
    for (const p of path) {
        const def = s?._zod.def as { shape?: Record<string, z.core.$ZodType>; element?: z.core.$ZodType } | undefined;
        s = unwrap(typeof p === "number" ? def?.element : def?.shape?.[String(p)]);
    }
    const shape = (s?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape;
    return shape ? Object.keys(shape) : [];
}

/**
 * The known key a typo most likely meant: within two edits, or a quarter of its length for long
 * keys (a swap of two letters is two edits), and never a key it shares almost nothing with.
 */
export function suggestion(key: string, known: string[]): string | undefined {
    if (known.length === 0) return undefined;
    // Loaded only when a key is unknown: every preview of a valid stack starts without it.
    const { closest, distance } = require("fastest-levenshtein") as typeof levenshtein;
    const lower = known.map((k) => k.toLowerCase());
    const best = closest(key.toLowerCase(), lower);
    const d = distance(key.toLowerCase(), best);
    return d <= Math.max(2, Math.round(key.length / 4)) && d < key.length - 1 ? known[lower.indexOf(best)] : undefined;
}
