import * as path from "path";
import type { BinaryReader, Map as JspbMap } from "google-protobuf";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";

/**
 * google.protobuf.Struct decoding in time linear in the size of the value, for the analyzer
 * server this pack runs in. Every resource reaches a policy pack as a Struct, and
 * google-protobuf's generated decoders are quadratic in its depth: each nested Struct, ListValue
 * or map value is attached to its parent only once it is complete, and attaching a message
 * re-syncs its whole subtree (jspb.Message#toArray recurses into every wrapped child; the same
 * mechanism as protocolbuffers/protobuf#2117, fixed upstream for repeated fields only). A
 * Kubernetes object is some twenty messages deep: a pack spent more time re-syncing its
 * requests than running its rules (`npm run bench:policy`).
 *
 * These decoders attach each child message while it is still empty, then read into it, through
 * the generated classes' own setters, so the decoded messages are the same objects in the same
 * state once the enclosing request's field is set (which syncs the tree once); the library's
 * toArray() still syncs on demand, as it always does. tests/policy/lib/struct-decoding.spec.ts
 * holds them to the library's results, value for value and byte for byte.
 */
export type StructModule = typeof StructPb;

/** The struct_pb module the pack's analyzer server decodes requests with: the one @pulumi/policy's @pulumi/pulumi loads. */
export function analyzerStructModule(): StructModule {
    const analyzerPb = require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [path.dirname(require.resolve("@pulumi/policy/server"))] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve("google-protobuf/google/protobuf/struct_pb.js", { paths: [path.dirname(analyzerPb)] })) as StructModule;
}

/**
 * Replaces the Struct, Value and ListValue decoders of `pb` (by default the analyzer's) with the
 * linear ones. The generated code looks a decoder up when it reads a field, so nested and
 * enclosing messages (AnalyzeRequest, AnalyzerResource) use them too. Returns the undo.
 */
export function installLinearStructDecoding(pb: StructModule = analyzerStructModule()): () => void {
    const { Struct, Value, ListValue } = pb;
    const stock = [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] as const;

    // A map entry: key = 1, value = 2. The engine, as any protobuf encoder, writes the key first;
    // the value is then placed under it before it is read. Other orders decode as the library does.
    const readEntry = (fields: JspbMap<string, StructPb.Value>, reader: BinaryReader) => {
        let key = "";
        const value = new Value();
        let placed: { key: string; replaced?: StructPb.Value } | undefined;
        while (reader.nextField() && !reader.isEndGroup()) {
            const field = reader.getFieldNumber();
            if (field === 1) key = reader.readString();
            else if (field === 2) {
                if (placed === undefined) {
                    placed = { key, replaced: fields.get(key) };
                    fields.set(key, value);
                }
                reader.readMessage(value, Value.deserializeBinaryFromReader);
            } else reader.skipField();
        }
        if (placed?.key === key) return;
        // The key came after the value, or twice: the entry belongs under the last key read.
        if (placed) {
            if (placed.replaced) fields.set(placed.key, placed.replaced);
            else fields.del(placed.key);
        }
        fields.set(key, value);
    };

    Struct.deserializeBinaryFromReader = (msg, reader) => {
        while (reader.nextField() && !reader.isEndGroup()) {
            if (reader.getFieldNumber() === 1) reader.readMessage(msg.getFieldsMap(), readEntry);
            else reader.skipField();
        }
        return msg;
    };
    Value.deserializeBinaryFromReader = (msg, reader) => {
        while (reader.nextField() && !reader.isEndGroup()) {
            switch (reader.getFieldNumber()) {
                case 1: msg.setNullValue(reader.readEnum() as StructPb.NullValue); break;
                case 2: msg.setNumberValue(reader.readDouble()); break;
                case 3: msg.setStringValue(reader.readString()); break;
                case 4: msg.setBoolValue(reader.readBool()); break;
                case 5: {
                    const struct = new Struct();
                    msg.setStructValue(struct);
                    reader.readMessage(struct, Struct.deserializeBinaryFromReader);
                    break;
                }
                case 6: {
                    const list = new ListValue();
                    msg.setListValue(list);
                    reader.readMessage(list, ListValue.deserializeBinaryFromReader);
                    break;
                }
                default: reader.skipField();
            }
        }
        return msg;
    };
    ListValue.deserializeBinaryFromReader = (msg, reader) => {
        while (reader.nextField() && !reader.isEndGroup()) {
            if (reader.getFieldNumber() === 1) reader.readMessage(msg.addValues(), Value.deserializeBinaryFromReader);
            else reader.skipField();
        }
        return msg;
    };
    return () => {
        [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] = stock;
    };
}
