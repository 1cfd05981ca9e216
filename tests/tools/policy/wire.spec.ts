import { strict as assert } from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { structBytes } from "../../../tools/policy/wire";
import { structCorpus } from "../../policy/corpus";

const libraryBytes = (o: Record<string, unknown>) => Buffer.from(Struct.fromJavaScript(o as Record<string, never>).serializeBinary());

describe("tools/policy/wire: Struct bytes written straight from the data", () => {
    it("match the library's bytes for every object of the dev render and of the bad YAML", async () => {
        const objects = await structCorpus();
        assert.ok(objects.length > 30);
        for (const o of objects) assert.deepEqual(Buffer.from(structBytes(o)), libraryBytes(o));
    });

    it("match them on every kind of value, nested: null, numbers, strings, booleans, lists, empty ones", () => {
        const o = {
            z: null, n: -1.5, big: 2 ** 53, s: "ünïcode ✓", t: true, f: false, empty: {}, none: [],
            list: [1, "a", null, [true, { b: [] }], {}], nested: { b: { a: 0 } }, "": "empty key",
            astral: "𝔘 😀", zero: -0, inf: Infinity, ninf: -Infinity, tiny: 5e-324, long: "x".repeat(70_000),
        };
        assert.deepEqual(Buffer.from(structBytes(o)), libraryBytes(o));
        // YAML's .nan: the library writes it with its own bits, and so does structBytes.
        assert.deepEqual(Buffer.from(structBytes({ nan: NaN })), libraryBytes({ nan: NaN }));
        // A lone surrogate (a YAML escape such as "\ud800") is the one difference: the library
        // drops some and keeps others; structBytes keeps each, so the pack reads back the string given.
        for (const lone of [{ s: "a\ud800b" }, { s: "\udfff" }, { s: "x\ud800" }]) {
            assert.deepEqual(Struct.deserializeBinary(structBytes(lone)).toJavaScript(), lone);
        }
        assert.deepEqual(Struct.deserializeBinary(structBytes(o)).toJavaScript(), o);
    });

    it("refuses what a Struct cannot hold, as the library does", () => {
        assert.throws(() => structBytes({ a: undefined }), /Unexpected struct type/);
        assert.throws(() => libraryBytes({ a: undefined }), /Unexpected struct type/);
        assert.throws(() => structBytes({ f: () => 1 }), /Unexpected struct type/);
    });
});
