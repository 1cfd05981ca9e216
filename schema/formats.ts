import { z } from "zod";

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

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Field builders: each carries the one sentence that says what the key allows. */
export const field = {
    int: (must: string, ok: (n: number) => boolean = () => true) =>
        z.number({ error: must }).int().refine(ok),
    quantity: (must: string, ok: (v: number) => boolean = (v) => v > 0) =>
        z.string({ error: must }).refine((s) => {
            const v = parseQuantity(s);
            return v !== undefined && ok(v);
        }),
    jvmSize: (must: string, ok: (bytes: number) => boolean = () => true) =>
        z.string({ error: must }).refine((s) => {
            const bytes = parseJvmSize(s);
            return bytes !== undefined && bytes > 0 && ok(bytes);
        }),
    image: () =>
        z.string({ error: "must be an image reference pinned by a version tag or digest (not latest)" })
            .refine(isPinnedImage),
    dnsLabel: (must = "must be a DNS-1123 label (lower-case alphanumerics and '-', at most 63 characters)") =>
        z.string({ error: must }).max(63).regex(DNS_LABEL),
    dnsSubdomain: (must = "must be a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)") =>
        z.string({ error: must }).max(253).regex(DNS_SUBDOMAIN),
    oneOf: <T extends string>(values: readonly [T, ...T[]]) =>
        z.enum(values, { error: `must be one of ${values.join(", ")}` }),
};
