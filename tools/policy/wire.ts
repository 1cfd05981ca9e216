import { Writer } from "protobufjs/minimal";

/**
 * Plain data as the bytes of a google.protobuf.Struct: what
 * `Struct.fromJavaScript(o).serializeBinary()` produces, byte for byte (keys sorted as jspb's
 * Map writes them), written straight from the data with protobufjs's Writer. The library's way
 * builds a message object per value only to serialize it, which made encoding ten thousand
 * manifests cost the runner two seconds; google-protobuf's own BinaryWriter still took three
 * times protobufjs's. tests/tools/policy/wire.spec.ts holds the bytes to the library's. The one
 * difference is a string with a lone surrogate (a YAML escape such as "\ud800"): the library
 * drops some of those and keeps others, protobufjs keeps each, so the pack reads back the string.
 */
export function structBytes(o: Record<string, unknown>): Uint8Array {
    const w = Writer.create();
    writeFields(w, o);
    return w.finish();
}

// google/protobuf/struct.proto: Struct.fields = 1 (map entries: key = 1, value = 2);
// Value: null_value = 1, number_value = 2, string_value = 3, bool_value = 4, struct_value = 5,
// list_value = 6; ListValue.values = 1. A tag is (field << 3) | wire type: 0 varint, 1 64-bit,
// 2 length-delimited (fork() ... ldelim() writes a submessage with its length before it).
const tag = (field: number, wireType: 0 | 1 | 2) => (field << 3) | wireType;

function writeFields(w: Writer, o: object): void {
    for (const key of Object.keys(o).sort()) {
        w.uint32(tag(1, 2)).fork();
        w.uint32(tag(1, 2)).string(key);
        w.uint32(tag(2, 2)).fork();
        writeValue(w, (o as Record<string, unknown>)[key]);
        w.ldelim().ldelim();
    }
}

function writeValue(w: Writer, v: unknown): void {
    if (v === null) w.uint32(tag(1, 0)).int32(0);
    // jspb writes NaN as the bits 0x7FFFFFFFFFFFFFFF, not the canonical NaN: the same bytes, as two little-endian halves.
    else if (typeof v === "number") Number.isNaN(v) ? w.uint32(tag(2, 1)).fixed32(0xffffffff).fixed32(0x7fffffff) : w.uint32(tag(2, 1)).double(v);
    else if (typeof v === "string") w.uint32(tag(3, 2)).string(v);
    else if (typeof v === "boolean") w.uint32(tag(4, 0)).bool(v);
    else if (Array.isArray(v)) {
        w.uint32(tag(6, 2)).fork();
        for (const e of v) {
            w.uint32(tag(1, 2)).fork();
            writeValue(w, e);
            w.ldelim();
        }
        w.ldelim();
    } else if (typeof v === "object") {
        w.uint32(tag(5, 2)).fork();
        writeFields(w, v);
        w.ldelim();
    } else throw new Error(`Unexpected struct type: ${typeof v}`);
}
