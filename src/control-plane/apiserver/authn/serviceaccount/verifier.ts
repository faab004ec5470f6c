import type { KeyObject } from 'node:crypto';
import { type Clock, realClock } from '../../../../lib/clock.js';
import type { UserInfo } from '../../types.js';
import { rejected } from '../rejected.js';
import {
  credentialIDKey,
  nodeNameKey,
  nodeUIDKey,
  podNameKey,
  podUIDKey,
  type AuthResult,
  type TokenAuthenticator,
} from '../types.js';
import { keyIdOf, parseCompact, verifyCompact, decodeBase64url } from './jws.js';
import type { ServiceAccountLookups } from './lookups.js';
import { makeGroupNames, makeUsername } from './username.js';

/**
 * Authenticates bound ServiceAccount tokens (upstream `pkg/serviceaccount/jwt.go`
 * and the `claims.go` validator, v1.32). A token whose unverified `iss` is not
 * ours is "not mine". Ours must: verify with one of our public keys under
 * exactly the key's algorithm; be within `nbf`/`exp` (and not issued in the
 * future) with a minute of leeway; share an audience with the requested ones
 * (default: the API server's); and still match live objects — the
 * ServiceAccount by UID, and a bound Pod/Secret/Node by UID, none deleted more
 * than the leeway ago. The user is `system:serviceaccount:<ns>:<name>` with
 * the ServiceAccount groups and the pod/node/credential-id extras.
 */
export interface ServiceAccountTokenAuthenticatorOptions {
  /** Accepted `iss` values; the first is the one tokens are issued with. */
  issuers: readonly string[];
  /** Verification keys (public, or private from which the public half is taken). */
  keys: readonly KeyObject[];
  /** The API server's audiences; tokens without `aud` are taken to carry these. */
  apiAudiences: readonly string[];
  lookups: ServiceAccountLookups;
  clock?: Clock;
  /** Clock skew tolerated on time claims and recent deletions (default 60 s, go-jose's DefaultLeeway). */
  leewaySeconds?: number;
}

interface Ref {
  name: string;
  uid: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const optionalNumber = (v: unknown): v is number | undefined =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v));

function refOf(v: unknown): Ref | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) return null;
  const name = v.name ?? '';
  const uid = v.uid ?? '';
  if (typeof name !== 'string' || typeof uid !== 'string') return null;
  return { name, uid };
}

function audiencesOf(v: unknown): string[] | null {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return v as string[];
  return null;
}

export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  private readonly issuers: ReadonlySet<string>;
  private readonly keys: { kid: string; key: KeyObject }[];
  private readonly clock: Clock;
  private readonly leeway: number;

  constructor(private readonly opts: ServiceAccountTokenAuthenticatorOptions) {
    this.issuers = new Set(opts.issuers);
    this.keys = opts.keys.map((key) => ({ kid: keyIdOf(key), key }));
    this.clock = opts.clock ?? realClock;
    this.leeway = opts.leewaySeconds ?? 60;
  }

  /** Whether the token looks like a JWT from one of our issuers (unverified: only picks the authenticator). */
  private isOurs(token: string): boolean {
    if (token.trim().startsWith('{')) return false;
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const payload = decodeBase64url(parts[1]!);
    if (!payload) return false;
    try {
      const claims: unknown = JSON.parse(payload.toString('utf8'));
      return isObject(claims) && typeof claims.iss === 'string' && this.issuers.has(claims.iss);
    } catch {
      return false;
    }
  }

  /**
   * `audiences` are the ones the caller targets (TokenReview `spec.audiences`);
   * by default the API server's. The result carries the intersection.
   */
  async authenticateToken(token: string, audiences?: readonly string[]): Promise<AuthResult | undefined> {
    if (!this.isOurs(token)) return undefined;
    const jws = parseCompact(token);
    if (!jws) return undefined;
    const kid = jws.header.kid;
    const candidates = [...this.keys].sort((a, b) => Number(b.kid === kid) - Number(a.kid === kid));
    if (!candidates.some((k) => verifyCompact(jws, k.key)))
      throw rejected('square/go-jose: error in cryptographic primitive');
    const c = jws.payload;
    if (typeof c.iss !== 'string' || !this.issuers.has(c.iss))
      throw rejected(`token issuer ${JSON.stringify(c.iss)} is invalid`);
    const tokenAuds = audiencesOf(c.aud);
    if (!tokenAuds || !optionalNumber(c.exp) || !optionalNumber(c.nbf) || !optionalNumber(c.iat)) {
      throw rejected('service account token claims could not be validated');
    }
    if (c.sub !== undefined && typeof c.sub !== 'string')
      throw rejected('service account token claims could not be validated');
    if (c.jti !== undefined && typeof c.jti !== 'string')
      throw rejected('service account token claims could not be validated');

    const implicit = this.opts.apiAudiences;
    const effective = tokenAuds.length ? tokenAuds : [...implicit];
    const requested = audiences?.length ? audiences : implicit;
    const granted = effective.filter((a, i) => requested.includes(a) && effective.indexOf(a) === i);
    if (granted.length === 0 && implicit.length !== 0) {
      throw rejected(
        `token audiences ${JSON.stringify(effective)} is invalid for the target audiences ${JSON.stringify(requested)}`,
      );
    }

    const nowMs = this.clock.now();
    const now = nowMs / 1000;
    if (c.nbf !== undefined && now + this.leeway < c.nbf) throw rejected('service account token is not valid yet');
    if (c.exp !== undefined && now - this.leeway > c.exp) throw rejected('service account token has expired');
    if (c.iat !== undefined && now + this.leeway < c.iat)
      throw rejected('service account token is issued in the future');

    const k8s = c['kubernetes.io'];
    if (!isObject(k8s)) throw rejected('service account token has no kubernetes.io claims');
    const namespace = k8s.namespace ?? '';
    const sa = refOf(k8s.serviceaccount);
    const pod = refOf(k8s.pod);
    const secret = refOf(k8s.secret);
    const node = refOf(k8s.node);
    if (typeof namespace !== 'string' || !sa || pod === null || secret === null || node === null) {
      throw rejected('service account token claims could not be validated');
    }
    const user = await this.validateLive(namespace, sa, pod, secret, node, nowMs);
    if (typeof c.jti === 'string' && c.jti) user.extra = { ...user.extra, [credentialIDKey]: [`JTI=${c.jti}`] };
    return { user, audiences: granted };
  }

  private async validateLive(
    namespace: string,
    saRef: Ref,
    podRef: Ref | undefined,
    secretRef: Ref | undefined,
    nodeRef: Ref | undefined,
    nowMs: number,
  ): Promise<UserInfo> {
    const l = this.opts.lookups;
    const cutoff = nowMs - this.leeway * 1000;
    const deletedLongAgo = (ts: string | undefined) => ts !== undefined && Date.parse(ts) < cutoff;
    const invalidated = () => rejected('service account token has been invalidated');

    const sa = namespace && saRef.name ? await l.getServiceAccount(namespace, saRef.name) : undefined;
    if (!sa) throw rejected(`serviceaccounts ${JSON.stringify(saRef.name)} not found`);
    const saUID = sa.metadata?.uid ?? '';
    if (saUID !== saRef.uid) throw rejected(`service account UID (${saUID}) does not match claim (${saRef.uid})`);
    if (deletedLongAgo(sa.metadata?.deletionTimestamp))
      throw rejected(`service account ${namespace}/${saRef.name} has been deleted`);

    if (secretRef) {
      const s = await l.getSecret(namespace, secretRef.name);
      if (!s) throw invalidated();
      const uid = s.metadata?.uid ?? '';
      if (uid !== secretRef.uid)
        throw rejected(`secret UID (${uid}) does not match service account secret ref claim (${secretRef.uid})`);
      if (deletedLongAgo(s.metadata?.deletionTimestamp)) throw invalidated();
    }

    const user: UserInfo = {
      username: makeUsername(namespace, saRef.name),
      uid: saRef.uid,
      groups: makeGroupNames(namespace),
    };
    const extra: Record<string, string[]> = {};
    if (podRef) {
      const p = await l.getPod(namespace, podRef.name);
      if (!p) throw invalidated();
      const uid = p.metadata?.uid ?? '';
      if (uid !== podRef.uid)
        throw rejected(`pod UID (${uid}) does not match service account pod ref claim (${podRef.uid})`);
      if (deletedLongAgo(p.metadata?.deletionTimestamp)) throw invalidated();
      if (podRef.name && podRef.uid) {
        extra[podNameKey] = [podRef.name];
        extra[podUIDKey] = [podRef.uid];
      }
    }
    if (nodeRef) {
      if (!podRef) {
        // A token bound to the node itself lives only as long as the node object.
        const n = await l.getNode(nodeRef.name);
        if (!n) throw invalidated();
        const uid = n.metadata?.uid ?? '';
        if (uid !== nodeRef.uid)
          throw rejected(`node UID (${uid}) does not match service account node ref claim (${nodeRef.uid})`);
        if (deletedLongAgo(n.metadata?.deletionTimestamp)) throw invalidated();
      }
      if (nodeRef.name) {
        extra[nodeNameKey] = [nodeRef.name];
        if (nodeRef.uid) extra[nodeUIDKey] = [nodeRef.uid];
      }
    }
    if (Object.keys(extra).length) user.extra = extra;
    return user;
  }
}
