import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Detached JWS signatures (RFC 7515 appendix F) over the `cluster-info`
 * kubeconfig, keyed by a bootstrap token, as upstream's
 * `cluster-bootstrap/token/jws` computes them: HS256, protected header
 * `{"alg":"HS256","kid":"<token-id>"}`, the token secret (zero-padded to 32
 * bytes) as key, and the payload part left out of the compact form
 * (`<header>..<signature>`). A joining node that knows the token recomputes
 * the signature to authenticate the CA it was handed over an unverified
 * connection.
 */
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function computeDetachedSignature(content: string, tokenID: string, tokenSecret: string): string {
  const secret = Buffer.from(tokenSecret, 'utf8');
  const key = secret.length < 32 ? Buffer.concat([secret, Buffer.alloc(32 - secret.length)]) : secret;
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenID }));
  const signingInput = `${header}.${b64url(content)}`;
  const mac = createHmac('sha256', key).update(signingInput).digest();
  return `${header}..${b64url(mac)}`;
}

/** Whether `detached` is the signature of `content` for this token (constant-time comparison). */
export function detachedTokenIsValid(detached: string, content: string, tokenID: string, tokenSecret: string): boolean {
  const want = Buffer.from(computeDetachedSignature(content, tokenID, tokenSecret));
  const got = Buffer.from(detached);
  return got.length === want.length && timingSafeEqual(got, want);
}
