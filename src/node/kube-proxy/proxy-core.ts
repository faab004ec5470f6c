import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { categorizeEndpoints } from './categorize.js';
import { ChangeTracker, type PortChange, type ProxyState } from './change-tracker.js';
import type { ConntrackCleaner } from './conntrack.js';
import { ProxierHealth } from './healthz-server.js';
import { metricNames as m, ProxyMetrics } from './metrics.js';
import type { Proxier } from './proxier.js';
import type { ServiceHealthServer } from './service-health.js';
import { BoundedFrequencyRunner } from './sync-runner.js';
import { externallyAccessible } from './types.js';

export interface ProxyCoreOptions {
  proxier: Proxier;
  nodeName: string;
  clock: Clock;
  log: Logger;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  /** Kernel modes: clears stale UDP flows after syncs. */
  conntrack?: ConntrackCleaner;
  /** Serves health check node ports of eTP=Local LoadBalancer Services. */
  serviceHealth?: ServiceHealthServer;
}

interface Waiter {
  predicate: (state: ProxyState) => boolean;
  resolve: () => void;
}

/**
 * The proxier loop shared by every mode (upstream's Proxier minus the rule
 * writing): events feed the ChangeTracker and ask the BoundedFrequencyRunner
 * for a sync; a sync drains the tracker and hands the changed ports to the
 * proxier — a full rewrite first, then every syncPeriod and after a failure.
 * Also keeps health, metrics, health check node ports and conntrack cleanup.
 */
export class ProxyCore {
  readonly tracker: ChangeTracker;
  readonly metrics = new ProxyMetrics();
  readonly health: ProxierHealth;
  private readonly runner: BoundedFrequencyRunner;
  private initialized = false;
  private needFull = true;
  private lastFullAt = -Infinity;
  private failures = 0;
  private waiters: Waiter[] = [];
  private readonly healthChecks = new Map<string, { port: number; namespace: string; name: string; local: string[] }>();
  private syncing = false;
  private readonly noLocal = new Map<string, { internal: boolean; external: boolean }>();
  private healthChecksDirty = false;
  /** Successful syncs so far. */
  syncCount = 0;
  lastSyncOk = false;

  constructor(private readonly opts: ProxyCoreOptions) {
    this.tracker = new ChangeTracker(opts.nodeName);
    this.health = new ProxierHealth(opts.clock, 2 * opts.syncPeriodMs);
    this.runner = new BoundedFrequencyRunner({
      clock: opts.clock,
      minIntervalMs: opts.minSyncPeriodMs,
      maxIntervalMs: opts.syncPeriodMs,
      burst: 2,
      fn: () => this.syncOnce(),
      log: opts.log,
    });
  }

  get proxier(): Proxier {
    return this.opts.proxier;
  }

  get state(): ProxyState {
    return this.tracker.state;
  }

  onServiceUpsert(svc: Service): void {
    this.tracker.onServiceUpsert(svc);
    this.queue();
  }
  onServiceDelete(svc: Service): void {
    this.tracker.onServiceDelete(svc);
    this.queue();
  }
  onSliceUpsert(slice: EndpointSlice): void {
    this.tracker.onSliceUpsert(slice);
    this.queue();
  }
  onSliceDelete(slice: EndpointSlice): void {
    this.tracker.onSliceDelete(slice);
    this.queue();
  }

  /** Both informers have synced: program everything now (awaited), then keep syncing on events. */
  async start(): Promise<void> {
    this.initialized = true;
    this.health.queued();
    await this.syncOnce();
    this.runner.start();
  }

  /** Requests a sync (rate limited). */
  requestSync(): void {
    this.queue(true);
  }

  async stop(): Promise<void> {
    this.initialized = false;
    await this.runner.stop();
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
  }

  /** Resolves after a successful sync whose programmed state satisfies `predicate` (bounded by `timeoutMs`). */
  waitFor(predicate: (state: ProxyState) => boolean, timeoutMs = 30_000): Promise<void> {
    if (this.lastSyncOk && !this.syncing && !this.tracker.pending && predicate(this.tracker.state)) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`proxy state not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private queue(force = false): void {
    if (!this.initialized) return;
    this.health.queued();
    this.metrics.set(m.lastQueued, 'The last time a sync of proxy rules was queued', this.opts.clock.now() / 1000);
    if (force || this.tracker.pending) this.runner.run();
  }

  private async syncOnce(): Promise<void> {
    if (!this.initialized) return;
    this.syncing = true;
    try {
      await this.syncAndRecord();
    } finally {
      this.syncing = false;
    }
  }

  private async syncAndRecord(): Promise<void> {
    const { clock, log } = this.opts;
    const started = clock.monotonic();
    const fullEvery = Math.max(this.opts.syncPeriodMs, this.proxier.fullSyncPeriodMs ?? 0);
    const full = this.needFull || started - this.lastFullAt >= fullEvery;
    const serviceEvents = this.tracker.serviceEvents;
    const sliceEvents = this.tracker.sliceEvents;
    const changes = this.tracker.drain();
    let outcome;
    try {
      outcome = await this.opts.proxier.sync(this.tracker.state, changes, full);
    } catch (err) {
      this.needFull = true;
      this.lastSyncOk = false;
      this.failures++;
      this.metrics.inc(m.syncFailures, 'Proxy rule syncs that failed');
      if (this.proxier.mode === 'nftables')
        this.metrics.inc(m.nftablesSyncFailures, 'Cumulative proxy nftables sync failures');
      if (this.proxier.mode === 'iptables') {
        this.metrics.inc(m.iptablesRestoreFailures, 'Cumulative proxy iptables restore failures');
      }
      const retryMs = Math.min(this.opts.syncPeriodMs, 1000 * 2 ** Math.min(this.failures - 1, 10));
      log.error('proxy sync failed; retrying with a full sync', { err, retryMs, full });
      this.runner.retryAfter(retryMs);
      return;
    }
    this.failures = 0;
    this.needFull = false;
    this.lastSyncOk = true;
    if (outcome.full) this.lastFullAt = started;
    const seconds = (clock.monotonic() - started) / 1000;
    this.recordSync(seconds, outcome.full, serviceEvents, sliceEvents);
    this.health.updated();
    this.trackPorts(changes);
    if (outcome.followUpMs !== undefined) this.runner.retryAfter(outcome.followUpMs);
    log.debug('proxy rules synced', { mode: this.proxier.mode, full: outcome.full, changes: changes.length, seconds });
    this.syncCount++;
    const ready = this.waiters.filter((w) => w.predicate(this.tracker.state));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
    await this.afterSync(changes);
  }

  private recordSync(seconds: number, full: boolean, serviceEvents: number, sliceEvents: number): void {
    const mm = this.metrics;
    mm.observe(m.syncDuration, 'SyncProxyRules latency in seconds', seconds);
    if (full) mm.observe(m.fullSyncDuration, 'SyncProxyRules latency in seconds for full resyncs', seconds);
    else mm.observe(m.partialSyncDuration, 'SyncProxyRules latency in seconds for partial resyncs', seconds);
    mm.set(m.lastSync, 'The last time proxy rules were successfully synced', this.opts.clock.now() / 1000);
    mm.set(m.serviceChanges, 'Cumulative proxy rules Service changes', serviceEvents);
    mm.set(m.endpointChanges, 'Cumulative proxy rules Endpoint changes', sliceEvents);
    const stats = this.proxier.stats();
    mm.set(m.rules, 'Rules (kernel modes) or listeners (userspace) currently programmed', stats.rules, {
      mode: this.proxier.mode,
    });
    if (this.proxier.mode === 'iptables') {
      for (const table of ['filter', 'nat']) {
        mm.set(m.iptablesRules, 'Total number of iptables rules owned by kube-proxy', stats.detail[table] ?? 0, {
          table,
        });
      }
    }
  }

  /** Keeps health check ports and no-local-endpoint counts in step with the changed ports only. */
  private trackPorts(changes: readonly PortChange[]): void {
    for (const c of changes) {
      const prevHc = this.healthChecks.get(c.key);
      const sp = c.current?.sp;
      if (!sp) {
        if (this.healthChecks.delete(c.key)) this.healthChecksDirty = true;
        this.noLocal.delete(c.key);
        continue;
      }
      const eps = c.current!.endpoints;
      if (sp.healthCheckNodePort > 0) {
        const local = eps.filter((e) => e.isLocal && e.ready).map((e) => e.ip);
        const next = { port: sp.healthCheckNodePort, namespace: sp.namespace, name: sp.name, local };
        if (!prevHc || prevHc.port !== next.port || prevHc.local.join() !== local.join()) this.healthChecksDirty = true;
        this.healthChecks.set(c.key, next);
      } else if (this.healthChecks.delete(c.key)) this.healthChecksDirty = true;
      const cat = categorizeEndpoints(sp, eps);
      this.noLocal.set(c.key, {
        internal: sp.internalPolicyLocal && cat.hasAny && cat.local.length === 0,
        external: sp.externalPolicyLocal && externallyAccessible(sp) && cat.hasAny && cat.local.length === 0,
      });
    }
    let internal = 0;
    let external = 0;
    for (const v of this.noLocal.values()) {
      if (v.internal) internal++;
      if (v.external) external++;
    }
    const help = 'Number of services with a Local traffic policy and no endpoints';
    this.metrics.set(m.noLocalEndpoints, help, internal, { traffic_policy: 'internal' });
    this.metrics.set(m.noLocalEndpoints, help, external, { traffic_policy: 'external' });
  }

  private async afterSync(changes: readonly PortChange[]): Promise<void> {
    if (this.healthChecksDirty && this.opts.serviceHealth) {
      this.healthChecksDirty = false;
      // Every port of a Service shares its health check port; count each local endpoint IP once.
      const ips = new Map<number, { namespace: string; name: string; ips: Set<string> }>();
      for (const hc of this.healthChecks.values()) {
        let e = ips.get(hc.port);
        if (!e) ips.set(hc.port, (e = { namespace: hc.namespace, name: hc.name, ips: new Set() }));
        for (const ip of hc.local) e.ips.add(ip);
      }
      const byPort = new Map<number, { namespace: string; name: string; localEndpoints: number }>();
      for (const [port, e] of ips)
        byPort.set(port, { namespace: e.namespace, name: e.name, localEndpoints: e.ips.size });
      await this.opts.serviceHealth.sync(byPort);
    }
    if (this.opts.conntrack && changes.length > 0) {
      const n = await this.opts.conntrack.clean(changes);
      if (n > 0) this.metrics.inc(m.conntrackCleanups, 'conntrack deletions run for stale UDP flows', n);
    }
  }
}
