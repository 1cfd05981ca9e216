import { strict as assert } from "assert";
import { BinaryReader, BinaryWriter } from "google-protobuf";
import type { Struct as StructT } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzerStructModule, installLinearStructDecoding } from "../../../policy/lib/struct-decoding";
import { structCorpus } from "../corpus";

const pb = analyzerStructModule();
type Plain = Record<string, unknown>;

type Kind = "Struct" | "Value" | "ListValue";

/**
 * What a decoder makes of the bytes as a message of this kind: its synced array, the value (its
 * JSON keeps the key order), the value again, what a Struct's map answers, the bytes it
 * serializes back to, then the value and the array again.
 */
function decoded(bytes: Uint8Array, kind: Kind = "Struct") {
    const m = pb[kind].deserializeBinary(bytes);
    // Before any getter wraps (and so changes) a nested message's array.
    const array = JSON.stringify(m.toArray());
    const value = () => {
        try {
            return m.toJavaScript();
        } catch (e) {
            // An entry without a value holds a Value of no kind, which the library will not convert.
            return `throws: ${(e as Error).message}`;
        }
    };
    const first = value();
    const again = value();
    assert.ok(typeof first !== "object" || first === null || first !== again, "a new object from each toJavaScript()");
    // What the map answers for names its entry objects have (jspb.Map keeps { key, value } per key).
    const has = m instanceof pb.Struct ? ["key", "value", "__proto__"].map((k) => m.getFieldsMap().has(k)) : [];
    const serialized = Buffer.from(m.serializeBinary());
    return { array, value: first, json: JSON.stringify(first), again, has, bytes: serialized, after: JSON.stringify(value()), arrayAfter: JSON.stringify(m.toArray()) };
}

/** The library's decoding and this module's, of the same bytes. */
function both(bytes: Uint8Array, kind: Kind = "Struct") {
    const stock = decoded(bytes, kind);
    const undo = installLinearStructDecoding(pb);
    try {
        return { stock, linear: decoded(bytes, kind) };
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

describe("policy/lib/struct-decoding: Struct decoding in linear time, remembering the value", () => {
    it("decodes every object of the dev render and of the bad YAML as the library does", async () => {
        const objects = await structCorpus();
        assert.ok(objects.length > 30);
        for (const o of objects) {
            const { stock, linear } = both(pb.Struct.fromJavaScript(o as never).serializeBinary());
            assert.deepEqual(linear, stock);
            assert.deepEqual(linear.value, o);
        }
    });

    it("decodes values of every kind, nested up to twelve deep, as the library does, as a Struct, a Value or a ListValue", () => {
        for (let seed = 1; seed <= 200; seed++) {
            const o = randomValue(seed, 1 + (seed % 12)) as Plain;
            const { stock, linear } = both(pb.Struct.fromJavaScript(o as never).serializeBinary());
            assert.deepEqual(linear, stock, `seed ${seed}`);
            assert.deepEqual(linear.value, o, `seed ${seed}`);
            const value = both(pb.Value.fromJavaScript(o.root as never).serializeBinary(), "Value");
            assert.deepEqual(value.linear, value.stock, `seed ${seed} as a Value`);
            const list = both(pb.ListValue.fromJavaScript([o.root, o] as never).serializeBinary(), "ListValue");
            assert.deepEqual(list.linear, list.stock, `seed ${seed} as a ListValue`);
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
            "keys out of order": concat(entry((w) => { w.writeString(1, "b"); stringValue(w, "2"); }), entry((w) => { w.writeString(1, "a"); stringValue(w, "1"); })),
            // The library sorts them as strings, and JavaScript puts integer keys first, in numeric order.
            "integer-like keys": concat(...["10", "2", "x", "01"].map((k) => entry((w) => { w.writeString(1, k); stringValue(w, k); }))),
            "a constructor key": entry((w) => { w.writeString(1, "constructor"); stringValue(w, "c"); }),
            "a __proto__ key": concat(entry((w) => { w.writeString(1, "__proto__"); stringValue(w, "p"); }), entry((w) => { w.writeString(1, "k"); stringValue(w, "v"); })),
            // The library's map keeps entries in an object: "__proto__" would set its prototype.
            "a __proto__ key, then another after the value": entry((w) => { w.writeString(1, "__proto__"); stringValue(w, "v"); w.writeString(1, "key"); }),
            "a nested __proto__ key": entry((w) => {
                w.writeString(1, "o");
                w.beginSubMessage(2);
                w.beginSubMessage(5);
                w.beginSubMessage(1);
                w.writeString(1, "__proto__");
                stringValue(w, "p");
                w.endSubMessage(1);
                w.beginSubMessage(1);
                w.writeString(1, "k");
                stringValue(w, "v");
                w.endSubMessage(1);
                w.endSubMessage(5);
                w.endSubMessage(2);
            }),
            "a value given twice, of another kind": entry((w) => {
                w.writeString(1, "k");
                stringValue(w, "v");
                w.beginSubMessage(2);
                w.writeDouble(2, 7);
                w.endSubMessage(2);
            }),
            "a value given twice, the second empty": entry((w) => {
                w.writeString(1, "k");
                stringValue(w, "v");
                w.beginSubMessage(2);
                w.endSubMessage(2);
            }),
            "no key": entry((w) => stringValue(w, "v")),
            "no value": entry((w) => w.writeString(1, "k")),
            "a field Struct does not have": (() => {
                const w = new BinaryWriter();
                w.writeString(7, "ignored");
                return concat(w.getResultBuffer(), entry((x) => { x.writeString(1, "k"); stringValue(x, "v"); }));
            })(),
        };
        const members = (o: object) => Object.getOwnPropertyNames(o).sort();
        const before = [members(Object.prototype), members(Object)];
        for (const [name, bytes] of Object.entries(cases)) {
            const { stock, linear } = both(bytes);
            assert.deepEqual(linear, stock, name);
        }
        // Keys that name an object's inherited members must not reach them.
        assert.deepEqual([members(Object.prototype), members(Object)], before);
    });

    it("answers toJavaScript() from the decoded value until its fields are reached into", () => {
        const props = { kind: "StatefulSet", spec: { replicas: 3, template: { spec: { containers: [{ name: "zk" }] } } } };
        const undo = installLinearStructDecoding(pb);
        try {
            const s = pb.Struct.deserializeBinary(pb.Struct.fromJavaScript(props as never).serializeBinary());
            const first = s.toJavaScript() as typeof props;
            first.spec.replicas = 5;
            assert.deepEqual(s.toJavaScript(), props, "a caller's change to one answer is not in the next");
            const spec = s.getFieldsMap().get("spec")!.getStructValue()!;
            spec.getFieldsMap().set("replicas", new pb.Value().setNumberValue(7));
            s.getFieldsMap().set("added", new pb.Value().setBoolValue(true));
            assert.deepEqual(s.toJavaScript(), { ...props, added: true, spec: { ...props.spec, replicas: 7 } });
            // Read into a message that has fields, the value is both: the library's merge.
            const merged = pb.Struct.fromJavaScript({ a: 1 } as never);
            pb.Struct.deserializeBinaryFromReader(merged, new BinaryReader(pb.Struct.fromJavaScript({ b: 2 } as never).serializeBinary()));
            assert.deepEqual(merged.toJavaScript(), { a: 1, b: 2 });
            const list = pb.ListValue.fromJavaScript([1] as never);
            pb.ListValue.deserializeBinaryFromReader(list, new BinaryReader(pb.ListValue.fromJavaScript(["x", {}] as never).serializeBinary()));
            assert.deepEqual(list.toJavaScript(), [1, "x", {}]);
            const value = pb.Value.fromJavaScript("was" as never);
            pb.Value.deserializeBinaryFromReader(value, new BinaryReader(new Uint8Array()));
            assert.equal(value.toJavaScript(), "was", "nothing read: the kind it had");
            pb.Value.deserializeBinaryFromReader(value, new BinaryReader(pb.Value.fromJavaScript({ k: [true] } as never).serializeBinary()));
            assert.deepEqual(value.toJavaScript(), { k: [true] });
        } finally {
            undo();
        }
    });

    it("is what the pack's analyzer server decodes requests with", () => {
        const props = { kind: "StatefulSet", spec: { template: { spec: { containers: [{ name: "zk" }] } } } };
        const request = new analyzer.AnalyzeRequest().setType("kubernetes:apps/v1:StatefulSet")
            .setProperties(pb.Struct.fromJavaScript(props as never)).serializeBinary();
        const undo = installLinearStructDecoding();
        const decoder = pb.Struct.deserializeBinaryFromReader;
        const getFieldsMap = pb.Struct.prototype.getFieldsMap;
        let decodes = 0;
        let opened = 0;
        pb.Struct.deserializeBinaryFromReader = (msg, reader) => (decodes++, decoder(msg, reader));
        pb.Struct.prototype.getFieldsMap = function (this: StructT) {
            opened++;
            return getFieldsMap.call(this);
        };
        try {
            const properties = analyzer.AnalyzeRequest.deserializeBinary(request).getProperties()!;
            // The SDK's request decoder reached this module's Struct decoder, which read the nested objects itself.
            assert.equal(decodes, 1);
            assert.ok(properties instanceof pb.Struct);
            opened = 0;
            assert.deepEqual(properties.toJavaScript(), props);
            assert.equal(opened, 0, "toJavaScript() answered from the decoded value, without walking the fields");
        } finally {
            pb.Struct.deserializeBinaryFromReader = decoder;
            pb.Struct.prototype.getFieldsMap = getFieldsMap;
            undo();
        }
        assert.notEqual(pb.Struct.deserializeBinaryFromReader, decoder, "undone");
    });
});
