import * as os from "os";
import { Diagnostic, EncodedResource, PolicyConfig, PolicyPackProcess } from "./pack";

/**
 * The encoded size above which plain YAML is asked about in several stacks: about 800 typical
 * workload objects. The SDK decodes a stack request whole and then builds each stack rule's
 * view of every object, so one request of ten thousand objects needs over 640 MiB live in the
 * pack; one of this size, a few tens.
 */
export const STACK_BYTES = 2 << 20;

/**
 * Plain YAML as stacks of whole namespaces, each at most STACK_BYTES unless one namespace alone
 * is larger. Every rule of this pack looks within a namespace, as Kubernetes scopes selectors,
 * PodDisruptionBudgets and Services to one; a set of manifests under the bound stays one stack.
 */
export function namespaceStacks(resources: EncodedResource[], maxBytes = STACK_BYTES): EncodedResource[][] {
    const byNamespace = new Map<string, { items: EncodedResource[]; bytes: number }>();
    for (const r of resources) {
        const key = r.namespace ?? "";
        let ns = byNamespace.get(key);
        if (!ns) byNamespace.set(key, (ns = { items: [], bytes: 0 }));
        ns.items.push(r);
        ns.bytes += r.bytes.length;
    }
    const stacks: Array<{ items: EncodedResource[]; bytes: number }> = [];
    for (const ns of byNamespace.values()) {
        const open = stacks.at(-1);
        if (open && open.bytes + ns.bytes <= maxBytes) {
            open.items.push(...ns.items);
            open.bytes += ns.bytes;
        } else stacks.push({ items: [...ns.items], bytes: ns.bytes });
    }
    return stacks.map((s) => s.items);
}

/**
 * Pack processes worth starting for this many stacks: one per core, at most four, and one for
 * every two stacks, since a pack's start costs about a second of CPU that one stack would not repay.
 */
export function workersFor(stacks: number): number {
    return Math.max(1, Math.min(Math.ceil(stacks / 2), os.availableParallelism(), 4));
}

/**
 * Pack processes worth starting for plain YAML of this many bytes, before it is read, so that
 * they boot while it is: its stacks' encoded size is close to the YAML's (the benchmark's 24.7 MB
 * of YAML encode to 23.6 MB), and a pack started too many costs a boot, one too few joins later.
 */
export function workersForInput(yamlBytes: number): number {
    return workersFor(Math.ceil(yamlBytes / STACK_BYTES));
}

/**
 * Each stack through a pack process: `analyze` for each of its resources, then `analyzeStack`.
 * Stacks are shared out among `workers` processes of the same pack with the same config, as
 * separate previews of separate stacks would run them; `started` are ones started already
 * (booting while the input was read), the others join as they come up. Diagnostics come back
 * in stack order; the peak memory is the sum of the processes' peaks.
 */
export async function analyzeStacks(stacks: EncodedResource[][], config: PolicyConfig,
    { started = [], workers = workersFor(stacks.length) }: { started?: Array<Promise<PolicyPackProcess>>; workers?: number } = {},
): Promise<{ diagnostics: Diagnostic[]; packRss: number }> {
    const starting = [...started, ...Array.from({ length: Math.max(0, workers - started.length) }, () => PolicyPackProcess.start())];
    const results: Diagnostic[][] = [];
    const packs: PolicyPackProcess[] = [];
    let next = 0;
    try {
        await Promise.all(starting.map(async (starts) => {
            const pack = await starts;
            packs.push(pack);
            await pack.configure(config);
            while (next < stacks.length) {
                const i = next++;
                results[i] = await pack.analyzeEncoded(stacks[i]);
            }
        }));
        return { diagnostics: results.flat(), packRss: packs.reduce((a, p) => a + (p.peakRss() ?? 0), 0) };
    } finally {
        await stopAll(starting);
    }
}

/** Stops every pack process of these, once each has started or failed to. */
export async function stopAll(starting: Array<Promise<PolicyPackProcess>>): Promise<void> {
    for (const s of await Promise.allSettled(starting)) if (s.status === "fulfilled") s.value.stop();
}
