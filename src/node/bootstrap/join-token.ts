import { createHash } from 'node:crypto';

/**
 * The token `kubets agent --token` takes:
 * - a bootstrap token `<id>.<secret>` (`kubets token create` prints one;
 *   kubeadm's format: 6 + 16 characters of [a-z0-9]), optionally prefixed
 *   k3s-style with the SHA-256 of the cluster's server CA
 *   (`K10<hex>::<id>.<secret>`) to pin the CA instead of trusting whatever CA
 *   the token's signature vouches for;
 * - the server token `K10<hex>::server:<password>` (`<data-dir>/server/token`,
 *   what k3s users pass to `k3s agent`). Agents do not authenticate with the
 *   password itself: server and agent both derive the same bootstrap token
 *   from it (deriveBootstrapToken), which every server keeps as a
 *   `bootstrap-token-<id>` Secret; the CA hash is pinned as above.
 */
export interface JoinToken {
  id: string;
  secret: string;
  /** Hex SHA-256 of the server CA PEM the cluster must present. */
  caHash?: string;
  /** True when the bootstrap token was derived from a server token. */
  fromServerToken?: boolean;
}

const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const serverTokenBody = /^server:(.+)$/;
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Keeps the derived token apart from any other use of a hash of the same password. */
const derivationContext = 'kubets bootstrap token from server token\n';

/**
 * The bootstrap token both sides derive from a server token's password:
 * SHA-256 over a fixed context and the password, read as 22 characters of
 * [a-z0-9] (id = the first 6, secret = the next 16). Deterministic, so every
 * server of a cluster and every agent given the token agree without talking;
 * the 16-character secret keeps ~82 bits of the hash, as a random bootstrap
 * token has.
 */
export function deriveBootstrapToken(password: string): { id: string; secret: string } {
  if (password === '') throw new Error('the server token has an empty password');
  const digest = createHash('sha256').update(derivationContext).update(password).digest();
  // Base-36 digits of the digest as one big number: no character is favoured the way `byte % 36` favours some.
  let n = BigInt(`0x${digest.toString('hex')}`);
  let chars = '';
  for (let i = 0; i < 22; i++) {
    chars += alphabet[Number(n % 36n)];
    n /= 36n;
  }
  return { id: chars.slice(0, 6), secret: chars.slice(6) };
}

/** Throws a one-line explanation for a malformed token. */
export function parseJoinToken(raw: string): JoinToken {
  const t = raw.trim();
  const pinned = /^K10([0-9a-f]{64})::(.*)$/.exec(t);
  const body = pinned ? pinned[2]! : t;
  const caHash = pinned ? { caHash: pinned[1]! } : {};
  const server = pinned ? serverTokenBody.exec(body) : null;
  if (server) return { ...deriveBootstrapToken(server[1]!), ...caHash, fromServerToken: true };
  const m = tokenPattern.exec(body);
  if (!m)
    throw new Error(
      'malformed join token: expected <id>.<secret> (6 and 16 characters of a-z0-9, as `kubets token create` prints), optionally prefixed with K10<ca-sha256>::, or the server token K10<ca-sha256>::server:<password>',
    );
  return { id: m[1]!, secret: m[2]!, ...caHash };
}

/** Hex SHA-256 of a CA PEM exactly as published (k3s's CA hash). */
export function caPEMHash(caPEM: string): string {
  return createHash('sha256').update(caPEM).digest('hex');
}
