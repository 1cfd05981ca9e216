import { strict as assert } from "assert";
import { RenderedStack, renderStack } from "../../tools/render-stack";
import { KubernetesObject } from "../../tools/manifests";

export { RenderedStack, KubernetesObject };
export { unwrap } from "../../tools/runtime";

/**
 * Renders the program for a stack with config overrides, through the same code path as
 * `npm run render` (the Pulumi mock runtime runs index.ts afresh each time).
 * `{ "zookeeper.replicas": 5 }` is `--set zookeeper.replicas=5`.
 */
export function render(overrides: Record<string, unknown> = {}, stack = "dev", deployed: Record<string, unknown> = {}): Promise<RenderedStack> {
    const sets = Object.entries(overrides).map(([key, value]) =>
        `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    return renderStack(stack, sets, deployed);
}

/** The one object of a kind and name; fails the test if there is not exactly one. */
export function find<T = KubernetesObject>(stack: RenderedStack, kind: string, name: string): T & KubernetesObject {
    const hits = stack.objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (hits.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${hits.length}`);
    return hits[0] as T & KubernetesObject;
}

/** Deep-clones a rendered object so a test can mutate it. */
export function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Renders with config that must be rejected and returns the validation message; fails the
 * test if the config is accepted or the render fails for another reason.
 */
export async function rejection(overrides: Record<string, unknown>, stack = "dev", deployed: Record<string, unknown> = {}): Promise<string> {
    try {
        await render(overrides, stack, deployed);
    } catch (e) {
        if ((e as Error).name !== "ConfigError") throw new Error(`expected a ConfigError, got ${String(e)}`);
        return (e as Error).message;
    }
    throw new Error(`${JSON.stringify(overrides)} was accepted`);
}

/** One test per bad config, each asserting that the rejection names its key (`kafka.replicas` -> a line `zk-kafka-gke:kafka.replicas …`). */
export function itRejects(bad: Array<[Record<string, unknown>, string]>, stack = "dev"): void {
    for (const [overrides, key] of bad) {
        it(`rejects ${JSON.stringify(overrides)}, naming ${key}`, async () => {
            const message = await rejection(overrides, stack);
            assert.ok(message.split("\n").some((line) => line.startsWith(`zk-kafka-gke:${key} `)), message);
        });
    }
}
