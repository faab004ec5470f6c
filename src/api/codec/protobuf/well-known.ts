import { badRequest } from '../../errors/status-error.js';
import { decodeJSON } from '../json.js';
import type { WellKnownKind } from './schema.js';
import { ProtoReader, ProtoWriter, WireType } from './wire.js';

/**
 * Messages whose JSON form is not an object, converted the way their Go types'
 * MarshalJSON/UnmarshalJSON do:
 * - time       metav1.Time {1 seconds, 2 nanos} ↔ RFC3339 `2026-01-01T00:00:00Z`.
 *              Like upstream, nanos are dropped: JSON only carries seconds.
 * - microtime  metav1.MicroTime ↔ RFC3339 with exactly 6 fractional digits.
 * - intstr     intstr.IntOrString {1 type, 2 intVal, 3 strVal} ↔ number | string.
 * - quantity   resource.Quantity {1 string} ↔ string (canonicalising is the API
 *              layer's job, as it is for JSON bodies).
 * - raw        runtime.RawExtension {1 raw} ↔ the embedded JSON value (raw bytes
 *              that carry the protobuf magic are decoded as a nested envelope).
 * - fieldsv1   metav1.FieldsV1 {1 Raw} ↔ the embedded JSON object.
 * - strings    authn ExtraValue {1 repeated items} ↔ string[].
 */
export interface WellKnownDecoded {
  /** undefined = the field is absent/null in JSON. */
  value: unknown;
  /** Whether the Go value is its zero value (omitempty on a value field drops it). */
  zero: boolean;
}

/** Decodes a nested protobuf envelope found inside a RawExtension. */
export type EmbeddedDecoder = (bytes: Uint8Array) => unknown;

const MIN_SECONDS = -62167219200; // 0000-01-01T00:00:00Z, the first second Go's JSON accepts
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const magic = [0x6b, 0x38, 0x73, 0x00];

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Formats Unix seconds (+ nanos, for MicroTime) as Go's RFC3339 / RFC3339Micro in UTC. */
export function formatTime(seconds: number, nanos: number | undefined): string {
  const carry = nanos === undefined ? 0 : Math.floor(nanos / 1e9);
  const sec = seconds + carry;
  if (!Number.isFinite(sec) || sec < MIN_SECONDS || sec > MAX_SECONDS) {
    throw badRequest(`Time.MarshalJSON: year outside of range [0,9999]`);
  }
  const d = new Date(sec * 1000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  if (nanos === undefined) return `${date}T${time}Z`;
  const micros = Math.floor((nanos - carry * 1e9) / 1000);
  return `${date}T${time}.${pad(micros, 6)}Z`;
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC3339 timestamp to [seconds, nanos], as Go's time.Parse would accept it. */
export function parseTime(s: string, path: string): [number, number] {
  const m = rfc3339.exec(s);
  const bad = () =>
    badRequest(`${path}: parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
  if (!m) throw bad();
  const [, y, mo, d, h, mi, se, frac, , sign, oh, om] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, se].map(Number);
  if (hour > 23 || minute > 59 || second > 59) throw bad();
  // setUTCFullYear (unlike Date.UTC) leaves years 0-99 alone.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw bad();
  let seconds = date.getTime() / 1000;
  if (sign) seconds -= (sign === '+' ? 1 : -1) * (Number(oh) * 3600 + Number(om) * 60);
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  return [seconds, nanos];
}

function readTimestamp(bytes: Uint8Array): [number, number] {
  const r = new ProtoReader(bytes);
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const [num, wt] = r.tag();
    if (num === 1 && wt === WireType.Varint) seconds = r.int64();
    else if (num === 2 && wt === WireType.Varint) nanos = r.int32();
    else r.skip(wt);
  }
  return [seconds, nanos];
}

function readFields(bytes: Uint8Array): Map<number, unknown[]> {
  const r = new ProtoReader(bytes);
  const out = new Map<number, unknown[]>();
  while (!r.done) {
    const [num, wt] = r.tag();
    let v: unknown;
    if (wt === WireType.Varint) v = r.int64();
    else if (wt === WireType.Bytes) v = r.bytes();
    else {
      r.skip(wt);
      continue;
    }
    const list = out.get(num) ?? [];
    list.push(v);
    out.set(num, list);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const text = (v: unknown): string => (v instanceof Uint8Array ? utf8.decode(v) : '');
const last = (m: Map<number, unknown[]>, n: number): unknown => m.get(n)?.at(-1);

function embeddedJSON(bytes: Uint8Array, decodeEmbedded: EmbeddedDecoder): unknown {
  if (bytes.length >= 4 && magic.every((b, i) => bytes[i] === b)) return decodeEmbedded(bytes);
  return decodeJSON(bytes, '');
}

export function decodeWellKnown(
  kind: WellKnownKind,
  bytes: Uint8Array,
  decodeEmbedded: EmbeddedDecoder,
): WellKnownDecoded {
  switch (kind) {
    case 'time':
    case 'microtime': {
      // An empty message is Go's zero Time, which JSON prints as null.
      if (bytes.length === 0) return { value: undefined, zero: true };
      const [seconds, nanos] = readTimestamp(bytes);
      return { value: formatTime(seconds, kind === 'microtime' ? nanos : undefined), zero: false };
    }
    case 'intstr': {
      const f = readFields(bytes);
      if (last(f, 1) === 1) {
        const s = text(last(f, 3));
        return { value: s, zero: false };
      }
      const n = Number(last(f, 2) ?? 0) | 0;
      return { value: n, zero: n === 0 };
    }
    case 'quantity': {
      const s = text(last(readFields(bytes), 1)) || '0';
      return { value: s, zero: s === '0' };
    }
    case 'raw':
    case 'fieldsv1': {
      const raw = last(readFields(bytes), 1);
      if (!(raw instanceof Uint8Array) || raw.length === 0) return { value: undefined, zero: true };
      return { value: embeddedJSON(raw, decodeEmbedded), zero: false };
    }
    case 'strings': {
      const items = (readFields(bytes).get(1) ?? []).map(text);
      return { value: items, zero: items.length === 0 };
    }
  }
}

/** Encodes the JSON form of a well-known type as its message bytes; undefined = omit. */
export function encodeWellKnown(kind: WellKnownKind, value: unknown, path: string): Uint8Array | undefined {
  const w = new ProtoWriter();
  switch (kind) {
    case 'time':
    case 'microtime': {
      if (typeof value !== 'string') throw badRequest(`${path}: expected an RFC3339 time string`);
      if (value === '') return undefined;
      const [seconds, nanos] = parseTime(value, path);
      if (kind === 'time') return w.tag(1, WireType.Varint).int64(Math.floor(seconds)).finish();
      w.tag(1, WireType.Varint).int64(seconds);
      return w.tag(2, WireType.Varint).int64(nanos).finish();
    }
    case 'intstr': {
      if (typeof value === 'string') {
        return w
          .tag(1, WireType.Varint)
          .int64(1)
          .tag(2, WireType.Varint)
          .int64(0)
          .tag(3, WireType.Bytes)
          .string(value)
          .finish();
      }
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
        throw badRequest(`${path}: expected an int32 or a string`);
      }
      return w
        .tag(1, WireType.Varint)
        .int64(0)
        .tag(2, WireType.Varint)
        .int64(value)
        .tag(3, WireType.Bytes)
        .string('')
        .finish();
    }
    case 'quantity': {
      if (typeof value !== 'string' && typeof value !== 'number') throw badRequest(`${path}: expected a quantity`);
      return w.tag(1, WireType.Bytes).string(String(value)).finish();
    }
    case 'raw':
    case 'fieldsv1':
      return w.tag(1, WireType.Bytes).string(JSON.stringify(value)).finish();
    case 'strings': {
      if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) {
        throw badRequest(`${path}: expected an array of strings`);
      }
      for (const s of value as string[]) w.tag(1, WireType.Bytes).string(s);
      return w.finish();
    }
  }
}
