import { sign, verify, type KeyObject } from 'node:crypto';
import * as der from './der.js';

/**
 * X.509/PKCS#10 signature algorithms: which AlgorithmIdentifier a key signs
 * with, and verification of a signature given the identifier's OID. The set is
 * what Go's crypto/x509 accepts for certificate requests (ECDSA and RSA
 * PKCS#1 v1.5 with SHA-2, Ed25519), less the legacy SHA-1 forms.
 */
const algorithms: Record<string, { hash: string | null; kind: 'ec' | 'rsa' | 'ed25519'; nullParams: boolean }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', kind: 'ec', nullParams: false },
  '1.2.840.10045.4.3.3': { hash: 'sha384', kind: 'ec', nullParams: false },
  '1.2.840.10045.4.3.4': { hash: 'sha512', kind: 'ec', nullParams: false },
  '1.2.840.113549.1.1.11': { hash: 'sha256', kind: 'rsa', nullParams: true },
  '1.2.840.113549.1.1.12': { hash: 'sha384', kind: 'rsa', nullParams: true },
  '1.2.840.113549.1.1.13': { hash: 'sha512', kind: 'rsa', nullParams: true },
  '1.3.101.112': { hash: null, kind: 'ed25519', nullParams: false },
};

const defaultOidFor: Record<string, string> = {
  ec: '1.2.840.10045.4.3.2',
  rsa: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
};

export interface Signer {
  /** The AlgorithmIdentifier SEQUENCE placed in the TBS and outer structure. */
  algorithm: der.Der;
  sign(data: Buffer): Buffer;
}

/** How `key` (EC, RSA or Ed25519 private key) signs: SHA-256 for EC and RSA, as Go's x509 defaults. */
export function signerFor(key: KeyObject): Signer {
  const type = key.asymmetricKeyType ?? '';
  const id = defaultOidFor[type];
  if (!id) throw new Error(`unsupported signing key type ${JSON.stringify(type)}`);
  const alg = algorithms[id]!;
  return {
    algorithm: alg.nullParams ? der.sequence(der.oid(id), der.nullValue()) : der.sequence(der.oid(id)),
    sign: (data) => sign(alg.hash, data, alg.kind === 'ec' ? { key, dsaEncoding: 'der' } : key),
  };
}

/**
 * Verifies `signature` over `data` with the algorithm named by `algorithmOid`.
 * Throws for an unknown algorithm or one that does not fit the key type.
 */
export function verifySignature(algorithmOid: string, publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  const alg = algorithms[algorithmOid];
  if (!alg) throw new Error(`x509: cannot verify signature: algorithm unimplemented (${algorithmOid})`);
  const type = publicKey.asymmetricKeyType;
  if (type !== alg.kind && !(alg.kind === 'rsa' && type === 'rsa-pss'))
    throw new Error(
      'x509: signature algorithm specifies an ' +
        alg.kind.toUpperCase() +
        ' public key, but have public key of type ' +
        String(type),
    );
  return verify(alg.hash, data, alg.kind === 'ec' ? { key: publicKey, dsaEncoding: 'der' } : publicKey, signature);
}
