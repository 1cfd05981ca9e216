import * as v from "valibot";
import { Schema, objectMust } from "../components/shared/fields";
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

/** A value as an error shows it: JSON, cut after 200 characters (a pasted file would fill the screen). */
export function describeValue(v: unknown): string {
    if (v === undefined) return "nothing";
    const text = JSON.stringify(v);
    return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
}

/**
 * Parses one config section with its schema and turns every issue into a line of the form
 * `<project>:<path> must …, got …`. Schemas carry their "must …" sentence as the issue message.
 */
export function parseSection<S extends Schema>(section: string, schema: S, raw: unknown, keysFrom: Schema = schema): v.InferOutput<S> {
    // valibot takes a list for an object: an empty one would pass as a section left at its defaults.
    if (Array.isArray(raw)) throw new ConfigError([notAnObject(section, keysFrom, raw, [])]);
    const result = v.safeParse(schema, raw ?? {});
    if (result.success) return result.output;
    // A value can fail several checks of one field; its one sentence is said once.
    throw new ConfigError([...new Set(result.issues.flatMap((issue) => describeIssue(section, raw, issue, keysFrom)))]);
}

function describeIssue(section: string, raw: unknown, issue: v.BaseIssue<unknown>, schema: Schema): string[] {
    const path = (issue.path ?? []).map((item) => item.key as PropertyKey);
    const list = listForObject(schema, raw, path);
    if (list) return [notAnObject(section, schema, raw, list)];
    if (issue.type === "strict_object" && issue.expected === "never") {
        // valibot stops at an object's first unknown key; every other one is a typo to report too.
        const at = path.slice(0, -1);
        const known = keysAt(schema, at);
        const given = Object.keys(valueAt(raw, at) as object).filter((k) => !known.includes(k));
        return given.map((k) => {
            const guess = suggestion(k, known);
            const allowed = `(allowed: ${[...known].sort().join(", ")})`;
            return `${keyName(section, [...at, k])} ${guess ? `is not a known key; did you mean ${guess}? ${allowed}` : issue.message}`;
        });
    }
    const given = valueAt(raw, path);
    // Cross-field rules can trip over a default the user never wrote: say so.
    const effective = issue.type === "raw_check" ? issue.input : undefined;
    const got = given === undefined && effective !== undefined
        ? `${describeValue(effective)} (the default)`
        : wrongType(issue, given) ?? describeValue(given);
    return [`${keyName(section, path)} ${issue.message}, got ${got}`];
}

/**
 * A value of the other JSON type than the key takes, said so with the way to write it: YAML and
 * `pulumi config set --path` store `5` as a number and `"5"` as a string, which look alike.
 */
function wrongType(issue: v.BaseIssue<unknown>, given: unknown): string | undefined {
    if (issue.kind !== "schema") return undefined;
    if (typeof given === "string" && issue.expected === "number" && /^-?\d+(\.\d+)?$/.test(given.trim())) {
        return `the string ${JSON.stringify(given)} (write the number without quotes)`;
    }
    if (typeof given === "string" && issue.expected === "boolean" && ["true", "false"].includes(given.trim())) {
        return `the string ${JSON.stringify(given)} (write ${given.trim()} without quotes)`;
    }
    if ((typeof given === "number" || typeof given === "boolean") && issue.expected === "string") {
        return `the ${typeof given} ${JSON.stringify(given)} (quote it: "${String(given)}")`;
    }
    return undefined;
}

type SchemaNode = { wrapped?: SchemaNode; entries?: Record<string, SchemaNode>; item?: SchemaNode; value?: SchemaNode };

/** The schema at `path` (through optional, array and pipe wrappers). */
export function schemaAt(schema: Schema, path: ReadonlyArray<PropertyKey>): SchemaNode | undefined {
    // A pipe carries its first schema's properties, so only optional wrappers need unwrapping.
    const unwrap = (s: SchemaNode | undefined): SchemaNode | undefined => s?.wrapped ? unwrap(s.wrapped) : s;
    let s = unwrap(schema as SchemaNode);
    // A record (a label map) has no entries, one schema for every value.
    for (const p of path) s = unwrap(typeof p === "number" ? s?.item : s?.entries?.[String(p)] ?? s?.value);
    return s;
}

/** The keys of the object schema at `path`. */
function keysAt(schema: Schema, path: ReadonlyArray<PropertyKey>): string[] {
    return Object.keys(schemaAt(schema, path)?.entries ?? {});
}

function notAnObject(section: string, schema: Schema, raw: unknown, at: PropertyKey[]): string {
    return `${keyName(section, at)} ${objectMust(keysAt(schema, at))}, got ${describeValue(valueAt(raw, at))}`;
}

/**
 * The first place along `path` where a list came for an object: valibot takes it for an object
 * keyed "0", "1"…, whose issues (unknown keys, required ones missing) would only mislead.
 */
function listForObject(schema: Schema, raw: unknown, path: ReadonlyArray<PropertyKey>): PropertyKey[] | undefined {
    for (let i = 0; i <= path.length; i++) {
        const at = path.slice(0, i);
        if (Array.isArray(valueAt(raw, at)) && schemaAt(schema, at)?.entries) return at;
    }
    return undefined;
}

/**
 * The known key a typo most likely meant: within two edits, or a quarter of its length for long
 * keys (a swap of two letters is two edits), and never a key it shares almost nothing with.
 */
export function suggestion(key: string, known: string[]): string | undefined {
    if (known.length === 0) return undefined;
    // Loaded only when a key is unknown: every preview of a valid stack starts without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, on purpose (above)
    const { closest, distance } = require("fastest-levenshtein") as typeof levenshtein;
    const lower = known.map((k) => k.toLowerCase());
    const best = closest(key.toLowerCase(), lower);
    const d = distance(key.toLowerCase(), best);
    return d <= Math.max(2, Math.round(key.length / 4)) && d < key.length - 1 ? known[lower.indexOf(best)] : undefined;
}
