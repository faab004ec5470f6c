import type { PortChange, ProxyState } from './change-tracker.js';
import type { ProxyMode } from './types.js';

/** Counts published as metrics after each successful sync. */
export interface ProxierStats {
  /** Rules (kernel modes) or listening sockets (userspace) currently programmed. */
  rules: number;
  /** Extra gauges by label, e.g. iptables rules per table, nftables chains/elements. */
  detail: Record<string, number>;
}

export interface SyncOutcome {
  /** The sync rewrote everything (asked for, or upgraded by the proxier). */
  full: boolean;
  /** Ask for another sync this much later (e.g. to delete chains that just went stale). */
  followUpMs?: number;
}

/**
 * One way of implementing Services on a node. The core calls `sync` one at a
 * time (never concurrently) with the complete state and the ports changed
 * since the last successful sync; `full` asks for a complete rewrite (first
 * sync, periodic resync, recovery after a failure). A sync that throws left
 * the dataplane as it was or in an unknown state; the core retries with
 * `full` set.
 */
export interface Proxier {
  readonly mode: ProxyMode;
  /**
   * How often the core asks for a full rewrite at least (default: every
   * syncPeriod). Modes whose full rewrite is expensive at scale ask for less.
   */
  readonly fullSyncPeriodMs?: number;
  /** Checks that this mode can work here; throws with the reason if not. */
  init(): Promise<void>;
  sync(state: ProxyState, changes: readonly PortChange[], full: boolean): Promise<SyncOutcome>;
  stats(): ProxierStats;
  /** Removes everything this proxier programmed (table, chains, listeners). */
  cleanup(): Promise<void>;
  /** Releases what the proxier holds open (a persistent `nft -i`); the rules stay. */
  close?(): void | Promise<void>;
}
