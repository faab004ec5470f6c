import type { Clock } from '../../../lib/clock.js';
import type { EndpointInfo } from '../types.js';

interface Affinity {
  addr: string;
  lastUsed: number;
}

/** Affinity records kept per balancer at most (a flood of client IPs must not grow memory without end). */
const maxAffinities = 65536;

/**
 * Round-robin over a service port's endpoints with optional ClientIP
 * affinity (upstream userspace `LoadBalancerRR`): a client IP keeps its
 * endpoint while it is still present and was used within the timeout.
 */
export class RoundRobinBalancer {
  private endpoints: readonly EndpointInfo[] = [];
  private next = 0;
  private stickyMs: number | undefined;
  private readonly affinity = new Map<string, Affinity>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.endpoints.length;
  }

  /** Replaces the endpoint list; affinity to endpoints that left (or all of it, if turned off) is dropped. */
  update(endpoints: readonly EndpointInfo[], stickySeconds: number | undefined): void {
    const same =
      endpoints.length === this.endpoints.length && endpoints.every((e, i) => e.addr === this.endpoints[i]!.addr);
    this.endpoints = endpoints;
    if (!same) this.next = endpoints.length > 0 ? this.next % endpoints.length : 0;
    this.stickyMs = stickySeconds === undefined ? undefined : stickySeconds * 1000;
    if (this.stickyMs === undefined) {
      this.affinity.clear();
      return;
    }
    const present = new Set(endpoints.map((e) => e.addr));
    for (const [ip, a] of this.affinity) if (!present.has(a.addr)) this.affinity.delete(ip);
  }

  /** The endpoint for a new connection from `clientIP`, skipping `exclude` (endpoints that just failed). */
  pick(clientIP: string, exclude?: ReadonlySet<string>): EndpointInfo | undefined {
    const eps = this.endpoints;
    if (eps.length === 0) return undefined;
    const now = this.clock.monotonic();
    if (this.stickyMs !== undefined) {
      const a = this.affinity.get(clientIP);
      if (a && now - a.lastUsed <= this.stickyMs && !exclude?.has(a.addr)) {
        const ep = eps.find((e) => e.addr === a.addr);
        if (ep) {
          a.lastUsed = now;
          return ep;
        }
      }
    }
    for (let i = 0; i < eps.length; i++) {
      const ep = eps[this.next % eps.length]!;
      this.next = (this.next + 1) % eps.length;
      if (exclude?.has(ep.addr)) continue;
      if (this.stickyMs !== undefined) this.remember(clientIP, ep.addr, now);
      return ep;
    }
    return undefined;
  }

  /** Forgets a client's affinity (its endpoint refused the connection). */
  forget(clientIP: string): void {
    this.affinity.delete(clientIP);
  }

  /** Drops expired affinity records. */
  sweep(): void {
    if (this.stickyMs === undefined) return;
    const now = this.clock.monotonic();
    for (const [ip, a] of this.affinity) if (now - a.lastUsed > this.stickyMs) this.affinity.delete(ip);
  }

  private remember(clientIP: string, addr: string, now: number): void {
    if (this.affinity.size >= maxAffinities && !this.affinity.has(clientIP)) {
      this.sweep();
      if (this.affinity.size >= maxAffinities) {
        const oldest = this.affinity.keys().next().value;
        if (oldest !== undefined) this.affinity.delete(oldest);
      }
    }
    this.affinity.delete(clientIP);
    this.affinity.set(clientIP, { addr, lastUsed: now });
  }
}
