/**
 * The eviction manager's control loop (upstream eviction_manager.go `Start`
 * and `synchronize`), run by the kubelet. Each cycle:
 *
 *   1. observe the signals (the pressure conditions follow, see
 *      EvictionManager) and read the pods' usage (Summary API);
 *   2. pods over their own local-storage limits are evicted at once, all of
 *      them, with no grace;
 *   3. otherwise, while a threshold is crossed: a Warning
 *      `EvictionThresholdMet` event on the node, node-level reclaim first for
 *      a disk signal (dead containers, unused images) — done if that clears
 *      every threshold — then at most one pod, the first in the ranking that
 *      is not critical, is evicted. Hard thresholds give it 1 s
 *      (`immediateEvictionGracePeriodSeconds`).
 *
 * Evicting a pod: a Warning `Evicted` event with the message, then the pod
 * worker writes phase Failed, reason Evicted, the message and a
 * DisruptionTarget condition (reason TerminationByKubelet), and kills it;
 * pods already terminating are never candidates. After an eviction the loop
 * waits (up to 30 s) for the pod's resources to be reclaimed and then runs
 * again at once; otherwise it sleeps for the monitoring interval (10 s).
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { anySignal } from '../../../lib/abort.js';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import type { Summary } from '../server/stats/summary-types.js';
import type { EvictionManager } from './eviction-manager.js';
import { evictedPodStatus } from './messages.js';
import { signalResource } from './thresholds.js';

export const evictionMonitoringPeriodMs = 10_000;
const immediateEvictionGraceSeconds = 1;
const podCleanupTimeoutMs = 30_000;
const podCleanupPollMs = 1000;

export interface EvictionLoopOptions {
  manager: EvictionManager;
  /** Admitted pods that are running and not already being stopped. */
  activePods(): Pod[];
  /** The pods' usage; a failure skips the cycle's evictions, as upstream. */
  podStats(): Promise<Summary>;
  /** Stops the pod with this grace period after amending its status; resolves once it is terminated. */
  killPod(pod: Pod, graceSeconds: number, status: (s: PodStatus) => void): Promise<void>;
  /** The pod's containers are stopped and its volumes gone. */
  podCleanedUp(pod: Pod): boolean;
  /** Node-level reclaim under disk pressure: dead containers of terminated pods, then unused images. */
  reclaimNodeLevel?(): Promise<void>;
  nodeEvent(type: 'Warning', reason: string, message: string): void;
  podEvent(pod: Pod, type: 'Warning', reason: string, message: string): void;
  /** Default 10 s. */
  periodMs?: number;
  clock?: Clock;
  log?: Logger;
}

/** Marks a status as evicted (phase, reason, message, DisruptionTarget), as upstream `evictPod` does. */
export function evictedStatusAmender(message: string, now: Date): (s: PodStatus) => void {
  const e = evictedPodStatus(message, now);
  return (s) => {
    s.phase = e.phase;
    s.reason = e.reason;
    s.message = e.message;
    const conditions = (s.conditions ?? []).filter((c) => c.type !== e.condition.type);
    const prev = s.conditions?.find((c) => c.type === e.condition.type);
    const condition =
      prev?.status === e.condition.status
        ? { ...e.condition, lastTransitionTime: prev.lastTransitionTime }
        : e.condition;
    s.conditions = [...conditions, condition];
  };
}

export class EvictionLoop {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly stop = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: EvictionLoopOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async dispose(): Promise<void> {
    this.stop.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      let evicted: Pod[] = [];
      try {
        evicted = await this.synchronize();
      } catch (err) {
        if (signal.aborted) return;
        this.log.warn('eviction manager: failed to synchronize', { err });
      }
      try {
        if (evicted.length > 0) await this.waitForCleanup(evicted);
        else await this.clock.sleep(this.o.periodMs ?? evictionMonitoringPeriodMs, signal);
      } catch {
        return;
      }
    }
  }

  private async waitForCleanup(pods: Pod[]): Promise<void> {
    const deadline = this.clock.monotonic() + podCleanupTimeoutMs;
    while (this.clock.monotonic() < deadline) {
      await this.clock.sleep(podCleanupPollMs, this.stop.signal);
      if (pods.every((p) => this.o.podCleanedUp(p))) return;
    }
    this.log.info('eviction manager: timed out waiting for pods to be cleaned up', {
      pods: pods.map((p) => p.metadata?.name),
    });
  }

  /** One cycle; returns the pods evicted. */
  async synchronize(): Promise<Pod[]> {
    const m = this.o.manager;
    const pods = this.o.activePods();
    const observation = m.observe();
    let summary: Summary;
    try {
      summary = await this.o.podStats();
    } catch (err) {
      this.log.warn('eviction manager: failed to get summary stats', { err });
      return [];
    }
    let decisions = m.decide(pods, summary);
    const local = decisions.filter((d) => d.resource === undefined);
    if (local.length > 0) {
      const evicted: Pod[] = [];
      for (const d of local) if (await this.evict(d.pod, 0, d.message)) evicted.push(d.pod);
      return evicted;
    }
    const met = observation.thresholdsMet;
    if (met.length === 0) return [];
    const resource = decisions[0]?.resource ?? signalResource[met[0]!.signal];
    this.o.nodeEvent('Warning', 'EvictionThresholdMet', `Attempting to reclaim ${resource}`);
    if (m.diskSignalToReclaim() && this.o.reclaimNodeLevel) {
      try {
        await this.o.reclaimNodeLevel();
      } catch (err) {
        this.log.info('eviction manager: unexpected error when attempting to reduce resource pressure', {
          resource,
          err,
        });
      }
      if (m.observe().thresholdsMet.length === 0) {
        this.log.info('eviction manager: able to reduce resource pressure without evicting pods', { resource });
        return [];
      }
      decisions = m.decide(pods, summary);
    }
    const victim = decisions[0];
    if (!victim) {
      if (pods.length > 0) this.log.info('eviction manager: unable to evict any pods from the node');
      return [];
    }
    this.log.info('eviction manager: must evict pod(s) to reclaim', { resource });
    return (await this.evict(victim.pod, immediateEvictionGraceSeconds, victim.message)) ? [victim.pod] : [];
  }

  private async evict(pod: Pod, graceSeconds: number, message: string): Promise<boolean> {
    this.o.podEvent(pod, 'Warning', 'Evicted', message);
    this.log.info('evicting pod', { pod: pod.metadata?.name, ns: pod.metadata?.namespace, message });
    const amend = evictedStatusAmender(message, new Date(this.clock.now()));
    // Upstream killPodNow waits at most 1.5x the grace period plus 10 s.
    const timeoutMs = (graceSeconds * 1.5 + 10) * 1000;
    const done = new AbortController();
    const wait = anySignal([this.stop.signal, done.signal]);
    try {
      await Promise.race([
        this.o.killPod(pod, graceSeconds, amend),
        this.clock.sleep(timeoutMs, wait.signal).then(
          () => Promise.reject(new Error('timeout waiting to kill pod')),
          () => undefined,
        ),
      ]);
      this.log.info('eviction manager: pod is evicted successfully', { pod: pod.metadata?.name });
    } catch (err) {
      this.log.warn('eviction manager: pod failed to evict', { pod: pod.metadata?.name, err });
    } finally {
      done.abort();
      wait.dispose();
    }
    return true;
  }
}
