import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Compact JWS for ServiceAccount tokens on node:crypto. The signing algorithm
 * follows from the key (ES256/ES384/ES512 for EC P-256/384/521, RS256 for RSA,
 * as upstream `serviceaccount/jwt.go`); the header is `{"alg","kid"}` with the
 * key id = base64url(SHA-256(public key DER)). Verification accepts only the
 * algorithm that belongs to the key: `none`, HMAC and any algorithm switch are
 * refused by construction.
 */
export type JwsAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

export interface JwsHeader {
  alg: string;
  kid?: string;
  [k: string]: unknown;
}

export interface ParsedJws {
  header: JwsHeader;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const b64url = /^[A-Za-z0-9_-]*$/;

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Strict unpadded base64url decoding; undefined for anything else. */
export function decodeBase64url(s: string): Buffer | undefined {
  if (!b64url.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

export function algorithmForKey(key: KeyObject): JwsAlgorithm | undefined {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType !== 'ec') return undefined;
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return 'ES256';
    case 'secp384r1':
      return 'ES384';
    case 'secp521r1':
      return 'ES512';
    default:
      return undefined;
  }
}

const hashOf: Record<JwsAlgorithm, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };
const ecSignatureLength: Partial<Record<JwsAlgorithm, number>> = { ES256: 64, ES384: 96, ES512: 132 };

function publicOf(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/** Upstream `keyIDFromPublicKey`: base64url (unpadded) SHA-256 of the PKIX public key DER. */
export function keyIdOf(key: KeyObject): string {
  const der = publicOf(key).export({ type: 'spki', format: 'der' });
  return base64url(createHash('sha256').update(der).digest());
}

/** Signs `payload` (serialized as given) with the key's algorithm; header `{"alg","kid"}`. */
export function signCompact(
  payload: Record<string, unknown>,
  privateKey: KeyObject,
  kid = keyIdOf(privateKey),
): string {
  const alg = algorithmForKey(privateKey);
  if (!alg) throw new Error('unsupported signing key type');
  const signingInput = `${base64url(JSON.stringify({ alg, kid }))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign(hashOf[alg], Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Splits and decodes a compact JWS without verifying it; undefined when malformed. */
export function parseCompact(token: string): ParsedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  const hb = decodeBase64url(h);
  const pb = decodeBase64url(p);
  const sb = decodeBase64url(s);
  if (!hb || !pb || !sb) return undefined;
  const header = jsonObject(hb);
  const payload = jsonObject(pb);
  if (!header || !payload || typeof header.alg !== 'string') return undefined;
  if (header.kid !== undefined && typeof header.kid !== 'string') return undefined;
  return { header: header as JwsHeader, payload, signingInput: `${h}.${p}`, signature: sb };
}

/** Whether `jws` was signed by `publicKey` with exactly the key's algorithm; critical headers are refused. */
export function verifyCompact(jws: ParsedJws, publicKey: KeyObject): boolean {
  const alg = algorithmForKey(publicKey);
  if (!alg || jws.header.alg !== alg) return false;
  if (jws.header.crit !== undefined) return false;
  const ecLen = ecSignatureLength[alg];
  if (ecLen !== undefined && jws.signature.length !== ecLen) return false;
  try {
    return verify(
      hashOf[alg],
      Buffer.from(jws.signingInput),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      jws.signature,
    );
  } catch {
    return false;
  }
}

/** A public JWK as upstream renders it in `/openid/v1/jwks` (go-jose field order). */
export interface PublicJwk {
  use: 'sig';
  kty: string;
  kid: string;
  crv?: string;
  alg: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export function publicJwk(key: KeyObject): PublicJwk {
  const pub = publicOf(key);
  const alg = algorithmForKey(pub);
  if (!alg) throw new Error('unsupported key type');
  const raw = pub.export({ format: 'jwk' });
  const kid = keyIdOf(pub);
  if (raw.kty === 'EC') return { use: 'sig', kty: 'EC', kid, crv: raw.crv, alg, x: raw.x, y: raw.y };
  return { use: 'sig', kty: 'RSA', kid, alg, n: raw.n, e: raw.e };
}
