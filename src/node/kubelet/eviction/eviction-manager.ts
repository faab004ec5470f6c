/**
 * Node-pressure eviction (upstream `pkg/kubelet/eviction`). Each cycle (the
 * kubelet runs one every 10 s):
 *
 *   1. `observe()` measures the signals, finds the hard thresholds crossed
 *      and updates the pressure conditions, which stay set for the pressure
 *      transition period (5 min) after the last crossing so they do not flap;
 *   2. the kubelet reclaims node-level resources first when a disk signal is
 *      crossed (container and image GC, see gc/), then
 *   3. `podsToEvict(activePods, summary)` names the pods to kill: every pod
 *      over its own local-storage limits, plus — while a threshold is crossed —
 *      the first non-critical pod in the ranking for the starved resource
 *      (one per cycle, as upstream), and `decide` gives the status message.
 *
 * The pod workers do the killing and write status Failed / Evicted with the
 * message. `admit(pod)` refuses new pods under pressure as upstream does.
 */
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import { realClock, type Clock } from '../../../lib/clock.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import type { PodStats, Summary } from '../server/stats/summary-types.js';
import { evictedReason, evictionMessage, localStorageViolation } from './messages.js';
import { isCriticalPod, qosClass, rankForDisk, rankForMemory, rankForPids, type FsMeasure } from './ranking.js';
import {
  defaultEvictionHard,
  formatBytes,
  parseThresholds,
  signalCondition,
  signalResource,
  thresholdsMet,
  thresholdText,
} from './thresholds.js';
import type {
  Observation,
  PressureCondition,
  PressureConditions,
  Signal,
  SignalSource,
  StarvedResource,
  Threshold,
} from './types.js';

export interface EvictionManagerOptions {
  source: SignalSource;
  /** Hard thresholds; default the kubelet's `--eviction-hard` defaults. */
  thresholds?: Threshold[];
  /** `--eviction-pressure-transition-period`; default 5 minutes. */
  pressureTransitionPeriodMs?: number;
  /** The image store is its own filesystem: nodefs then measures logs and volumes, imagefs writable layers. */
  dedicatedImageFs?: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface EvictionDecision {
  pod: Pod;
  /** The status message, e.g. `The node was low on resource: memory. ...`. */
  message: string;
  /** The starved node resource; undefined for a pod over its own local-storage limits. */
  resource?: StarvedResource;
}

const conditions: PressureCondition[] = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

export class EvictionManager implements PressureConditions {
  readonly thresholds: Threshold[];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly transitionMs: number;
  private readonly lastObservedAt = new Map<PressureCondition, number>();
  private last: Observation | undefined;

  constructor(private readonly opts: EvictionManagerOptions) {
    this.thresholds = opts.thresholds ?? parseThresholds(defaultEvictionHard);
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? nullLogger;
    this.transitionMs = opts.pressureTransitionPeriodMs ?? 5 * 60_000;
  }

  /** Measures the signals and updates the pressure conditions. */
  observe(): Observation {
    const now = this.clock.now();
    const signals = this.opts.source.observe();
    const met = thresholdsMet(this.thresholds, signals);
    for (const t of met) this.lastObservedAt.set(signalCondition[t.signal], now);
    const state = {} as Record<PressureCondition, boolean>;
    for (const c of conditions) {
      const at = this.lastObservedAt.get(c);
      state[c] = at !== undefined && now - at < this.transitionMs;
    }
    if (met.length > 0) this.log.info('eviction thresholds crossed', { signals: met.map((t) => t.signal) });
    this.last = { signals, thresholdsMet: met, conditions: state, time: now };
    return this.last;
  }

  /** The last observation (observing once if there is none yet). */
  get observation(): Observation {
    return this.last ?? this.observe();
  }

  isUnderMemoryPressure(): boolean {
    return this.observation.conditions.MemoryPressure;
  }
  isUnderDiskPressure(): boolean {
    return this.observation.conditions.DiskPressure;
  }
  isUnderPIDPressure(): boolean {
    return this.observation.conditions.PIDPressure;
  }

  /** The shape the kubelet's node-status code takes (`KubeletOptions.nodePressure`). */
  nodePressure(): { memoryPressure: boolean; diskPressure: boolean; pidPressure: boolean } {
    const c = this.observation.conditions;
    return { memoryPressure: c.MemoryPressure, diskPressure: c.DiskPressure, pidPressure: c.PIDPressure };
  }

  /** Conditions currently reported, in upstream order. */
  activeConditions(): PressureCondition[] {
    return conditions.filter((c) => this.observation.conditions[c]);
  }

  /** The crossed threshold to act on: memory first, then in configured order. */
  private thresholdToReclaim(): Threshold | undefined {
    const met = this.last?.thresholdsMet ?? [];
    return met.find((t) => t.signal === 'memory.available') ?? met[0];
  }

  /** A disk signal crossed (reclaim node-level resources before evicting), or undefined. */
  diskSignalToReclaim(): Signal | undefined {
    const t = this.thresholdToReclaim();
    return t && signalResource[t.signal] !== 'memory' && t.signal !== 'pid.available' ? t.signal : undefined;
  }

  private measureFor(signal: Signal): FsMeasure[] {
    if (!this.opts.dedicatedImageFs) return ['rootfs', 'logs', 'localVolumes'];
    return signal.startsWith('imagefs.') ? ['rootfs'] : ['logs', 'localVolumes'];
  }

  /** The pods to kill this cycle with their status messages (uses the last observation). */
  decide(pods: Pod[], summary: Summary): EvictionDecision[] {
    const byUid = new Map<string, PodStats>(summary.pods.map((p) => [p.podRef.uid, p]));
    const statsOf = (p: Pod) => byUid.get(p.metadata?.uid ?? '');
    const out: EvictionDecision[] = [];
    for (const pod of pods) {
      const msg = localStorageViolation(pod, statsOf(pod));
      if (msg && !isCriticalPod(pod)) out.push({ pod, message: msg });
    }
    if (out.length > 0) return out;
    const t = this.thresholdToReclaim();
    if (!t) return out;
    const resource = signalResource[t.signal];
    let ranked: Pod[];
    if (t.signal === 'memory.available') ranked = rankForMemory(pods, statsOf);
    else if (t.signal === 'pid.available') ranked = rankForPids(pods, statsOf);
    else ranked = rankForDisk(pods, statsOf, this.measureFor(t.signal), resource);
    const victim = ranked.find((p) => !isCriticalPod(p));
    if (!victim) {
      this.log.warn('eviction: no pod can be evicted to reclaim', { resource });
      return out;
    }
    const o = this.last?.signals[t.signal];
    const met = o
      ? {
          threshold:
            resource === 'memory' || resource === 'ephemeral-storage'
              ? thresholdText(t, o.capacity)
              : Quantity.fromValue(Math.floor(t.quantity ?? o.capacity * (t.percentage ?? 0))).toString(),
          available:
            resource === 'memory' || resource === 'ephemeral-storage'
              ? formatBytes(o.available)
              : Quantity.fromValue(Math.floor(o.available)).toString(),
        }
      : undefined;
    out.push({ pod: victim, resource, message: evictionMessage(resource, victim, statsOf(victim), met) });
    return out;
  }

  podsToEvict(pods: Pod[], summary: Summary): Pod[] {
    return this.decide(pods, summary).map((d) => d.pod);
  }

  /**
   * Whether a new pod may start (upstream `Admit`): always without pressure
   * and for critical pods; under memory pressure alone, unless it is
   * BestEffort without a toleration for the memory-pressure taint; never
   * under disk or PID pressure.
   */
  admit(pod: Pod): { admit: true } | { admit: false; reason: string; message: string } {
    const active = this.activeConditions();
    if (active.length === 0 || isCriticalPod(pod)) return { admit: true };
    if (active.length === 1 && active[0] === 'MemoryPressure') {
      if (qosClass(pod) !== 'BestEffort') return { admit: true };
      if (tolerates(pod.spec?.tolerations ?? [], 'node.kubernetes.io/memory-pressure')) return { admit: true };
    }
    return { admit: false, reason: evictedReason, message: `The node had condition: [${active.join(' ')}]. ` };
  }
}

function tolerates(tolerations: Toleration[], key: string): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== 'NoSchedule') return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === '';
  });
}
