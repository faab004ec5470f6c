/**
 * The cache in front of the upstream resolvers (CoreDNS `cache`): replies are
 * kept as relayable bytes for as long as their records say (RFC 2308 for
 * negative ones), never longer than `maxTtlSec`, in a bounded LRU map. The
 * clock is injected so expiry is tested without waiting.
 */
import { type Clock, realClock } from '../../lib/clock.js';
import type { CachePolicy, ScannedMessage } from './raw-message.js';

export interface CacheEntry {
  /** The reply without OPT, as the upstream sent it otherwise. */
  base: Buffer;
  msg: ScannedMessage;
  /** Lifetime in seconds (the record TTL, capped). */
  ttl: number;
  negative: boolean;
  storedAtMs: number;
}

export interface CacheHit {
  entry: CacheEntry;
  /** Whole seconds since the entry was stored (TTLs are lowered by this). */
  ageSec: number;
}

export interface ResponseCacheOptions {
  /** Entries kept at most (CoreDNS default 9984); the least recently used goes first. */
  capacity?: number;
  /** Upper bound on any entry's lifetime (CoreDNS `cache 30`). */
  maxTtlSec?: number;
  clock?: Clock;
}

/** The cache key of a question: name case-insensitively, type, class, and the DNSSEC bits that change the reply. */
export function cacheKey(qnameLower: string, qtype: number, qclass: number, dnssecOk: boolean, cd: boolean): string {
  return `${qnameLower}|${qtype}|${qclass}|${dnssecOk ? 1 : 0}${cd ? 1 : 0}`;
}

export class ResponseCache {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly capacity: number;
  readonly maxTtlSec: number;
  private readonly clock: Clock;

  constructor(opts: ResponseCacheOptions = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 9984);
    this.maxTtlSec = opts.maxTtlSec ?? 30;
    this.clock = opts.clock ?? realClock;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Counts of live entries by kind, for the `coredns_cache_entries` gauge. */
  counts(): { success: number; denial: number } {
    let denial = 0;
    for (const e of this.entries.values()) if (e.negative) denial++;
    return { success: this.entries.size - denial, denial };
  }

  get(key: string): CacheHit | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const ageMs = this.clock.monotonic() - entry.storedAtMs;
    if (ageMs >= entry.ttl * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return { entry, ageSec: Math.floor(ageMs / 1000) };
  }

  /** Stores a reply under `key` per `policy` (TTL capped); returns the entry, or undefined when the cap is 0. */
  set(key: string, base: Buffer, msg: ScannedMessage, policy: CachePolicy): CacheEntry | undefined {
    const ttl = Math.min(policy.ttl, this.maxTtlSec);
    if (ttl <= 0) return undefined;
    const entry: CacheEntry = { base, msg, ttl, negative: policy.negative, storedAtMs: this.clock.monotonic() };
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}
