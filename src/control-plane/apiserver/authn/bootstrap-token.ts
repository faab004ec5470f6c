import type { Secret } from 'kubernetes-types/core/v1.js';
import { type Clock, realClock } from '../../../lib/clock.js';
import { secretsEqual } from './constant-time.js';
import type { AuthResult, TokenAuthenticator } from './types.js';

/**
 * Bootstrap tokens (upstream `plugin/pkg/auth/authenticator/token/bootstrap`):
 * `<id>.<secret>` (6 and 16 of [a-z0-9]) checked against the Secret
 * `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`,
 * which must carry the same id and secret (compared in constant time), not be
 * expired or being deleted, and have `usage-bootstrap-authentication: "true"`.
 * The user is `system:bootstrap:<id>` in `system:bootstrappers` plus the
 * validated `auth-extra-groups`. Anything else is "not my token".
 */
export interface BootstrapTokenOptions {
  /** Reads a Secret from the apiserver's cache; undefined when absent. */
  getSecret(namespace: string, name: string): Secret | undefined | Promise<Secret | undefined>;
  clock?: Clock;
}

export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
export const bootstrapTokenSecretPrefix = 'bootstrap-token-';
export const bootstrapUserPrefix = 'system:bootstrap:';
export const bootstrapDefaultGroup = 'system:bootstrappers';

const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const groupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Splits a bootstrap token into id and secret; undefined when it is not one. */
export function parseBootstrapToken(token: string): { id: string; secret: string } | undefined {
  const m = tokenPattern.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

function dataOf(secret: Secret, key: string): string {
  const b64 = secret.data?.[key];
  if (b64 !== undefined) return Buffer.from(b64, 'base64').toString('utf8');
  return secret.stringData?.[key] ?? '';
}

/** Expired when the `expiration` is unparseable or not in the future (upstream `HasExpired`). */
export function bootstrapTokenExpired(secret: Secret, nowMs: number): boolean {
  const exp = dataOf(secret, 'expiration');
  if (!exp) return false;
  if (!rfc3339.test(exp)) return true;
  const t = Date.parse(exp);
  return Number.isNaN(t) || t - nowMs <= 0;
}

/** `system:bootstrappers` plus the extra groups, sorted and deduplicated; undefined if one is invalid. */
export function bootstrapTokenGroups(secret: Secret): string[] | undefined {
  const groups = new Set([bootstrapDefaultGroup]);
  const extra = dataOf(secret, 'auth-extra-groups');
  if (extra) {
    for (const g of extra.split(',')) {
      if (!groupPattern.test(g)) return undefined;
      groups.add(g);
    }
  }
  return [...groups].sort();
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  private readonly clock: Clock;

  constructor(private readonly opts: BootstrapTokenOptions) {
    this.clock = opts.clock ?? realClock;
  }

  async authenticateToken(token: string): Promise<AuthResult | undefined> {
    const parsed = parseBootstrapToken(token);
    if (!parsed) return undefined;
    const secret = await this.opts.getSecret('kube-system', bootstrapTokenSecretPrefix + parsed.id);
    if (!secret) return undefined;
    if (secret.metadata?.deletionTimestamp) return undefined;
    if (secret.type !== bootstrapTokenSecretType || !secret.data) return undefined;
    if (!secretsEqual(dataOf(secret, 'token-secret'), parsed.secret)) return undefined;
    if (dataOf(secret, 'token-id') !== parsed.id) return undefined;
    if (bootstrapTokenExpired(secret, this.clock.now())) return undefined;
    if (dataOf(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
    const groups = bootstrapTokenGroups(secret);
    if (!groups) return undefined;
    return { user: { username: bootstrapUserPrefix + parsed.id, groups } };
  }
}
