import { BinaryWriter } from "google-protobuf";

/**
 * Plain data as the bytes of a google.protobuf.Struct: what
 * `Struct.fromJavaScript(o).serializeBinary()` produces, byte for byte (keys sorted as jspb's
 * Map writes them), written straight from the data with google-protobuf's own BinaryWriter.
 * The library's way builds a message object per value only to serialize it, which made encoding
 * ten thousand manifests cost the runner two seconds; tests/tools/policy/wire.spec.ts holds the
 * two to the same bytes.
 */
export function structBytes(o: Record<string, unknown>): Uint8Array {
    const w = new BinaryWriter();
    writeFields(w, o);
    return w.getResultBuffer();
}

// google/protobuf/struct.proto: Struct.fields = 1 (map entries: key = 1, value = 2);
// Value: null_value = 1, number_value = 2, string_value = 3, bool_value = 4, struct_value = 5,
// list_value = 6; ListValue.values = 1.
function writeFields(w: BinaryWriter, o: object): void {
    for (const key of Object.keys(o).sort()) {
        w.beginSubMessage(1);
        w.writeString(1, key);
        w.beginSubMessage(2);
        writeValue(w, (o as Record<string, unknown>)[key]);
        w.endSubMessage(2);
        w.endSubMessage(1);
    }
}

function writeValue(w: BinaryWriter, v: unknown): void {
    if (v === null) w.writeEnum(1, 0);
    else if (typeof v === "number") w.writeDouble(2, v);
    else if (typeof v === "string") w.writeString(3, v);
    else if (typeof v === "boolean") w.writeBool(4, v);
    else if (Array.isArray(v)) {
        w.beginSubMessage(6);
        for (const e of v) {
            w.beginSubMessage(1);
            writeValue(w, e);
            w.endSubMessage(1);
        }
        w.endSubMessage(6);
    } else if (typeof v === "object") {
        w.beginSubMessage(5);
        writeFields(w, v);
        w.endSubMessage(5);
    } else throw new Error(`Unexpected struct type: ${typeof v}`);
}
