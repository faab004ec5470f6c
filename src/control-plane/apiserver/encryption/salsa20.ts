/**
 * Salsa20/20, HSalsa20 and XSalsa20 (Bernstein, "Salsa20 specification";
 * "Extending the Salsa20 nonce"), written from the specification because
 * node:crypto has no Salsa20. Used only for NaCl secretbox, which upstream's
 * `secretbox` encryption provider stores.
 */
const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]); // "expand 32-byte k"

const rotl = (v: number, n: number) => (v << n) | (v >>> (32 - n));

function readU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** Ten double rounds (column round, then row round) over x, in place. */
function doubleRounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number) => {
    x[b] ^= rotl((x[a]! + x[d]!) | 0, 7);
    x[c] ^= rotl((x[b]! + x[a]!) | 0, 9);
    x[d] ^= rotl((x[c]! + x[b]!) | 0, 13);
    x[a] ^= rotl((x[d]! + x[c]!) | 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** The input matrix: constants on the diagonal, key around them, 16 bytes of input in the middle. */
function initialState(key: Uint8Array, input16: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  s[0] = sigma[0]!;
  s[5] = sigma[1]!;
  s[10] = sigma[2]!;
  s[15] = sigma[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = readU32(key, 4 * i);
    s[11 + i] = readU32(key, 16 + 4 * i);
    s[6 + i] = readU32(input16, 4 * i);
  }
  return s;
}

/** One 64-byte Salsa20 block for a 32-byte key and 16 bytes of nonce||counter. */
export function salsa20Block(key: Uint8Array, input16: Uint8Array, out: Uint8Array = new Uint8Array(64)): Uint8Array {
  const s = initialState(key, input16);
  const x = new Uint32Array(s);
  doubleRounds(x);
  for (let i = 0; i < 16; i++) writeU32(out, 4 * i, (x[i]! + s[i]!) >>> 0);
  return out;
}

/** HSalsa20: derives a 32-byte subkey from a key and a 16-byte nonce (no final addition). */
export function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const x = initialState(key, nonce16);
  doubleRounds(x);
  const out = new Uint8Array(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => writeU32(out, 4 * i, x[w]!));
  return out;
}

/** XORs `input` with the Salsa20 keystream for an 8-byte nonce, starting at block `counter`. */
export function salsa20Xor(key: Uint8Array, nonce8: Uint8Array, input: Uint8Array, counter = 0): Uint8Array {
  if (key.length !== 32) throw new RangeError('salsa20: key must be 32 bytes');
  if (nonce8.length !== 8) throw new RangeError('salsa20: nonce must be 8 bytes');
  const out = new Uint8Array(input.length);
  const ctr = new Uint8Array(16);
  ctr.set(nonce8, 0);
  const block = new Uint8Array(64);
  let n = BigInt(counter);
  for (let off = 0; off < input.length; off += 64) {
    for (let i = 0; i < 8; i++) ctr[8 + i] = Number((n >> BigInt(8 * i)) & 0xffn);
    salsa20Block(key, ctr, block);
    const end = Math.min(64, input.length - off);
    for (let i = 0; i < end; i++) out[off + i] = input[off + i]! ^ block[i]!;
    n++;
  }
  return out;
}

/** XSalsa20: Salsa20 keyed with HSalsa20(key, nonce[0..16]) and nonce[16..24]. */
export function xsalsa20Xor(key: Uint8Array, nonce24: Uint8Array, input: Uint8Array, counter = 0): Uint8Array {
  if (nonce24.length !== 24) throw new RangeError('xsalsa20: nonce must be 24 bytes');
  const subkey = hsalsa20(key, nonce24.subarray(0, 16));
  return salsa20Xor(subkey, nonce24.subarray(16, 24), input, counter);
}
