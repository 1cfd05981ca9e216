import { toJsonSchema } from "@valibot/to-json-schema";
import { PROJECT } from "../schema/errors";
import { stackConfigSchema } from "../schema/stack";

/** A JSON Schema node as @valibot/to-json-schema emits it, with the project's KeyDoc metadata merged in. */
export interface SchemaNode {
    type?: string;
    enum?: unknown[];
    default?: unknown;
    description?: string;
    allowed?: string;
    defaultText?: string;
    createOnly?: boolean;
    properties?: Record<string, SchemaNode>;
    items?: SchemaNode;
    required?: string[];
    anyOf?: SchemaNode[];
    [keyword: string]: unknown;
}

/** One row of the reference: a leaf key with everything its definition says. */
export interface KeyRow {
    /** `zookeeper.replicas`, `cluster.masterAuthorizedNetworks[].cidr`, `namespace`. */
    key: string;
    /** The top-level key it belongs to. */
    section: string;
    type: string;
    /** The literal default, when there is one. */
    default?: unknown;
    defaultText?: string;
    allowed?: string;
    description: string;
    createOnly: boolean;
}

/** The `zk-kafka-gke:*` config tree as JSON Schema (draft 2020-12), metadata still attached. */
export function rawConfigSchema(): SchemaNode {
    // Rules in code (checks across or within keys) have no JSON Schema form: their "must …"
    // sentence reaches the reference as the `allowed` metadata instead.
    return toJsonSchema(stackConfigSchema, { target: "draft-2020-12", typeMode: "input", ignoreActions: ["check", "raw_check"] }) as SchemaNode;
}

/** Every leaf key of the tree, depth first, in definition order. */
export function keyRows(root: SchemaNode = rawConfigSchema()): KeyRow[] {
    const rows: KeyRow[] = [];
    const walk = (node: SchemaNode, key: string, section: string) => {
        const object = node.type === "object" && node.properties ? node : node.type === "array" && node.items?.properties ? node.items : undefined;
        if (object && key !== "") {
            const prefix = node.type === "array" ? `${key}[]` : key;
            if (node.type === "array") rows.push(row(node, key, section));
            for (const [name, child] of Object.entries(object.properties!)) walk(child, `${prefix}.${name}`, section);
            return;
        }
        rows.push(row(node, key, section));
    };
    const row = (node: SchemaNode, key: string, section: string): KeyRow => ({
        key, section, type: typeOf(node), default: node.default, defaultText: node.defaultText,
        allowed: node.allowed, description: node.description ?? "", createOnly: node.createOnly === true,
    });
    for (const [name, child] of Object.entries(root.properties!)) {
        walk(child, name, child.type === "object" ? name : "");
    }
    return rows;
}

function typeOf(node: SchemaNode): string {
    if (node.enum) return "enum";
    if (node.type === "array") return `list of ${node.items?.properties ? "objects" : typeOf(node.items ?? {})}`;
    if (node.anyOf) return node.anyOf.map(typeOf).join(" or ");
    return node.type ?? "any";
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (v: unknown) => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

/** docs/configuration.md's reference: one table per section, every key of the tree. */
export function configReference(rows: KeyRow[] = keyRows(), root: SchemaNode = rawConfigSchema()): string {
    const sections = [...new Set(rows.map((r) => r.section))];
    const out: string[] = [];
    for (const section of sections) {
        const title = section === "" ? "Top-level keys" : `\`${section}\``;
        const about = section === "" ? "" : root.properties![section].description;
        out.push(`#### ${title}`, "", ...(about ? [`${about}.`, ""] : []),
            "| key | type | default | allowed | description |", "|---|---|---|---|---|");
        for (const r of rows.filter((row) => row.section === section)) {
            const dflt = r.default !== undefined ? code(r.default) : r.defaultText ?? "—";
            const allowed = (r.allowed ?? "").replace(/^must (be )?/, "");
            const description = `${r.description}${r.createOnly ? ". **Create-only**: a change replaces what it configures" : ""}`;
            out.push(`| \`${r.key}\` | ${r.type} | ${cell(dflt)} | ${cell(allowed)} | ${cell(description)} |`);
        }
        out.push("");
    }
    return out.join("\n").trimEnd() + "\n";
}

// An integer without a bound of its own states the safe-integer range: noise in an editor's hover.
const SAFE_BOUND = Number.MAX_SAFE_INTEGER;
/** A value Pulumi encrypted: `pulumi config set --secret` writes `{ secure: … }` in its place. */
const SECURE = { type: "object", properties: { secure: { type: "string" } }, required: ["secure"], additionalProperties: false };

/** A schema node for editors: KeyDoc folded into the description, a secret accepted for any string. */
function forEditors(node: SchemaNode): SchemaNode {
    const { allowed, defaultText, createOnly, description, properties, items, ...rest } = node;
    const out: SchemaNode = { ...rest };
    const text = [description, allowed && `Allowed: ${allowed.replace(/^must (be )?/, "")}`, defaultText && `Default: ${defaultText}`,
        createOnly && "Create-only: a change replaces what it configures"].filter(Boolean).join(". ");
    if (text) out.description = text;
    if (out.minimum === -SAFE_BOUND) delete out.minimum;
    if (out.maximum === SAFE_BOUND) delete out.maximum;
    if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, forEditors(v)]));
    if (items) out.items = forEditors(items);
    return out.type === "string" ? { anyOf: [out, { $ref: "#/$defs/secure" }], ...(out.description ? { description: out.description } : {}),
        ...(out.default !== undefined ? { default: out.default } : {}) } : out;
}

/**
 * JSON Schema of a `Pulumi.<stack>.yaml` file: its `config:` block's `zk-kafka-gke:*` keys,
 * nested objects included and unknown ones refused; other namespaces (gcp:, kubernetes:) pass.
 */
export function stackConfigJsonSchema(root: SchemaNode = rawConfigSchema()): Record<string, unknown> {
    const properties = Object.fromEntries(Object.entries(root.properties!).map(([k, v]) => {
        const node = forEditors(v);
        // A whole object can be one secret too; a string already admits one.
        return [`${PROJECT}:${k}`, node.anyOf ? node : { anyOf: [node, { $ref: "#/$defs/secure" }], description: node.description }];
    }));
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: `${PROJECT} stack file (Pulumi.<stack>.yaml)`,
        description: `Generated by \`npm run docs\` from the program's config definitions; do not edit.`,
        type: "object",
        properties: {
            config: {
                type: "object",
                description: "Stack configuration, namespace:key -> value",
                properties,
                patternProperties: { [`^(?!${PROJECT}:)[A-Za-z0-9_.-]+:.+$`]: {} },
                additionalProperties: false,
            },
        },
        $defs: { secure: { ...SECURE, description: "A value encrypted by Pulumi (pulumi config set --secret)" } },
    };
}
