/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/**
 * Whether a selector selects a set of labels, as Kubernetes evaluates it: every matchLabels pair
 * and every expression must hold (In, NotIn, Exists, DoesNotExist). An empty selector ({})
 * selects everything; a missing one (undefined) selects nothing, as for a PDB or an
 * anti-affinity term. An unknown operator selects nothing.
 */
export function selects(selector: LabelSelector | undefined | null, labels: Record<string, string> | undefined): boolean {
    if (!selector) return false;
    const have = labels ?? {};
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (have[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const present = Object.prototype.hasOwnProperty.call(have, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In": if (!present || !values.includes(have[e.key])) return false; break;
            case "NotIn": if (present && values.includes(have[e.key])) return false; break;
            case "Exists": if (!present) return false; break;
            case "DoesNotExist": if (present) return false; break;
            default: return false;
        }
    }
    return true;
}

/** `{app: zk}` -> `app=zk`, for messages. */
export function describeLabels(labels: Record<string, string> | undefined): string {
    const entries = Object.entries(labels ?? {});
    return entries.length === 0 ? "no labels" : entries.map(([k, v]) => `${k}=${v}`).join(",");
}

export function describeSelector(s: LabelSelector | undefined | null): string {
    if (!s) return "none";
    const parts = [
        ...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(s.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(",")})` : ""}`),
    ];
    return parts.length === 0 ? "{} (everything)" : parts.join(", ");
}
