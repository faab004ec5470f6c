import { createHash } from 'node:crypto';

/**
 * The token `kubets agent --token` takes: a bootstrap token `<id>.<secret>`
 * (`kubets token create` prints one; kubeadm's format: 6 + 16 characters of
 * [a-z0-9]), optionally prefixed k3s-style with the SHA-256 of the cluster's
 * server CA (`K10<hex>::<id>.<secret>`) to pin the CA instead of trusting
 * whatever CA the token's signature vouches for.
 */
export interface JoinToken {
  id: string;
  secret: string;
  /** Hex SHA-256 of the server CA PEM the cluster must present. */
  caHash?: string;
}

const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/** Throws a one-line explanation for a malformed token. */
export function parseJoinToken(raw: string): JoinToken {
  const t = raw.trim();
  const pinned = /^K10([0-9a-f]{64})::(.*)$/.exec(t);
  const body = pinned ? pinned[2]! : t;
  const m = tokenPattern.exec(body);
  if (!m)
    throw new Error(
      'malformed join token: expected <id>.<secret> (6 and 16 characters of a-z0-9, as `kubets token create` prints), optionally prefixed with K10<ca-sha256>::',
    );
  return { id: m[1]!, secret: m[2]!, ...(pinned ? { caHash: pinned[1]! } : {}) };
}

/** Hex SHA-256 of a CA PEM exactly as published (k3s's CA hash). */
export function caPEMHash(caPEM: string): string {
  return createHash('sha256').update(caPEM).digest('hex');
}
