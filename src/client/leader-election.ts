import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { isNotFound } from '../api/errors/status-error.js';
import { formatMicroTime } from '../api/values/time.js';
import { abortable, timeoutSignal } from '../lib/abort.js';
import { type Clock, realClock } from '../lib/clock.js';
import { type Logger, nullLogger } from '../lib/log.js';
import { typed, type ResourceClient } from './resource-client.js';
import { gvr } from './resource-path.js';
import type { RestClient } from './rest-client.js';

export interface LeaderCallbacks {
  /**
   * Called (not awaited by the renew loop) when this candidate becomes leader;
   * `signal` aborts when leadership ends. The returned promise should settle
   * soon after the abort: release waits for it (at most renewDeadline).
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ended (lost, or stopped). Not called if this candidate never led. */
  onStoppedLeading?(): void;
  /** Called whenever the observed leader changes, including to this candidate. */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionConfig {
  rest: RestClient;
  lease: { namespace: string; name: string };
  /** Unique per candidate, usually `<hostname>_<uuid>`. */
  identity: string;
  /** How long a lease is valid after the renewal a candidate last observed (default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before giving up (default 10 s). */
  renewDeadlineMs?: number;
  /** Wait between attempts (default 2 s; jittered by up to 1.2x while acquiring). */
  retryPeriodMs?: number;
  /** Clear holderIdentity when stopped, so a successor need not wait for expiry (default true). */
  releaseOnCancel?: boolean;
  callbacks: LeaderCallbacks;
  clock?: Clock;
  log?: Logger;
  random?: () => number;
}

const jitterFactor = 1.2;
const leasesGVR = gvr('coordination.k8s.io', 'v1', 'leases');

/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go
 * `tools/leaderelection`). Candidates poll the lease every retryPeriod; a
 * lease is free when its holder is empty or when its record has not changed
 * for leaseDuration as measured on this candidate's own clock (never by
 * comparing timestamps across machines). The leader renews every retryPeriod
 * and gives up when it cannot renew within renewDeadline. Writes use the
 * lease's resourceVersion, so two candidates can never both win a round.
 */
export class LeaderElector {
  private readonly client: ResourceClient<Lease>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly random: () => number;
  /** The lease as last read or written (carries the resourceVersion for the next write). */
  private lease: Lease | undefined;
  private observed: LeaseSpec = {};
  private observedRaw = '';
  private observedAt = 0;
  private reportedLeader = '';

  constructor(private readonly config: LeaderElectionConfig) {
    this.clock = config.clock ?? realClock;
    this.log = (config.log ?? nullLogger).with({ lease: `${config.lease.namespace}/${config.lease.name}` });
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    this.random = config.random ?? Math.random;
    if (!config.identity) throw new Error('Lock identity is empty');
    if (!(this.leaseDurationMs > this.renewDeadlineMs))
      throw new Error('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > jitterFactor * this.retryPeriodMs)) {
      throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    }
    if (!(this.retryPeriodMs > 0)) throw new Error('retryPeriod must be greater than zero');
    this.client = typed<Lease>(config.rest, leasesGVR, config.lease.namespace);
  }

  isLeader(): boolean {
    return this.observed.holderIdentity === this.config.identity;
  }

  /** The holder last observed ('' when none). */
  getLeader(): string {
    return this.observed.holderIdentity ?? '';
  }

  /**
   * Campaigns until leader, leads until leadership is lost or `signal`
   * aborts, then (when stopped, with releaseOnCancel) releases the lease.
   * Resolves when done; a caller wanting to campaign again calls run again.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    const onOuterAbort = () => leading.abort(signal.reason);
    signal.addEventListener('abort', onOuterAbort, { once: true });
    let work: Promise<void> = Promise.resolve();
    try {
      work = Promise.resolve()
        .then(() => this.config.callbacks.onStartedLeading(leading.signal))
        .catch((err) => this.log.error('onStartedLeading failed', { err }));
      await this.renew(leading.signal);
    } finally {
      signal.removeEventListener('abort', onOuterAbort);
      leading.abort();
      // Let the leader's work wind down before a successor may start (bounded by renewDeadline).
      const bound = timeoutSignal(this.renewDeadlineMs, this.clock);
      await abortable(work, bound.signal).catch(() => undefined);
      bound.dispose();
      if (signal.aborted && (this.config.releaseOnCancel ?? true)) await this.release();
      this.config.callbacks.onStoppedLeading?.();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew(signal);
      this.maybeReportTransition();
      if (ok) {
        this.log.info('successfully acquired lease');
        return true;
      }
      const wait = this.retryPeriodMs * (1 + this.random() * jitterFactor);
      if (!(await this.sleep(wait, signal))) return false;
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal round fails for renewDeadline or `signal` aborts. */
  private async renew(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!(await this.sleep(this.retryPeriodMs, signal))) return;
      const deadline = this.clock.monotonic() + this.renewDeadlineMs;
      let renewed = false;
      while (!signal.aborted) {
        renewed = await this.tryAcquireOrRenew(signal);
        if (renewed || this.clock.monotonic() + this.retryPeriodMs >= deadline) break;
        if (!(await this.sleep(this.retryPeriodMs, signal))) return;
      }
      this.maybeReportTransition();
      if (!renewed && !signal.aborted) {
        this.log.warn('failed to renew lease, stopped leading');
        return;
      }
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    return this.clock.sleep(ms, signal).then(
      () => true,
      () => false,
    );
  }

  private record(now: number, old: LeaseSpec | undefined): LeaseSpec {
    const t = formatMicroTime(now);
    const spec: LeaseSpec = {
      holderIdentity: this.config.identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: t,
      renewTime: t,
      leaseTransitions: 0,
    };
    if (old && this.isLeader()) {
      spec.acquireTime = old.acquireTime;
      spec.leaseTransitions = old.leaseTransitions ?? 0;
    } else if (old) {
      spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
    }
    return spec;
  }

  private setObserved(spec: LeaseSpec): void {
    this.observed = spec;
    this.observedRaw = JSON.stringify(spec);
    this.observedAt = this.clock.monotonic();
  }

  private leaseValid(): boolean {
    return this.observedAt + (this.observed.leaseDurationSeconds ?? 0) * 1000 > this.clock.monotonic();
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = this.clock.now();
    // Fast path: the leader updates the lease it last wrote, assuming nobody else did.
    if (this.isLeader() && this.leaseValid() && this.lease) {
      const spec = this.record(now, this.observed);
      try {
        await this.write(spec, signal);
        return true;
      } catch (err) {
        this.log.debug('optimistic lease update failed, falling back to a read', { err });
      }
    }
    let current: Lease;
    try {
      current = await this.client.get(this.config.lease.name, { signal, timeoutMs: this.renewDeadlineMs });
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.warn('error retrieving lease', { err });
        return false;
      }
      const spec = this.record(now, undefined);
      try {
        this.lease = await this.client.create(
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.config.lease.name, namespace: this.config.lease.namespace },
            spec,
          },
          { signal, timeoutMs: this.renewDeadlineMs },
        );
        this.setObserved(spec);
        return true;
      } catch (e) {
        this.log.warn('error initially creating lease', { err: e });
        return false;
      }
    }
    this.lease = current;
    const old = current.spec ?? {};
    if (JSON.stringify(old) !== this.observedRaw) this.setObserved(old);
    if (old.holderIdentity && this.leaseValid() && !this.isLeader()) return false;
    const spec = this.record(now, old);
    try {
      await this.write(spec, signal);
      return true;
    } catch (err) {
      this.log.debug('failed to update lease', { err });
      return false;
    }
  }

  /** Writes `spec` over the cached lease (its resourceVersion guards against lost updates). */
  private async write(spec: LeaseSpec, signal?: AbortSignal): Promise<void> {
    const next: Lease = { ...this.lease!, spec };
    this.lease = await this.client.update(next, { signal, timeoutMs: this.renewDeadlineMs });
    this.setObserved(spec);
  }

  private maybeReportTransition(): void {
    const holder = this.observed.holderIdentity ?? '';
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder) this.config.callbacks.onNewLeader?.(holder);
  }

  /** Gives the lease up: empty holder, 1 s duration, transitions kept (client-go release). */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.lease) return;
    const t = formatMicroTime(this.clock.now());
    const spec: LeaseSpec = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: t,
      renewTime: t,
      leaseTransitions: this.observed.leaseTransitions ?? 0,
    };
    try {
      await this.write(spec);
      this.log.info('released leader lease');
    } catch (err) {
      this.log.warn('failed to release lease', { err });
    }
  }
}

/** Runs one LeaderElector until leadership ends (see LeaderElector.run). */
export function runLeaderElection(config: LeaderElectionConfig, signal: AbortSignal): Promise<void> {
  return new LeaderElector(config).run(signal);
}
