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
 *   is some twenty messages deep. These decoders build the nested messages' jspb arrays instead
 *   (the form a message is constructed from and toArray() returns), which jspb wraps in
 *   messages only when a getter asks for one, and add the top level's entries through the
 *   generated setters: decoding is linear and builds no message nobody asks for.
 * - The server converts each object with toJavaScript() once per rule: four walks of the
 *   message tree, each sorting every map's keys. A Struct decoded here remembers the value it
 *   was decoded as, and its toJavaScript() builds a new object from that, in the order the
 *   library's would assign the keys, for as long as nobody reaches into its fields: the first
 *   getFieldsMap() (the one way into them, and so to changing them) drops the memory, and the
 *   library's toJavaScript() answers from then on.
 *
 * tests/policy/lib/struct-decoding.spec.ts holds both to the library's results, array for
 * array, value for value, key order for key order and byte for byte.
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

/**
 * The readers below build each message's jspb array (the form `new Value(array)` wraps, and
 * toArray() returns: a Value holds its kind at index field - 1, a ListValue its values' arrays at
 * 0, a Struct its [key, value array] pairs at 0, sorted by key as the library's map writes them)
 * and, beside it, the plain value. They keep both in these slots as they return: reading is
 * synchronous, and a reader's caller takes them before reading on.
 */
let array: unknown[] = [];
let plain: Decoded = AS_LIBRARY;

/** Reads a length-delimited message with `read`, which leaves what it read in the slots. */
function nested(reader: BinaryReader, read: (_: unknown, reader: BinaryReader) => void): void {
    array = [];
    plain = AS_LIBRARY;
    reader.readMessage(null, read);
}

/** A map entry's value given twice is read into the same Value, as protobuf merges a message. */
function readValue(reader: BinaryReader, into: unknown[] = [], was: Decoded = AS_LIBRARY): void {
    let kind = into.findIndex((v) => v !== undefined && v !== null);
    let decoded = was;
    // A Value's kind is a oneof: setting one clears the one before, as jspb.Message.setOneofField does.
    const set = (index: number, value: unknown) => {
        if (kind >= 0 && kind !== index) into[kind] = undefined;
        into[index] = value;
        kind = index;
    };
    while (reader.nextField() && !reader.isEndGroup()) {
        switch (reader.getFieldNumber()) {
            case 1: set(0, reader.readEnum()); decoded = null; break;
            case 2: set(1, (decoded = reader.readDouble())); break;
            case 3: set(2, (decoded = reader.readString())); break;
            case 4: set(3, (decoded = reader.readBool())); break;
            case 5: nested(reader, readStruct); set(4, array); decoded = plain; break;
            case 6: nested(reader, readList); set(5, array); decoded = plain; break;
            default: reader.skipField();
        }
    }
    array = into;
    plain = decoded;
}

const readFreshValue = (_: unknown, reader: BinaryReader) => readValue(reader);

function readList(_: unknown, reader: BinaryReader): void {
    const values: unknown[] = [];
    const decoded: Plain[] = [];
    let asLibrary = false;
    while (reader.nextField() && !reader.isEndGroup()) {
        if (reader.getFieldNumber() === 1) {
            nested(reader, readFreshValue);
            values.push(array);
            if (plain === AS_LIBRARY) asLibrary = true;
            else decoded.push(plain);
        } else reader.skipField();
    }
    array = [values];
    plain = asLibrary ? AS_LIBRARY : decoded;
}

/**
 * A Struct's entries (key = 1, value = 2) in the order they came, with `sorted` when their keys
 * came sorted and once each, and its plain value (the last of a key wins, as in the library's
 * map, assigned sorted). A "__proto__" key is left to the library: its map keeps entries in a
 * plain object, whose prototype that key would set.
 */
function readEntries(reader: BinaryReader): { pairs: Array<[string, unknown[]]>; value: Record<string, Plain> | typeof AS_LIBRARY; sorted: boolean } {
    const pairs: Array<[string, unknown[]]> = [];
    // Widened: the entries below, in a callback, may set it.
    let value = {} as Record<string, Plain> | typeof AS_LIBRARY;
    let sorted = true;
    let last: string | undefined;
    const entry = (_: unknown, r: BinaryReader) => {
        let key = "";
        let valueArray: unknown[] | undefined;
        let decoded: Decoded = AS_LIBRARY;
        while (r.nextField() && !r.isEndGroup()) {
            const field = r.getFieldNumber();
            if (field === 1) key = r.readString();
            else if (field === 2) {
                const into = valueArray;
                const was = decoded;
                nested(r, into === undefined ? readFreshValue : (_m: unknown, rr: BinaryReader) => readValue(rr, into, was));
                valueArray = array;
                decoded = plain;
            } else r.skipField();
        }
        // No value: an empty Value, which the library's toJavaScript() will not convert.
        pairs.push([key, valueArray ?? []]);
        if (decoded === AS_LIBRARY || key === "__proto__" || value === AS_LIBRARY) value = AS_LIBRARY;
        else {
            if (last !== undefined && last >= key) sorted = false;
            last = key;
            value[key] = decoded;
        }
    };
    while (reader.nextField() && !reader.isEndGroup()) {
        if (reader.getFieldNumber() === 1) reader.readMessage(null, entry);
        else reader.skipField();
    }
    if (sorted || value === AS_LIBRARY) return { pairs, value, sorted };
    const ordered: Record<string, Plain> = {};
    for (const key of Object.keys(value).sort()) ordered[key] = value[key];
    return { pairs, value: ordered, sorted };
}

function readStruct(_: unknown, reader: BinaryReader): void {
    const { pairs, value, sorted } = readEntries(reader);
    plain = value;
    if (sorted && value !== AS_LIBRARY) {
        array = pairs.length > 0 ? [pairs] : [];
        return;
    }
    // Keys out of order or given twice: the last value of each, sorted as strings, as the
    // library's map writes its array once synced; "__proto__", which its map does not keep, dropped.
    const last = new Map(pairs.filter(([key]) => key !== "__proto__"));
    const keys = [...last.keys()].sort();
    array = keys.length > 0 ? [keys.map((key) => [key, last.get(key)!])] : [];
}

/**
 * Replaces the Struct, Value and ListValue decoders of `pb` (by default the analyzer's). The
 * generated code looks a decoder up when it reads a field, so enclosing messages
 * (AnalyzeRequest, AnalyzerResource) use them too. Each builds the nested messages' arrays, which
 * jspb wraps in messages only when a getter asks for them, and adds the top level's fields
 * through the generated setters. Returns the undo.
 */
export function installLinearStructDecoding(pb: StructModule = analyzerStructModule()): () => void {
    const { Struct, Value, ListValue } = pb;
    const stock = [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] as const;
    // The generated constructors take the array to wrap, which their typings leave out.
    const wrap = <M>(ctor: new () => M) => (data: unknown) => new (ctor as unknown as new (data: unknown) => M)(data);
    const valueOf = wrap(Value);
    const structOf = wrap(Struct);
    const listOf = wrap(ListValue);

    Struct.deserializeBinaryFromReader = (msg, reader) => {
        // A Struct that holds fields already gets more: no value of its own to remember.
        const fresh = msg.toArray().length === 0;
        const { pairs, value } = readEntries(reader);
        if (pairs.length > 0) {
            const fields = msg.getFieldsMap();
            for (const [key, valueArray] of pairs) fields.set(key, valueOf(valueArray));
        }
        if (fresh && value !== AS_LIBRARY) remember(msg, value, Struct.prototype.getFieldsMap as GetFieldsMap);
        return msg;
    };
    Value.deserializeBinaryFromReader = (msg, reader) => {
        readValue(reader);
        const [nullValue, numberValue, stringValue, boolValue, structValue, listValue] = array;
        if (nullValue !== undefined && nullValue !== null) msg.setNullValue(nullValue as StructPb.NullValue);
        else if (numberValue !== undefined && numberValue !== null) msg.setNumberValue(numberValue as number);
        else if (stringValue !== undefined && stringValue !== null) msg.setStringValue(stringValue as string);
        else if (boolValue !== undefined && boolValue !== null) msg.setBoolValue(boolValue as boolean);
        else if (structValue !== undefined) msg.setStructValue(structOf(structValue));
        else if (listValue !== undefined) msg.setListValue(listOf(listValue));
        return msg;
    };
    ListValue.deserializeBinaryFromReader = (msg, reader) => {
        readList(null, reader);
        for (const valueArray of (array as unknown[][])[0] as unknown[][]) msg.addValues(valueOf(valueArray));
        return msg;
    };
    return () => {
        [Struct.deserializeBinaryFromReader, Value.deserializeBinaryFromReader, ListValue.deserializeBinaryFromReader] = stock;
    };
}
