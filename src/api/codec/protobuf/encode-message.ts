import { badRequest } from '../../errors/status-error.js';
import type { FieldDescriptor, MessageDescriptor, SchemaRegistry, ValueType } from './schema.js';
import { encodeWellKnown } from './well-known.js';
import { ProtoWriter, WireType } from './wire.js';

/**
 * JSON object → protobuf message bytes: the inverse of decode-message.ts. Fields
 * are written in field-number order and map entries sorted by key, as Go's
 * generated marshalers do; JSON fields unknown to the schema are ignored (Go's
 * JSON decoding would have dropped them); null/absent fields are not written.
 * Type mismatches throw BadRequest naming the JSON path.
 */
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const typeError = (path: string, want: string, got: unknown) =>
  badRequest(`${path}: expected ${want}, got ${Array.isArray(got) ? 'array' : got === null ? 'null' : typeof got}`);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function writeInteger(w: ProtoWriter, v: unknown, path: string, bits: 32 | 64): void {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(path, `an int${bits}`, v);
  if (bits === 32 && (v < -2147483648 || v > 2147483647)) throw badRequest(`${path}: ${v} overflows int32`);
  w.int64(v);
}

/** Writes one value (tag included) of type t. */
function writeValue(w: ProtoWriter, num: number, t: ValueType, v: unknown, path: string, schema: SchemaRegistry) {
  switch (t.kind) {
    case 'message': {
      if (!isObject(v)) throw typeError(path, 'an object', v);
      w.tag(num, WireType.Bytes).bytes(encodeMessage(schema.get(t.message), v, path, schema));
      return;
    }
    case 'wellknown': {
      const bytes = encodeWellKnown(t.wellKnown, v, path);
      if (bytes) w.tag(num, WireType.Bytes).bytes(bytes);
      return;
    }
    case 'scalar':
      switch (t.scalar) {
        case 'string':
          if (typeof v !== 'string') throw typeError(path, 'a string', v);
          w.tag(num, WireType.Bytes).string(v);
          return;
        case 'bytes':
          if (typeof v !== 'string' || !base64.test(v)) throw typeError(path, 'base64 data', v);
          w.tag(num, WireType.Bytes).bytes(Buffer.from(v, 'base64'));
          return;
        case 'bool':
          if (typeof v !== 'boolean') throw typeError(path, 'a boolean', v);
          w.tag(num, WireType.Varint).bool(v);
          return;
        case 'int32':
        case 'int64':
          w.tag(num, WireType.Varint);
          writeInteger(w, v, path, t.scalar === 'int32' ? 32 : 64);
          return;
        case 'double':
          if (typeof v !== 'number') throw typeError(path, 'a number', v);
          w.tag(num, WireType.Fixed64).double(v);
          return;
      }
  }
}

/** The zero value Go would hold for a null list element. */
function zeroJSON(t: ValueType): unknown {
  if (t.kind === 'message') return {};
  if (t.kind === 'wellknown')
    return t.wellKnown === 'intstr' ? 0 : t.wellKnown === 'strings' ? [] : t.wellKnown === 'quantity' ? '0' : undefined;
  return t.scalar === 'bool' ? false : t.scalar === 'string' || t.scalar === 'bytes' ? '' : 0;
}

function writeField(w: ProtoWriter, f: FieldDescriptor, v: unknown, path: string, schema: SchemaRegistry) {
  if (f.map) {
    if (!isObject(v)) throw typeError(path, 'an object', v);
    for (const key of Object.keys(v).sort()) {
      const entry = new ProtoWriter().tag(1, WireType.Bytes).string(key);
      const value = v[key] ?? zeroJSON(f.value);
      if (value !== undefined) writeValue(entry, 2, f.value, value, `${path}[${JSON.stringify(key)}]`, schema);
      w.tag(f.number, WireType.Bytes).bytes(entry.finish());
    }
    return;
  }
  if (f.repeated) {
    if (!Array.isArray(v)) throw typeError(path, 'an array', v);
    v.forEach((item, i) => {
      const value = item ?? zeroJSON(f.value);
      if (value !== undefined) writeValue(w, f.number, f.value, value, `${path}[${i}]`, schema);
    });
    return;
  }
  writeValue(w, f.number, f.value, v, path, schema);
}

export function encodeMessage(
  desc: MessageDescriptor,
  obj: Record<string, unknown>,
  path: string,
  schema: SchemaRegistry,
): Uint8Array {
  const w = new ProtoWriter();
  for (const f of desc.fields) {
    if (f.inline) {
      if (f.value.kind !== 'message') throw new Error(`protobuf schema: inline field of ${desc.name} is not a message`);
      // Go always writes an embedded struct, even when all its fields are empty.
      w.tag(f.number, WireType.Bytes).bytes(encodeMessage(schema.get(f.value.message), obj, path, schema));
      continue;
    }
    if (!Object.hasOwn(obj, f.json)) continue;
    const v = obj[f.json];
    if (v === undefined || v === null) continue;
    writeField(w, f, v, path ? `${path}.${f.json}` : f.json, schema);
  }
  return w.finish();
}
