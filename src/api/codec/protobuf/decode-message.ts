import { badRequest } from '../../errors/status-error.js';
import type { FieldDescriptor, MessageDescriptor, SchemaRegistry, ValueType } from './schema.js';
import { decodeWellKnown, type EmbeddedDecoder } from './well-known.js';
import { ProtoReader, WireType } from './wire.js';

/**
 * Protobuf message → the JSON object Go's encoding/json would print for the same
 * Go struct, so a protobuf request body looks exactly like its JSON twin:
 * - a field absent on the wire is absent in JSON (proto2 presence = Go nil);
 * - a zero scalar on a value field tagged omitempty is dropped (Go writes every
 *   non-pointer field, so zeros arrive explicitly; JSON would have omitted them);
 * - pointers and fields without omitempty keep their zero (`replicas: 0`);
 * - an embedded message present on the wire is `{}` even when empty, as Go's
 *   JSON prints non-pointer structs;
 * - `bytes` become base64, well-known types their JSON forms (well-known.ts);
 * - repeated numeric fields are accepted packed or unpacked; unknown fields are
 *   skipped; a repeated singular message merges, as proto semantics require.
 */
export type JsonObject = Record<string, unknown>;

/** Schema recursion is finite, but embedded envelopes (RawExtension) are not. */
const MAX_DEPTH = 64;

export interface DecodeContext {
  schema: SchemaRegistry;
  decodeEmbedded: EmbeddedDecoder;
}

const goName = (json: string) => json.charAt(0).toUpperCase() + json.slice(1);
const shortName = (desc: MessageDescriptor) => desc.name.slice(desc.name.indexOf('.') + 1);

function expectWire(f: FieldDescriptor, actual: number, expected: WireType): void {
  if (actual !== expected)
    throw badRequest(`proto: wrong wireType = ${actual} for field ${goName(f.json || 'inline')}`);
}

function wireTypeOf(t: ValueType): WireType {
  if (t.kind !== 'scalar') return WireType.Bytes;
  switch (t.scalar) {
    case 'string':
    case 'bytes':
      return WireType.Bytes;
    case 'double':
      return WireType.Fixed64;
    default:
      return WireType.Varint;
  }
}

/** One value of type t at the reader (already past its tag): [json value, is Go zero]. */
function readValue(r: ProtoReader, t: ValueType, ctx: DecodeContext, depth: number): [unknown, boolean] {
  switch (t.kind) {
    case 'scalar':
      switch (t.scalar) {
        case 'string': {
          const s = r.string();
          return [s, s === ''];
        }
        case 'bytes': {
          const b = r.bytes();
          return [Buffer.from(b).toString('base64'), b.length === 0];
        }
        case 'bool': {
          const v = r.bool();
          return [v, !v];
        }
        case 'int32': {
          const v = r.int32();
          return [v, v === 0];
        }
        case 'int64': {
          const v = r.int64();
          return [v, v === 0];
        }
        case 'double': {
          const v = r.double();
          return [v, v === 0];
        }
      }
      break;
    case 'wellknown': {
      const { value, zero } = decodeWellKnown(t.wellKnown, r.bytes(), ctx.decodeEmbedded);
      return [value, zero];
    }
    case 'message': {
      const [start, end] = r.span();
      const out: JsonObject = {};
      decodeInto(new ProtoReader(r.buf, start, end), ctx.schema.get(t.message), out, ctx, depth + 1);
      return [out, false];
    }
  }
  throw new Error('unreachable');
}

function readMapEntry(r: ProtoReader, f: FieldDescriptor, ctx: DecodeContext, depth: number): [string, unknown] {
  const [start, end] = r.span();
  const entry = new ProtoReader(r.buf, start, end);
  let key = '';
  let value: unknown;
  let seen = false;
  while (!entry.done) {
    const [num, wt] = entry.tag();
    if (num === 1 && wt === WireType.Bytes) key = entry.string();
    else if (num === 2 && wt === wireTypeOf(f.value)) {
      value = readValue(entry, f.value, ctx, depth)[0];
      seen = true;
    } else entry.skip(wt);
  }
  if (!seen) value = zeroValue(f.value);
  // A zero Time/RawExtension map value prints as null in Go.
  return [key, value === undefined ? null : value];
}

function zeroValue(t: ValueType): unknown {
  if (t.kind === 'message') return {};
  if (t.kind === 'wellknown') return t.wellKnown === 'quantity' ? '0' : t.wellKnown === 'strings' ? [] : null;
  switch (t.scalar) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

function readRepeated(
  r: ProtoReader,
  f: FieldDescriptor,
  wt: number,
  out: unknown[],
  ctx: DecodeContext,
  depth: number,
) {
  const expected = wireTypeOf(f.value);
  if (wt === WireType.Bytes && expected !== WireType.Bytes) {
    // Packed encoding of a numeric/bool list.
    const [start, end] = r.span();
    const packed = new ProtoReader(r.buf, start, end);
    while (!packed.done) out.push(readValue(packed, f.value, ctx, depth)[0]);
    return;
  }
  expectWire(f, wt, expected);
  out.push(readValue(r, f.value, ctx, depth)[0]);
}

/** Decodes the message between r.pos and r.end into `out` (which may hold earlier values to merge). */
export function decodeInto(
  r: ProtoReader,
  desc: MessageDescriptor,
  out: JsonObject,
  ctx: DecodeContext,
  depth: number,
) {
  if (depth > MAX_DEPTH) throw badRequest('proto: exceeded maximum recursion depth');
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 0) throw badRequest(`proto: ${shortName(desc)}: illegal tag 0 (wire type ${wt})`);
    const f = desc.byNumber.get(num);
    if (!f) {
      r.skip(wt);
      continue;
    }
    if (f.inline) {
      expectWire(f, wt, WireType.Bytes);
      const [start, end] = r.span();
      if (f.value.kind !== 'message') throw new Error(`protobuf schema: inline field of ${desc.name} is not a message`);
      decodeInto(new ProtoReader(r.buf, start, end), ctx.schema.get(f.value.message), out, ctx, depth + 1);
      continue;
    }
    if (f.map) {
      expectWire(f, wt, WireType.Bytes);
      const map = (isObject(out[f.json]) ? out[f.json] : (out[f.json] = {})) as JsonObject;
      const [key, value] = readMapEntry(r, f, ctx, depth);
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    if (f.repeated) {
      const list = (Array.isArray(out[f.json]) ? out[f.json] : (out[f.json] = [])) as unknown[];
      readRepeated(r, f, wt, list, ctx, depth);
      continue;
    }
    expectWire(f, wt, wireTypeOf(f.value));
    if (f.value.kind === 'message' && isObject(out[f.json])) {
      // A singular message seen again merges into the first (proto semantics).
      const [start, end] = r.span();
      decodeInto(
        new ProtoReader(r.buf, start, end),
        ctx.schema.get(f.value.message),
        out[f.json] as JsonObject,
        ctx,
        depth + 1,
      );
      continue;
    }
    const [value, zero] = readValue(r, f.value, ctx, depth);
    if (value === undefined || (zero && f.presence === 'value')) delete out[f.json];
    else out[f.json] = value;
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
