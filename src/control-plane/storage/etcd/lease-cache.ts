import type { Clock } from '../../../lib/clock.js';

/** Grants an etcd lease with the given TTL (seconds); resolves to the lease ID. */
export type GrantLease = (ttlSeconds: number) => Promise<string>;

/**
 * Lease reuse for TTL writes, as kube-apiserver's etcd3 lease manager does:
 * granting one lease per Event would flood etcd, so a lease is shared by
 * writes whose TTL ends within a small window. A lease is granted for
 * `ttl + reuse` and reused while it still expires no earlier than the new
 * write needs and no later than `reuse` after that; keys may thus live up to
 * `reuse` longer than asked (5% of the TTL, at most 60 s).
 */
export class LeaseCache {
  private current: { id: string; expiresAt: number; ttl: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly grant: GrantLease,
    private readonly clock: Clock,
    private readonly reusePercent = 0.05,
    private readonly maxReuseSeconds = 60,
  ) {}

  async leaseFor(ttlSeconds: number): Promise<string> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const reuse = Math.min(this.maxReuseSeconds, Math.floor(ttl * this.reusePercent));
    const now = this.clock.now();
    const c = this.current;
    if (c && c.expiresAt >= now + ttl * 1000 && c.expiresAt <= now + (ttl + reuse) * 1000) return c.id;
    if (reuse === 0) return this.grant(ttl);
    // Concurrent writers with the same TTL share one grant.
    if (this.pending) {
      const id = await this.pending;
      if (this.current?.id === id && this.current.ttl === ttl) return id;
    }
    const p = this.grant(ttl + reuse).then((id) => {
      this.current = { id, ttl, expiresAt: now + (ttl + reuse) * 1000 };
      return id;
    });
    this.pending = p;
    try {
      return await p;
    } finally {
      if (this.pending === p) this.pending = undefined;
    }
  }
}
