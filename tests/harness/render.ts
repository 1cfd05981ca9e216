import { strict as assert } from "assert";
import * as path from "path";
import { RenderedStack, renderStack } from "../../tools/render-stack";
import { PROJECT_ROOT, ProgramRun, runProgram } from "../../tools/runtime";
import { parseValue, readProgramConfig } from "../../tools/stack-config";
import { KubernetesObject } from "../../tools/manifests";

export { RenderedStack, KubernetesObject, ProgramRun };
export { unwrap } from "../../tools/runtime";

/**
 * Renders the program for a stack with config overrides, through the same code path as
 * `npm run render` (the Pulumi mock runtime runs index.ts afresh each time).
 * `{ "zookeeper.replicas": 5 }` is `--set zookeeper.replicas=5`.
 */
export function render(overrides: Record<string, unknown> = {}, stack = "dev", deployed: Record<string, unknown> = {}): Promise<RenderedStack> {
    const sets = setsOf(overrides);
    return shared(["program", stack, sets, deployed], () => renderStack(stack, sets, deployed));
}

/**
 * The GCP resources and the Kubernetes provider alone, as the program registers them for a
 * stack with config overrides (the same config checks, then tests/harness/cluster-program.ts).
 */
export function renderCluster(overrides: Record<string, unknown> = {}, stack = "dev"): Promise<ProgramRun> {
    const sets = setsOf(overrides);
    return shared(["cluster", stack, sets], () => runProgram(readProgramConfig(PROJECT_ROOT, stack, sets), stack, CLUSTER_PROGRAM));
}

const CLUSTER_PROGRAM = path.join(__dirname, "cluster-program");

// A string the CLI would store as a number or boolean ("5", "true") goes quoted: the test means the string.
const setsOf = (overrides: Record<string, unknown>) => Object.entries(overrides).map(([key, value]) =>
    `${key}=${typeof value === "string" && parseValue(value) === value ? value : JSON.stringify(value)}`);

function shared<T>(key: unknown[], make: () => Promise<T>): Promise<T> {
    if (!renders) return make();
    const id = JSON.stringify(key);
    let rendered = renders.get(id) as Promise<T> | undefined;
    if (!rendered) {
        rendered = make().then(deepFreeze);
        renders.set(id, rendered);
    }
    return rendered;
}

let renders: Map<string, Promise<unknown>> | undefined;

/**
 * From now on, the same render is the same stack in this process: made once and frozen, so a
 * test that changes what it got fails at once (clone() gives a copy to change). The unit tests
 * turn it on (tests/harness/unit.ts); the real-server suites lay their processes out from
 * renders they adjust, and keep fresh ones.
 */
export function shareRenders(): void {
    renders ??= new Map();
}

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

/** The registered resources of a type. */
export function resourcesOf(stack: Pick<RenderedStack, "resources">, type: string): RenderedStack["resources"] {
    return stack.resources.filter((r) => r.type === type);
}

/** The one registered resource of a type; fails when there are none or several. */
export function theResource(stack: Pick<RenderedStack, "resources">, type: string): RenderedStack["resources"][number] {
    const hits = resourcesOf(stack, type);
    assert.equal(hits.length, 1, `one ${type}`);
    return hits[0];
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
