import * as v from "valibot";

/**
 * The documentation of a config key, carried by its schema (valibot metadata): the README's
 * reference and the stack-file JSON Schema are generated from it (`npm run docs`).
 * - `description`: one line, what the key does;
 * - `allowed`: the rule, the same "must …" sentence a bad value is rejected with;
 * - `defaultText`: for a default the program computes (not a literal), how it is computed;
 * - `createOnly`: changing it on a live stack replaces what it configures.
 */
export type KeyDoc = {
    description?: string;
    allowed?: string;
    defaultText?: string;
    createOnly?: boolean;
};

// Binary and decimal suffixes of the Kubernetes resource.Quantity grammar.
const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** The value of a Kubernetes quantity ("500m" -> 0.5, "1Gi" -> 1073741824), or undefined. */
export function parseQuantity(q: string): number | undefined {
    const m = QUANTITY.exec(q);
    if (!m) return undefined;
    const exponent = m[2] ? 10 ** Number(m[2].slice(1)) : 1;
    return Number(m[1]) * exponent * QUANTITY_SUFFIX[m[3] ?? ""];
}

/** A JVM memory size as -Xmx takes it ("512M", "1g", "2048k") in bytes, or undefined. */
export function parseJvmSize(s: string): number | undefined {
    const m = /^(\d+)([kKmMgG]?)$/.exec(s);
    if (!m) return undefined;
    const unit = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
    return Number(m[1]) * unit;
}

// The reference grammar of distribution/reference: [domain[:port]/]path[:tag][@digest].
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?)";
const IMAGE = new RegExp(
    `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);

/** True for an image reference pinned by a version tag or a digest (never `latest` or bare). */
export function isPinnedImage(ref: string): boolean {
    const m = IMAGE.exec(ref);
    if (!m) return false;
    const [, tag, digest] = m;
    return digest !== undefined || (tag !== undefined && tag !== "latest");
}

/** The tag of an image reference, for the app.kubernetes.io/version label. */
export function imageTag(ref: string): string | undefined {
    return IMAGE.exec(ref)?.[1];
}

/** An image reference's repository: the reference without its tag or digest. */
export function imageRepository(ref: string): string {
    const at = ref.indexOf("@");
    const noDigest = at >= 0 ? ref.slice(0, at) : ref;
    const colon = noDigest.lastIndexOf(":");
    return colon > noDigest.lastIndexOf("/") ? noDigest.slice(0, colon) : noDigest;
}

/** An IPv4 CIDR such as 203.0.113.0/24, with its host bits zero. */
export function isIpv4Cidr(text: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    const bits = Number(m[5]);
    if (octets.some((o) => o > 255) || bits > 32) return false;
    const address = octets.reduce((a, o) => a * 256 + o, 0);
    return address % 2 ** (32 - bits) === 0;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Any schema of this project's config. */
export type Schema = v.GenericSchema;

/** True when X and Y are the same type, optional keys and nested objects included. */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;

/**
 * `Documented`, which must be exactly the type valibot infers: otherwise the compile fails here,
 * showing both. The generated interfaces (each component's generated/, by `npm run docs`) carry each
 * key's TSDoc for editors; this keeps them from drifting from the definitions.
 */
export type SameAs<Documented extends Expected, Inferred, Expected = Equal<Documented, Inferred> extends true ? unknown : { differsFrom: Inferred }> = Documented;

const allowed = <T>(must: string) => v.metadata<T, KeyDoc>({ allowed: must });

/**
 * Field builders: each carries the one sentence that says what the key allows, both as the
 * error a bad value gets and as the `allowed` text of the generated reference. `int` takes
 * bounds the JSON Schema can state too, and an optional further rule.
 */
export const field = {
    // A bound not given is the safe-integer range's, so that the bounds are also the safe-integer
    // check; the editor schema drops them.
    int: (must: string, { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = {}, ok: (n: number) => boolean = () => true) =>
        v.pipe(v.number(must), v.integer(must), v.minValue(min, must), v.maxValue(max, must), v.check(ok, must), allowed(must)),
    bool: () => v.pipe(v.boolean("must be true or false"), allowed("must be true or false")),
    string: (must: string, ok: (s: string) => boolean = () => true) =>
        v.pipe(v.string(must), v.check(ok, must), allowed(must)),
    // A number too, as Kubernetes takes one for a quantity (`cpu: 1`), and as `pulumi config set
    // --path zookeeper.cpu 1` stores it; kept as the string it means.
    quantity: (must: string, ok: (value: number) => boolean = (value) => value > 0) =>
        v.pipe(v.union([v.string(must), v.number(must)], must), allowed(must), v.transform(String), v.check((s) => {
            const value = parseQuantity(s);
            return value !== undefined && ok(value);
        }, must)),
    jvmSize: (must: string, ok: (bytes: number) => boolean = () => true) =>
        field.string(must, (s) => {
            const bytes = parseJvmSize(s);
            return bytes !== undefined && bytes > 0 && ok(bytes);
        }),
    image: () => field.string("must be an image reference pinned by a version tag or digest (not latest)", isPinnedImage),
    dnsLabel: (must = "must be a DNS-1123 label (lower-case alphanumerics and '-', at most 63 characters)") =>
        v.pipe(v.string(must), v.maxLength(63, must), v.regex(DNS_LABEL, must), allowed(must)),
    dnsSubdomain: (must = "must be a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)") =>
        v.pipe(v.string(must), v.maxLength(253, must), v.regex(DNS_SUBDOMAIN, must), allowed(must)),
    oneOf: <const T extends string>(values: readonly [T, ...T[]]) => {
        const must = `must be one of ${values.join(", ")}`;
        return v.pipe(v.picklist(values, must), allowed(must));
    },
};

/** A key that may be left out, and then takes `value`; `doc` says what it does. */
export const withDefault = <S extends Schema, const D extends v.Default<S, undefined>>(schema: S, value: D, doc: KeyDoc) =>
    v.pipe(v.optional(schema, value), v.metadata<v.InferOutput<v.OptionalSchema<S, D>>, KeyDoc>(doc));

/** A key that may stay unset: `doc.defaultText` says what its absence means. */
export const optionalKey = <S extends Schema>(schema: S, doc: KeyDoc) =>
    v.pipe(v.optional(schema), v.metadata<v.InferOutput<S> | undefined, KeyDoc>(doc));

// Label syntax (apimachinery validation): an optional DNS-subdomain prefix and a name of up to 63
// alphanumerics, '-', '_' or '.', starting and ending alphanumeric; values the same, or empty.
const LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";
const LABEL_KEY = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${LABEL_NAME}$`);
const LABEL_VALUE = new RegExp(`^(${LABEL_NAME})?$`);

/** A label map such as { app: kafka-client }: Kubernetes label keys and values. */
export const labelMap = (must = "must be a map of Kubernetes label keys to values, e.g. { app: my-client }") =>
    v.pipe(v.record(v.string(must), v.string(must), must),
        v.check((m) => Object.entries(m).every(([k, value]) => LABEL_KEY.test(k) && k.length <= 316 && LABEL_VALUE.test(value)), must),
        allowed(must));

/**
 * Who may connect to a workload, as a NetworkPolicy `from` entry: pods matching podSelector in
 * namespaces matching namespaceSelector (either alone: the same namespace, or every pod there).
 */
export const allowedClientsField = (description: string) => {
    const must = "must be a list of { namespaceSelector, podSelector } label maps, each entry with at least one of them";
    const client = v.pipe(strictSection({
        namespaceSelector: optionalKey(labelMap(), { description: "Labels of the clients' namespaces", defaultText: "the data namespace" }),
        podSelector: optionalKey(labelMap(), { description: "Labels of the client pods", defaultText: "every pod of those namespaces" }),
    }), v.check((c) => c.namespaceSelector !== undefined || c.podSelector !== undefined, must));
    return withDefault(v.array(client, must), [], { description, allowed: must });
};

/** A strict object: unknown keys are typos, and typos must not be ignored. */
export function strictSection<T extends v.ObjectEntries>(entries: T) {
    const keys = Object.keys(entries);
    return v.strictObject(entries, (issue) => {
        if (issue.expected === "never") return `is not a known key (allowed: ${[...keys].sort().join(", ")})`;
        // A required key left out: its own rule says what it must be.
        const key = issue.path?.[0]?.key;
        const own = typeof key === "string" && issue.expected === `"${key}"` ? (entries[key] as { message?: unknown } | undefined)?.message : undefined;
        return typeof own === "string" ? own : objectMust(keys);
    });
}

/** What a section's value must be: the sentence for a value that is not an object. */
export const objectMust = (keys: string[]) => `must be an object with the keys ${[...keys].sort().join(", ")}`;

/**
 * Rules across a section's keys. They run once every key has its type, also when a key broke its
 * own rule, so that one run reports both; `problem` reports against one key, and the error shows
 * the value the rule saw, a default included.
 */
export function crossRules<T extends Record<string, unknown>>(rules: (value: T, problem: (key: (keyof T & string) | Array<string | number>, message: string) => void) => void) {
    return v.rawCheck<T>(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const value = dataset.value;
        rules(value, (key, message) => {
            // A path reaches into lists and entries (users[1].name): one path item per step.
            const keys = typeof key === "string" ? [key] : key;
            let at: unknown = value;
            const path = keys.map((k) => {
                const input = at as Record<string | number, unknown>;
                at = input?.[k];
                return { type: "object" as const, origin: "value" as const, input: input as Record<string, unknown>, key: k as string, value: at };
            });
            addIssue({ message, input: at, path: path as unknown as [v.IssuePathItem, ...v.IssuePathItem[]] });
        });
    });
}

/**
 * Validates a component's args with the same definition the stack config is checked with
 * (defaults applied, rules enforced), for programs that construct the component directly.
 */
export function parseArgs<S extends Schema>(component: string, name: string, schema: S, args: unknown): v.InferOutput<S> {
    const parsed = v.safeParse(schema, args);
    if (parsed.success) return parsed.output;
    // One line per key and rule: a value can break several checks that share their sentence.
    const lines = new Set(parsed.issues.map((issue) => `${v.getDotPath(issue) ?? "args"} ${issue.message}`));
    throw new Error(`${component} ${name}: invalid args\n${[...lines].join("\n")}`);
}
