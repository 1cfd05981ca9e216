import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateMix } from "../../../tools/bench-policy";
import { fromManifests, manifestFiles } from "../../../tools/policy/inputs";
import { EncodedResource } from "../../../tools/policy/pack";
import { STACK_BYTES, analyzeStacks, namespaceStacks, workersFor, workersForInput } from "../../../tools/policy/parallel";

const item = (namespace: string, size: number, urn = `${namespace}-${size}`): EncodedResource =>
    ({ urn, subject: urn, namespace, bytes: new Uint8Array(size) });
const namespacesOf = (stacks: EncodedResource[][]) => stacks.map((s) => [...new Set(s.map((r) => r.namespace))]);

describe("tools/policy/parallel: plain YAML as stacks of whole namespaces", function () {
    this.timeout(90_000);

    it("keeps a set under the bound as one stack, in input order", () => {
        const input = [item("a", 10), item("b", 10), item("a", 5)];
        assert.deepEqual(namespaceStacks(input, 100), [[input[0], input[2], input[1]]]);
    });

    it("never splits a namespace, even one larger than the bound, and fills stacks up to it", () => {
        const input = [item("a", 60), item("b", 30), item("a", 30), item("c", 50), item("d", 10), item("e", 200)];
        assert.deepEqual(namespacesOf(namespaceStacks(input, 100)), [["a"], ["b", "c", "d"], ["e"]]);
        assert.equal(namespaceStacks(input, 100).flat().length, input.length);
    });

    it("starts the packs a large input needs before reading it: one per two stacks' worth, one per core", () => {
        assert.equal(workersForInput(0), 1);
        assert.equal(workersForInput(2 * STACK_BYTES), 1);
        assert.equal(workersForInput(3 * STACK_BYTES), Math.min(2, os.availableParallelism()));
        assert.equal(workersForInput(100 * STACK_BYTES), workersFor(100));
    });

    it("finds the same violations in stacks over several pack processes as in one stack", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-stacks-"));
        try {
            await generateMix(dir, 400);
            const resources = fromManifests(manifestFiles([dir]), () => undefined);
            const split = namespaceStacks(resources, 64 << 10);
            assert.ok(split.length >= 4, `${split.length} stacks`);
            const [whole, parts] = await Promise.all([analyzeStacks([resources], {}, { workers: 1 }), analyzeStacks(split, {}, { workers: 2 })]);
            // Per-object violations are the same; the stack-wide advisory (no node pool) comes once per stack.
            const perObject = (ds: typeof whole.diagnostics) => ds.filter((d) => d.urn).map((d) => `${d.policy} ${d.urn} ${d.message}`).sort();
            assert.ok(perObject(whole.diagnostics).length >= 3, `${perObject(whole.diagnostics).length} violations`);
            assert.deepEqual(perObject(parts.diagnostics), perObject(whole.diagnostics));
            const stackWide = parts.diagnostics.filter((d) => !d.urn);
            assert.equal(stackWide.length, split.length);
            assert.ok(stackWide.every((d) => d.policy === "require-drain-capacity" && d.enforcementLevel === "advisory"));
            // However many workloads a stack holds, the advisory stays one readable line.
            assert.ok(stackWide.some((d) => / and \d+ more during a drain/.test(d.message)));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
