import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in time independent of where they differ. Both sides are
 * hashed first, so inputs of different lengths compare in constant time too
 * (timingSafeEqual itself requires equal lengths).
 */
export function secretsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** SHA-256 of a secret, for storing and comparing it without keeping the secret itself around. */
export function secretDigest(s: string | Uint8Array): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time equality of two digests from `secretDigest`. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
