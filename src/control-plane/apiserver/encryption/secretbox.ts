import { timingSafeEqual } from 'node:crypto';
import { poly1305 } from './poly1305.js';
import { xsalsa20Xor } from './salsa20.js';

/**
 * NaCl `crypto_secretbox` (XSalsa20-Poly1305), byte-compatible with Go's
 * `golang.org/x/crypto/nacl/secretbox`: the first 32 keystream bytes key
 * Poly1305, the message is encrypted with the keystream from byte 32 on, and
 * the box is `tag(16) || ciphertext`.
 */
export const secretboxKeyLength = 32;
export const secretboxNonceLength = 24;
export const secretboxOverhead = 16;

function keystreamXor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): { polyKey: Uint8Array; out: Uint8Array } {
  const padded = new Uint8Array(32 + data.length);
  padded.set(data, 32);
  const x = xsalsa20Xor(key, nonce, padded);
  return { polyKey: x.subarray(0, 32), out: x.subarray(32) };
}

export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== secretboxKeyLength) throw new RangeError('secretbox: key must be 32 bytes');
  if (nonce.length !== secretboxNonceLength) throw new RangeError('secretbox: nonce must be 24 bytes');
  const { polyKey, out } = keystreamXor(key, nonce, message);
  const box = new Uint8Array(secretboxOverhead + out.length);
  box.set(poly1305(polyKey, out), 0);
  box.set(out, secretboxOverhead);
  return box;
}

/** The message, or undefined when the box was tampered with or the key is wrong. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  if (key.length !== secretboxKeyLength || nonce.length !== secretboxNonceLength) return undefined;
  if (box.length < secretboxOverhead) return undefined;
  const tag = box.subarray(0, secretboxOverhead);
  const ciphertext = box.subarray(secretboxOverhead);
  // Authenticate before decrypting: derive the one-time key from the first keystream block.
  const polyKey = xsalsa20Xor(key, nonce, new Uint8Array(32));
  if (!timingSafeEqual(poly1305(polyKey, ciphertext), tag)) return undefined;
  return keystreamXor(key, nonce, ciphertext).out;
}
