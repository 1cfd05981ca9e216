import * as path from "path";
import type { BinaryReader, Map as JspbMap } from "google-protobuf";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";

/**
 * google.protobuf.Struct decoding for the analyzer server this pack runs in, where every
 * resource arrives as a Struct and every rule asks for it as JavaScript. Two costs of
 * google-protobuf's generated code dominated a pack's time (`npm run bench:policy`):
 *
 * - Decoding is quadratic in depth: each nested Struct, ListValue or map value is attached to
 *   its parent once complete, and attaching a message re-syncs its whole subtree
 *   (jspb.Message#toArray recurses into every wrapped child; the mechanism of
 *   protocolbuffers/protobuf#2117, fixed upstream for repeated fields only). A Kubernetes object
 *   is some twenty messages deep. These decoders attach each child while it is still empty and
 *   read into it, through the generated setters: the messages end in the same state once the
 *   enclosing request's field is set (which syncs the tree once).
 * - The server converts each object with toJavaScript() once per rule: four walks of the
 *   message tree, each sorting every map's keys. A Struct decoded here remembers the value it
 *   was decoded as, and its toJavaScript() builds a new object from that, in the order the
 *   library's would assign the keys, for as long as nobody reaches into its fields: the first
 *   getFieldsMap() (the one way into them, and so to changing them) drops the memory, and the
 *   library's toJavaScript() answers from then on.
 *
 * tests/policy/lib/struct-decoding.spec.ts holds both to the library's results, value for value,
 * key order for key order and byte for byte.
 */
export type StructModule = typeof StructPb;

/** The struct_pb module the pack's analyzer server decodes requests with: the one @pulumi/policy's @pulumi/pulumi loads. */
export function analyzerStructModule(): StructModule {
    const analyzerPb = require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [path.dirname(require.resolve("@pulumi/policy/server"))] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve("google-protobuf/google/protobuf/struct_pb.js", { paths: [path.dirname(analyzerPb)] })) as StructModule;
}

/**
 * A value as decoded, in the shape toJavaScript() gives it: lists as arrays, structs as objects
 * whose keys were assigned in the order the library assigns them (sorted as strings).
 */
type Plain = null | number | string | boolean | Plain[] | { [key: string]: Plain };
/** What the library's toJavaScript() would not return as is: a Value of no kind (it throws), a "__proto__" key (it drops). */
const AS_LIBRARY = Symbol("left to the library");
type Decoded = Plain | typeof AS_LIBRARY;

/** A new copy: each toJavaScript() call gets its own objects, as from the library. */
function javaScriptOf(p: Plain): unknown {
    if (p === null || typeof p !== "object") return p;
    if (Array.isArray(p)) return p.map(javaScriptOf);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(p)) out[key] = javaScriptOf(p[key]);
    return out;
}

// The generated getFieldsMap takes an optional noLazyCreate, which its typings leave out.
type GetFieldsMap = (this: StructPb.Struct, noLazyCreate?: boolean) => JspbMap<string, StructPb.Value>;

/** Gives a decoded Struct the toJavaScript() of its decoded value, until getFieldsMap() opens it up. */
function remember(msg: StructPb.Struct, decoded: Plain, getFieldsMap: GetFieldsMap): void {
    // Not enumerable: a message compared or copied member by member shows nothing of it.
    const own = (value: unknown) => ({ value, configurable: true, writable: true, enumerable: false });
    Object.defineProperties(msg, {
        toJavaScript: own(() => javaScriptOf(decoded)),
        getFieldsMap: own(function (this: StructPb.Struct, noLazyCreate?: boolean) {
            delete (msg as Partial<StructPb.Struct>).toJavaScript;
            delete (msg as Partial<StructPb.Struct>).getFieldsMap;
            return getFieldsMap.call(this, noLazyCreate);
        }),
    });
}

/** A Struct being read: its value so far, and how its keys came. */
interface StructRead {
    value: Record<string, Plain>;
    last: string | undefined;
    sorted: boolean;
    asLibrary: boolean;
    /** It held no fields before this read. */
    empty: boolean;
}

/**
 * Replaces the Struct, Value and ListValue decoders of `pb` (by default the analyzer's). The
 * generated code looks a decoder up when it reads a field, so enclosing messages
 * (AnalyzeRequest, AnalyzerResource) use them too. Returns the undo.
 */
export function installLinearStructDecoding(pb: StructModule = analyzerStructModule()): () => void {
    const { Struct, Value, ListValue } = pb;
    const stock = [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] as const;

    // What the last readMessage() read, set by these callbacks as they end (after any they nest),
    // so that reading a value allocates no callback of its own.
    let read: Decoded = AS_LIBRARY;
    const valueRead = (v: StructPb.Value, r: BinaryReader) => void (read = readValue(v, r));
    const structRead = (s: StructPb.Struct, r: BinaryReader) => void (read = readStruct(s, r));
    const listRead = (l: StructPb.ListValue, r: BinaryReader) => void (read = readList(l, r));
    const nested = <M>(reader: BinaryReader, msg: M, callback: (msg: M, r: BinaryReader) => void): Decoded => {
        read = AS_LIBRARY;
        reader.readMessage(msg, callback);
        return read;
    };

    // `empty`: the Struct held no fields before (always so for a nested one).
    const readStruct = (msg: StructPb.Struct, reader: BinaryReader, empty = true): Decoded => {
        const into: StructRead = { value: {}, last: undefined, sorted: true, asLibrary: false, empty };
        const entry = (fields: JspbMap<string, StructPb.Value>, r: BinaryReader) => readEntry(fields, r, into);
        while (reader.nextField() && !reader.isEndGroup()) {
            if (reader.getFieldNumber() === 1) reader.readMessage(msg.getFieldsMap(), entry);
            else reader.skipField();
        }
        if (into.asLibrary) return AS_LIBRARY;
        if (into.sorted) return into.value;
        // Keys out of order, or one given twice: the last value of each, assigned sorted as strings.
        const sorted: Record<string, Plain> = {};
        for (const key of Object.keys(into.value).sort()) sorted[key] = into.value[key];
        return sorted;
    };

    // A map entry: key = 1, value = 2. The engine, as any protobuf encoder, writes the key first,
    // and the value is placed under it before it is read, when nothing is under that key yet
    // (`into` knows every key so far; jspb.Map#get would look a key up among an object's
    // inherited members, "__proto__" or "constructor", and write to them). Any other entry is
    // read first and placed after, as the library does.
    const readEntry = (fields: JspbMap<string, StructPb.Value>, reader: BinaryReader, into: StructRead): void => {
        let key = "";
        const value = new Value();
        let decoded: Decoded = AS_LIBRARY;
        let early: string | undefined;
        while (reader.nextField() && !reader.isEndGroup()) {
            const field = reader.getFieldNumber();
            if (field === 1) key = reader.readString();
            else if (field === 2) {
                if (early === undefined && into.empty && !into.asLibrary && key !== "__proto__" && !Object.prototype.hasOwnProperty.call(into.value, key)) {
                    early = key;
                    fields.set(key, value);
                }
                decoded = nested(reader, value, valueRead);
            } else reader.skipField();
        }
        if (early !== key) {
            // Read first, or the key came again after the value: the entry belongs under the last key.
            if (early !== undefined) fields.del(early);
            fields.set(key, value);
        }
        if (decoded === AS_LIBRARY || key === "__proto__") into.asLibrary = true;
        else {
            if (into.last !== undefined && into.last >= key) into.sorted = false;
            into.last = key;
            into.value[key] = decoded;
        }
    };

    // A Value's kind is a oneof: the last field read is the one it holds.
    const readValue = (msg: StructPb.Value, reader: BinaryReader): Decoded => {
        let decoded: Decoded = AS_LIBRARY;
        while (reader.nextField() && !reader.isEndGroup()) {
            switch (reader.getFieldNumber()) {
                case 1: msg.setNullValue(reader.readEnum() as StructPb.NullValue); decoded = null; break;
                case 2: msg.setNumberValue((decoded = reader.readDouble())); break;
                case 3: msg.setStringValue((decoded = reader.readString())); break;
                case 4: msg.setBoolValue((decoded = reader.readBool())); break;
                case 5: {
                    const struct = new Struct();
                    msg.setStructValue(struct);
                    decoded = nested(reader, struct, structRead);
                    break;
                }
                case 6: {
                    const list = new ListValue();
                    msg.setListValue(list);
                    decoded = nested(reader, list, listRead);
                    break;
                }
                default: reader.skipField();
            }
        }
        return decoded;
    };

    const readList = (msg: StructPb.ListValue, reader: BinaryReader): Decoded => {
        const values: Plain[] = [];
        let asLibrary = false;
        while (reader.nextField() && !reader.isEndGroup()) {
            if (reader.getFieldNumber() === 1) {
                const decoded = nested(reader, msg.addValues(), valueRead);
                if (decoded === AS_LIBRARY) asLibrary = true;
                else values.push(decoded);
            } else reader.skipField();
        }
        return asLibrary ? AS_LIBRARY : values;
    };

    Struct.deserializeBinaryFromReader = (msg, reader) => {
        // Read into a Struct that holds fields already, the value is more than what is read.
        const empty = msg.getFieldsMap().getLength() === 0;
        const decoded = readStruct(msg, reader, empty);
        if (empty && decoded !== AS_LIBRARY) remember(msg, decoded, Struct.prototype.getFieldsMap as GetFieldsMap);
        return msg;
    };
    Value.deserializeBinaryFromReader = (msg, reader) => (readValue(msg, reader), msg);
    ListValue.deserializeBinaryFromReader = (msg, reader) => (readList(msg, reader), msg);
    return () => {
        [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] = stock;
    };
}
