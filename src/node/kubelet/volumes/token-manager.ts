/**
 * Bound service-account tokens for projected volumes (upstream kubelet
 * `token.Manager`): one TokenRequest per (service account, audiences,
 * expiration, bound pod), cached and re-requested once 80% of its lifetime
 * has passed or it is older than 24 hours (each with a little jitter, so
 * many pods do not refresh in the same instant). A failed refresh keeps
 * serving the cached token until it actually expires.
 */
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { typed, type RestClient } from '../../../client/index.js';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';

const maxTTLMs = 24 * 3600_000;
const maxJitterMs = 10_000;

export interface TokenRequestFor {
  namespace: string;
  serviceAccount: string;
  audiences: string[];
  expirationSeconds: number;
  pod: { name: string; uid: string };
}

interface Cached {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  expirationSeconds: number;
  podUid: string;
}

export interface TokenManagerOptions {
  rest: RestClient;
  clock?: Clock;
  log?: Logger;
  /** Jitter in ms subtracted from refresh deadlines; default random in [0, 10 s). */
  jitter?: () => number;
}

export class ServiceAccountTokenManager {
  private readonly cache = new Map<string, Cached>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly jitter: () => number;

  constructor(private readonly opts: TokenManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.jitter = opts.jitter ?? (() => Math.floor(Math.random() * maxJitterMs));
  }

  private key(r: TokenRequestFor): string {
    return JSON.stringify([r.namespace, r.serviceAccount, [...r.audiences].sort(), r.expirationSeconds, r.pod.uid]);
  }

  /** Whether a cached token is due for a refresh (upstream `requiresRefresh`). */
  requiresRefresh(c: Cached): boolean {
    const now = this.clock.now();
    const issuedAt = c.expiresAt - c.expirationSeconds * 1000;
    const jitter = this.jitter();
    if (now > issuedAt + maxTTLMs - jitter) return true;
    return now > c.expiresAt - (c.expirationSeconds * 1000 * 20) / 100 - jitter;
  }

  /** A valid token for the request: the cached one, or a fresh one from the TokenRequest API. */
  async getToken(r: TokenRequestFor, signal?: AbortSignal): Promise<string> {
    const key = this.key(r);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached.token;
    let fresh: TokenRequest;
    try {
      const sa = typed<TokenRequest & { metadata?: object }>(
        this.opts.rest,
        { group: '', version: 'v1', resource: 'serviceaccounts' },
        r.namespace,
      );
      fresh = await sa.createSubresource<TokenRequest, TokenRequest>(
        r.serviceAccount,
        'token',
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: r.audiences,
            expirationSeconds: r.expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: r.pod.name, uid: r.pod.uid },
          },
        },
        { signal },
      );
    } catch (err) {
      if (!cached) throw new Error(`failed to fetch token: ${(err as Error).message}`);
      if (this.clock.now() >= cached.expiresAt) {
        throw new Error(
          `token ${r.namespace}/${r.serviceAccount} expired and refresh failed: ${(err as Error).message}`,
        );
      }
      this.log.warn('could not refresh a service account token; keeping the cached one', { err: String(err) });
      return cached.token;
    }
    const token = fresh.status?.token ?? '';
    const expiresAt = Date.parse(fresh.status?.expirationTimestamp ?? '');
    if (!token || Number.isNaN(expiresAt)) throw new Error('failed to fetch token: the API returned no token');
    this.cache.set(key, {
      token,
      expiresAt,
      expirationSeconds: fresh.spec?.expirationSeconds ?? r.expirationSeconds,
      podUid: r.pod.uid,
    });
    return token;
  }

  /** Forgets every token bound to the pod (after it is torn down). */
  deleteForPod(podUid: string): void {
    for (const [k, v] of this.cache) if (v.podUid === podUid) this.cache.delete(k);
  }

  /** Number of cached tokens (for tests and metrics). */
  get size(): number {
    return this.cache.size;
  }
}
