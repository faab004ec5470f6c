import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { secretboxNonceLength, secretboxOpen, secretboxSeal } from './secretbox.js';

/**
 * The value transformers of the encryption providers (upstream
 * `apiserver/pkg/storage/value/encrypt/{aes,secretbox,identity}`), one per
 * key, with upstream's on-disk layout after the `k8s:enc:<provider>:v1:<key>:`
 * prefix:
 *
 *  - aescbc:    IV(16) || AES-CBC(PKCS#7 padded) — not authenticated.
 *  - aesgcm:    nonce(12) || AES-GCM ciphertext || tag(16), with the storage
 *               key as additional authenticated data (a value copied to
 *               another key does not decrypt).
 *  - secretbox: nonce(24) || XSalsa20-Poly1305 box (tag || ciphertext).
 *  - identity:  the plaintext; refuses to "read" encrypted data.
 *
 * Errors carry upstream's texts.
 */
export interface KeyTransformer {
  /** `k8s:enc:aescbc:v1:key1:`, or '' for identity. */
  readonly prefix: string;
  toStorage(plaintext: Uint8Array, storageKey: string): Uint8Array;
  /** `data` is without the prefix. */
  fromStorage(data: Uint8Array, storageKey: string): Uint8Array;
}

export type ProviderName = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

const encryptedPrefix = 'k8s:enc:';

export function keyPrefix(provider: Exclude<ProviderName, 'identity'>, keyName: string): string {
  return `${encryptedPrefix}${provider}:v1:${keyName}:`;
}

export function aescbcTransformer(keyName: string, key: Uint8Array): KeyTransformer {
  const algorithm = `aes-${key.length * 8}-cbc`;
  return {
    prefix: keyPrefix('aescbc', keyName),
    toStorage(plaintext) {
      const iv = randomBytes(16);
      const cipher = createCipheriv(algorithm, key, iv);
      return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
    },
    fromStorage(data) {
      if (data.length < 16) throw new Error('the stored data was shorter than the required size');
      const body = data.subarray(16);
      if (body.length % 16 !== 0 || body.length === 0)
        throw new Error('the stored data is not a multiple of the block size');
      const decipher = createDecipheriv(algorithm, key, data.subarray(0, 16));
      decipher.setAutoPadding(false);
      const out = Buffer.concat([decipher.update(body), decipher.final()]);
      const pad = out[out.length - 1]!;
      if (pad === 0 || pad > out.length || pad > 16) throw new Error('invalid padding on input');
      for (let i = out.length - pad; i < out.length; i++)
        if (out[i] !== pad) throw new Error('invalid padding on input');
      return out.subarray(0, out.length - pad);
    },
  };
}

export function aesgcmTransformer(keyName: string, key: Uint8Array): KeyTransformer {
  const algorithm = `aes-${key.length * 8}-gcm` as CipherGCMTypes;
  return {
    prefix: keyPrefix('aesgcm', keyName),
    toStorage(plaintext, storageKey) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv(algorithm, key, nonce);
      cipher.setAAD(Buffer.from(storageKey));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([nonce, body, cipher.getAuthTag()]);
    },
    fromStorage(data, storageKey) {
      if (data.length < 12 + 16) throw new Error('the stored data was shorter than the required size');
      const decipher = createDecipheriv(algorithm, key, data.subarray(0, 12));
      decipher.setAAD(Buffer.from(storageKey));
      decipher.setAuthTag(data.subarray(data.length - 16));
      try {
        return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

export function secretboxTransformer(keyName: string, key: Uint8Array): KeyTransformer {
  return {
    prefix: keyPrefix('secretbox', keyName),
    toStorage(plaintext) {
      const nonce = randomBytes(secretboxNonceLength);
      return Buffer.concat([nonce, secretboxSeal(plaintext, nonce, key)]);
    },
    fromStorage(data) {
      if (data.length < secretboxNonceLength + 16)
        throw new Error('the stored data was shorter than the required size');
      const out = secretboxOpen(data.subarray(secretboxNonceLength), data.subarray(0, secretboxNonceLength), key);
      // Upstream's (odd) wording for a failed open.
      if (!out) throw new Error('output array was not large enough for encryption');
      return out;
    },
  };
}

const encryptedMarker = Buffer.from(encryptedPrefix);

export const identityTransformer: KeyTransformer = {
  prefix: '',
  toStorage: (plaintext) => plaintext,
  fromStorage(data) {
    if (
      Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, encryptedMarker.length)).equals(encryptedMarker)
    ) {
      throw new Error('identity transformer tried to read encrypted data');
    }
    return data;
  },
};
