/**
 * A tiny, independent protobuf byte builder for tests: expected encodings are
 * written out field by field with these helpers rather than with the
 * ProtoWriter the code under test uses, so a wrong field number or wire type
 * in the message tables shows up as a byte mismatch.
 */
const utf8 = new TextEncoder();

export function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

const key = (no: number, wireType: number): number[] => varint(no * 8 + wireType);

/** Field `no` as a length-delimited payload made of `parts`. */
export function ld(no: number, ...parts: (number[] | Uint8Array)[]): number[] {
  const body = parts.flatMap((p) => [...p]);
  return [...key(no, 2), ...varint(body.length), ...body];
}

/** Field `no` as a UTF-8 string. */
export function str(no: number, s: string): number[] {
  return ld(no, utf8.encode(s));
}

/** Field `no` as a varint (bools and int64s). */
export function vint(no: number, n: number | boolean): number[] {
  return [...key(no, 0), ...varint(typeof n === 'boolean' ? (n ? 1 : 0) : n)];
}

/** Field `no` as a little-endian double. */
export function dbl(no: number, n: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, n, true);
  return [...key(no, 1), ...b];
}

/** gnostic NamedAny {1 name, 2 Any{2 yaml}} as field `no`. */
export function namedAny(no: number, name: string, yaml: string): number[] {
  return ld(no, str(1, name), ld(2, str(2, yaml)));
}

export const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());

/** The top-level fields of a message: length-delimited payloads as bytes, varints as numbers. */
export function readFields(buf: Uint8Array): { no: number; value: Uint8Array | number }[] {
  const out: { no: number; value: Uint8Array | number }[] = [];
  let pos = 0;
  const readVarint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      n += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return n;
    }
  };
  while (pos < buf.length) {
    const k = readVarint();
    const [no, wt] = [Math.floor(k / 8), k % 8];
    if (wt === 0) out.push({ no, value: readVarint() });
    else if (wt === 2) {
      const len = readVarint();
      out.push({ no, value: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wt === 1) {
      out.push({ no, value: new DataView(buf.buffer, buf.byteOffset + pos, 8).getFloat64(0, true) });
      pos += 8;
    } else throw new Error(`unexpected wire type ${wt}`);
  }
  return out;
}

/** The payload of the first field `no` (throws when absent or not length-delimited). */
export function payload(buf: Uint8Array, no: number): Uint8Array {
  const f = readFields(buf).find((x) => x.no === no);
  if (!f || typeof f.value === 'number') throw new Error(`no length-delimited field ${no}`);
  return f.value;
}
