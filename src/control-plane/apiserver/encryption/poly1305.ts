/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5), written from the RFC with
 * BigInt arithmetic: the accumulator is kept below 2^131 and reduced modulo
 * p = 2^130 - 5 with the usual 2^130 ≡ 5 folding, so each 16-byte block
 * costs one multiplication and a few shifts.
 */
const p = (1n << 130n) - 5n;
const mask130 = (1n << 130n) - 1n;
const clampMask = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

function leToBigInt(b: Uint8Array, start: number, end: number): bigint {
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function reduce(x: bigint): bigint {
  // Fold the bits above 2^130 back in (times 5) until the value fits.
  while (x >> 130n) x = (x & mask130) + (x >> 130n) * 5n;
  return x;
}

/** The 16-byte tag of `msg` under a 32-byte one-time key (r || s). */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new RangeError('poly1305: key must be 32 bytes');
  const r = leToBigInt(key, 0, 16) & clampMask;
  const s = leToBigInt(key, 16, 32);
  let h = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const end = Math.min(off + 16, msg.length);
    const n = leToBigInt(msg, off, end) | (1n << BigInt(8 * (end - off)));
    h = reduce((h + n) * r);
  }
  if (h >= p) h -= p;
  const tag = (h + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  let t = tag;
  for (let i = 0; i < 16; i++) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return out;
}
