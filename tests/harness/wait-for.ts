import { strict as assert } from "assert";
import { query } from "jsonpath-rfc9535";

/** A live object as the provider's await sees it on a watch event. */
export interface Watched { metadata: { generation: number }; spec?: unknown; status?: { observedGeneration?: number } & Record<string, unknown> }

/**
 * What @pulumi/kubernetes does with a `jsonpath=` waitFor on each watch event
 * (provider/pkg/await/condition/jsonpath.go, provider/pkg/jsonpath/jsonpath.go): nothing until
 * status.observedGeneration reaches metadata.generation; the annotation is split at a single "=";
 * without a value, the path must select something; with one, the first result must print as it.
 */
export function waitForSatisfied(condition: string, object: Watched): boolean {
    assert.ok(condition.startsWith("jsonpath="));
    // The provider's placeholder for "==" while it splits at "=" is a character no expression holds.
    const parts = condition.slice("jsonpath=".length).replace(/==/g, "\u0001").split("=");
    assert.ok(parts.length <= 2, `the provider would refuse ${condition}: more than one single "="`);
    const path = /\{\s*(.*?)\s*\}/.exec(parts[0].split("\u0001").join("=="))![1];
    if ((object.status?.observedGeneration ?? 0) < object.metadata.generation) return false;
    const results = query(object as never, path.startsWith("$") ? path : `$${path}`);
    if (results.length === 0) return false;
    return parts.length === 1 || String(results[0]) === parts[1];
}
