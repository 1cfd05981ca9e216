import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as jsyaml from "js-yaml";
import { BinaryWriter } from "google-protobuf";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzerStructModule, installLinearStructDecoding } from "../../../policy/lib/struct-decoding";
import { render } from "../../harness/render";

const pb = analyzerStructModule();
type Plain = Record<string, unknown>;

/** What a decoder makes of the bytes: the value, the bytes it serializes back to, and its synced array. */
function decoded(bytes: Uint8Array) {
    const s = pb.Struct.deserializeBinary(bytes);
    let value: unknown;
    try {
        value = s.toJavaScript();
    } catch (e) {
        // An entry without a value holds a Value of no kind, which the library will not convert.
        value = `throws: ${(e as Error).message}`;
    }
    return { value, bytes: Buffer.from(s.serializeBinary()), array: JSON.stringify(s.toArray()) };
}

/** The library's decoding and the linear one, of the same bytes. */
function both(bytes: Uint8Array) {
    const stock = decoded(bytes);
    const undo = installLinearStructDecoding(pb);
    try {
        return { stock, linear: decoded(bytes) };
    } finally {
        undo();
    }
}

// Deterministic, so that a failure reproduces.
function randomValue(seed: number, depth: number): unknown {
    let state = seed;
    const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const value = (d: number): unknown => {
        const pick = next();
        if (d <= 0 || pick < 0.3) return [null, -2.5, 2 ** 40, "ünï ✓", true, false, ""][Math.floor(next() * 7)];
        if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => value(d - 1));
        return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${Math.floor(next() * 5)}-${i}`, value(d - 1)]));
    };
    return { root: value(depth) };
}

// google/protobuf/struct.proto: Struct.fields = 1 (entry: key = 1, value = 2); Value.string_value = 3.
function entry(write: (w: BinaryWriter) => void): Uint8Array {
    const w = new BinaryWriter();
    w.beginSubMessage(1);
    write(w);
    w.endSubMessage(1);
    return w.getResultBuffer();
}
const stringValue = (w: BinaryWriter, s: string) => {
    w.beginSubMessage(2);
    w.writeString(3, s);
    w.endSubMessage(2);
};
const concat = (...parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));

describe("policy/lib/struct-decoding: Struct decoding in linear time", () => {
    it("decodes every object of the dev render and of the bad YAML as the library does", async () => {
        const bad = path.join("tests", "policy", "fixtures", "bad");
        const yamlObjects = fs.readdirSync(bad).flatMap((f) => jsyaml.loadAll(fs.readFileSync(path.join(bad, f), "utf8")))
            .filter((o): o is Plain => typeof o === "object" && o !== null && !Array.isArray(o));
        const rendered = (await render()).resources.map((r) => JSON.parse(JSON.stringify(r.props)) as Plain);
        const objects = [...rendered, ...yamlObjects];
        assert.ok(objects.length > 30);
        for (const o of objects) {
            const { stock, linear } = both(pb.Struct.fromJavaScript(o as never).serializeBinary());
            assert.deepEqual(linear, stock);
            assert.deepEqual(linear.value, o);
        }
    });

    it("decodes values of every kind, nested up to twelve deep, as the library does", () => {
        for (let seed = 1; seed <= 200; seed++) {
            const o = randomValue(seed, 1 + (seed % 12)) as Plain;
            const { stock, linear } = both(pb.Struct.fromJavaScript(o as never).serializeBinary());
            assert.deepEqual(linear, stock, `seed ${seed}`);
            assert.deepEqual(linear.value, o, `seed ${seed}`);
        }
    });

    it("decodes map entries in any order, repeated keys and unknown fields as the library does", () => {
        const cases: Record<string, Uint8Array> = {
            "value before key": entry((w) => { stringValue(w, "v"); w.writeString(1, "k"); }),
            "a key given twice": entry((w) => { w.writeString(1, "first"); stringValue(w, "v"); w.writeString(1, "last"); }),
            "a key given twice, over an earlier entry": concat(
                entry((w) => { w.writeString(1, "first"); stringValue(w, "earlier"); }),
                entry((w) => { w.writeString(1, "first"); stringValue(w, "v"); w.writeString(1, "last"); }),
            ),
            "the same key in two entries": concat(
                entry((w) => { w.writeString(1, "k"); stringValue(w, "old"); }),
                entry((w) => { w.writeString(1, "k"); stringValue(w, "new"); }),
            ),
            "no key": entry((w) => stringValue(w, "v")),
            "no value": entry((w) => w.writeString(1, "k")),
            "a field Struct does not have": (() => {
                const w = new BinaryWriter();
                w.writeString(7, "ignored");
                return concat(w.getResultBuffer(), entry((x) => { x.writeString(1, "k"); stringValue(x, "v"); }));
            })(),
        };
        for (const [name, bytes] of Object.entries(cases)) {
            const { stock, linear } = both(bytes);
            assert.deepEqual(linear, stock, name);
        }
    });

    it("is what the pack's analyzer server decodes requests with", () => {
        const props = { kind: "StatefulSet", spec: { template: { spec: { containers: [{ name: "zk" }] } } } };
        const request = new analyzer.AnalyzeRequest().setType("kubernetes:apps/v1:StatefulSet")
            .setProperties(pb.Struct.fromJavaScript(props as never)).serializeBinary();
        const undo = installLinearStructDecoding();
        const linear = pb.Struct.deserializeBinaryFromReader;
        let calls = 0;
        pb.Struct.deserializeBinaryFromReader = (msg, reader) => (calls++, linear(msg, reader));
        try {
            const properties = analyzer.AnalyzeRequest.deserializeBinary(request).getProperties()!;
            // The SDK's request decoder reached this module's Struct decoder, for the properties and each nested object.
            assert.equal(calls, 5);
            assert.ok(properties instanceof pb.Struct);
            assert.deepEqual(properties.toJavaScript(), props);
        } finally {
            pb.Struct.deserializeBinaryFromReader = linear;
            undo();
        }
        assert.notEqual(pb.Struct.deserializeBinaryFromReader, linear, "undone");
    });
});
