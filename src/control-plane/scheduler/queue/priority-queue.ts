import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, Timer } from '../../../lib/clock.js';
import { AbortError } from '../../../lib/abort.js';
import { nullLogger, type Logger } from '../../../lib/log.js';
import {
  Events,
  podUpdateEvents,
  type ClusterEvent,
  type ClusterEventWithHint,
  type EventResource,
} from '../framework/events.js';
import type { NominatingInfo, QueuedPodInfo } from '../framework/interfaces.js';
import { PodInfo } from '../framework/pod-info.js';
import type { Status } from '../framework/status.js';
import { Heap } from './heap.js';
import { Nominator } from './nominator.js';
import { RequeuePolicy, type Strategy } from './requeue-policy.js';

/** What the queue needs from a profile. */
export interface QueueProfile {
  /** The first PreEnqueue rejection (attributed to its plugin), or null. */
  runPreEnqueuePlugins(pod: PodInfo): Status | null;
  /** Plugin -> events that may resolve its rejections. */
  queueingHints: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
}

export interface PriorityQueueOptions {
  clock: Clock;
  /** QueueSort of the profiles (all profiles share one). */
  less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** The profile for a pod's spec.schedulerName. */
  profileFor: (schedulerName: string) => QueueProfile | undefined;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Pods unschedulable for longer are retried anyway (upstream 5 minutes). */
  podMaxInUnschedulablePodsDurationMs?: number;
  /** Whether a pod still exists unassigned (nominations of gone pods are dropped). */
  isLive?: (pod: Pod) => boolean;
  log?: Logger;
}

interface InFlightEvent {
  seq: number;
  event: ClusterEvent;
  oldObj: unknown;
  newObj: unknown;
}

interface Waiter {
  resolve: (q: QueuedPodInfo) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

const uidOf = (pod: Pod) => pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const schedulerNameOf = (pod: Pod) => pod.spec?.schedulerName ?? 'default-scheduler';

/**
 * The scheduling queue (upstream internal/queue PriorityQueue): activeQ (a
 * heap in QueueSort order) feeds the scheduler; backoffQ holds pods until
 * their backoff (1 s doubling per attempt, capped at 10 s) expires;
 * unschedulablePods holds pods rejected by plugins until a cluster event the
 * rejecting plugins registered for (and whose QueueingHint says Queue)
 * arrives, or 5 minutes pass. Events seen while a pod is being scheduled are
 * kept and consulted when that pod comes back unschedulable.
 */
export class PriorityQueue {
  private readonly clock: Clock;
  private readonly activeQ: Heap<QueuedPodInfo>;
  private readonly backoffQ: Heap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, number>();
  private inFlightEvents: InFlightEvent[] = [];
  private seq = 0;
  private cycle = 0;
  private readonly waiters: Waiter[] = [];
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly profileFor: (schedulerName: string) => QueueProfile | undefined;
  private readonly log: Logger;
  private timers: Timer[] = [];
  private closed = false;
  readonly nominator: Nominator;
  private readonly policy: RequeuePolicy;

  constructor(opts: PriorityQueueOptions) {
    this.clock = opts.clock;
    this.activeQ = new Heap((q) => q.podInfo.uid, opts.less);
    this.backoffQ = new Heap(
      (q) => q.podInfo.uid,
      (a, b) => this.backoffTime(a) < this.backoffTime(b),
    );
    this.initialBackoff = opts.podInitialBackoffMs ?? 1000;
    this.maxBackoff = opts.podMaxBackoffMs ?? 10_000;
    this.maxUnschedulable = opts.podMaxInUnschedulablePodsDurationMs ?? 5 * 60 * 1000;
    this.profileFor = opts.profileFor;
    this.log = opts.log ?? nullLogger;
    this.nominator = new Nominator(opts.isLive);
    this.policy = new RequeuePolicy((name) => this.profileFor(name), this.log);
  }

  /** Starts the periodic flushes: backoffQ every second, leftover unschedulable pods every 30 s. */
  run(): void {
    if (this.timers.length) return;
    this.timers.push(this.clock.setInterval(() => this.flushBackoffQCompleted(), 1000));
    this.timers.push(this.clock.setInterval(() => this.flushUnschedulablePodsLeftover(), 30_000));
  }

  /** Stops the flushes and rejects pending pops with an AbortError. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new AbortError('scheduling queue closed'));
    }
  }

  private seqCounter = 0;

  private newQueuedPodInfo(pod: Pod, pi?: PodInfo): QueuedPodInfo {
    return {
      podInfo: pi ?? new PodInfo(pod),
      timestamp: this.clock.now(),
      seq: ++this.seqCounter,
      attempts: 0,
      initialAttemptTimestamp: undefined,
      unschedulablePlugins: new Set(),
      pendingPlugins: new Set(),
      gated: false,
      gatingPlugin: '',
    };
  }

  // ---- adding and popping ----

  /** A new unscheduled pod. */
  add(pod: Pod, pi?: PodInfo): void {
    const q = this.newQueuedPodInfo(pod, pi);
    if (this.moveToActiveQ(q, Events.UnscheduledPodAdd.label)) this.broadcast();
  }

  /** Runs PreEnqueue; a gated pod parks in unschedulablePods, others join activeQ. */
  private moveToActiveQ(q: QueuedPodInfo, event: string): boolean {
    const uid = q.podInfo.uid;
    const profile = this.profileFor(schedulerNameOf(q.podInfo.pod));
    const s = profile?.runPreEnqueuePlugins(q.podInfo) ?? null;
    q.gated = s !== null;
    q.gatingPlugin = s?.plugin ?? '';
    if (s !== null) {
      q.unschedulablePlugins.add(s.plugin);
      if (this.activeQ.has(uid) || this.backoffQ.has(uid)) return false;
      this.unschedulable.set(uid, q);
      return false;
    }
    if (q.initialAttemptTimestamp === undefined) q.initialAttemptTimestamp = this.clock.now();
    this.activeQ.addOrUpdate(q);
    this.unschedulable.delete(uid);
    this.backoffQ.delete(uid);
    if (event === Events.UnscheduledPodAdd.label || event === 'UnscheduledPodUpdate') this.nominator.add(q.podInfo);
    return true;
  }

  /** Pops the next pod without waiting; undefined when activeQ is empty. */
  tryPop(): QueuedPodInfo | undefined {
    if (this.activeQ.size === 0) this.flushBackoffQCompleted();
    const q = this.activeQ.pop();
    if (!q) return undefined;
    this.cycle++;
    q.attempts++;
    this.inFlight.set(q.podInfo.uid, this.seq);
    q.unschedulablePlugins = new Set();
    q.pendingPlugins = new Set();
    return q;
  }

  /** The next pod to schedule; waits until one is available or `signal` aborts. */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo> {
    const q = this.tryPop();
    if (q) return Promise.resolve(q);
    if (this.closed) return Promise.reject(new AbortError('scheduling queue closed'));
    if (signal?.aborted) return Promise.reject(signal.reason ?? new AbortError());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason ?? new AbortError());
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private broadcast(): void {
    while (this.waiters.length && this.activeQ.size) {
      const q = this.tryPop()!;
      const w = this.waiters.shift()!;
      w.cleanup();
      w.resolve(q);
    }
  }

  /** The number of pods popped so far. */
  schedulingCycle(): number {
    return this.cycle;
  }

  /** The pod's scheduling attempt ended (success or failure); its recorded events can go. */
  done(uid: string): void {
    if (!this.inFlight.delete(uid)) return;
    if (this.inFlight.size === 0) {
      this.inFlightEvents = [];
      return;
    }
    let min = Infinity;
    for (const s of this.inFlight.values()) if (s < min) min = s;
    let drop = 0;
    while (drop < this.inFlightEvents.length && this.inFlightEvents[drop]!.seq <= min) drop++;
    if (drop > 0) this.inFlightEvents = this.inFlightEvents.slice(drop);
  }

  // ---- failure ----

  /**
   * A pod whose attempt failed comes back (upstream
   * AddUnschedulableIfNotPresent): if an event recorded during its attempt
   * may resolve its rejection it goes to backoffQ/activeQ, else it parks in
   * unschedulablePods.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const uid = q.podInfo.uid;
    const startSeq = this.inFlight.get(uid);
    try {
      if (this.unschedulable.has(uid) || this.activeQ.has(uid) || this.backoffQ.has(uid)) return;
      q.timestamp = this.clock.now();
      q.seq = ++this.seqCounter;
      const strategy = this.hintForInFlightPod(q, startSeq);
      if (this.requeue(q, strategy, 'ScheduleAttemptFailure') === 'activeQ') this.broadcast();
    } finally {
      this.done(uid);
    }
  }

  private hintForInFlightPod(q: QueuedPodInfo, startSeq: number | undefined): Strategy {
    if (q.unschedulablePlugins.size === 0 && q.pendingPlugins.size === 0) return 'afterBackoff';
    if (startSeq === undefined) return 'skip';
    let strategy: Strategy = 'skip';
    for (const e of this.inFlightEvents) {
      if (e.seq <= startSeq) continue;
      const s = this.isPodWorthRequeuing(q, e.event, e.oldObj, e.newObj);
      if (s === 'immediately') return s;
      if (s === 'afterBackoff') {
        strategy = s;
        if (q.pendingPlugins.size === 0) return s;
      }
    }
    return strategy;
  }

  private requeue(q: QueuedPodInfo, strategy: Strategy, event: string): 'activeQ' | 'backoffQ' | 'unschedulable' {
    const uid = q.podInfo.uid;
    if (strategy === 'skip') {
      this.unschedulable.set(uid, q);
      return 'unschedulable';
    }
    if (strategy === 'afterBackoff' && this.isBackingOff(q)) {
      this.unschedulable.delete(uid);
      this.backoffQ.addOrUpdate(q);
      return 'backoffQ';
    }
    if (this.moveToActiveQ(q, event)) return 'activeQ';
    if (!q.gated) this.unschedulable.set(uid, q);
    return 'unschedulable';
  }

  // ---- backoff ----

  /** Backoff after `attempts` failures: 0 before any attempt, then initial * 2^(attempts-1), capped. */
  backoffDuration(q: QueuedPodInfo): number {
    if (q.attempts === 0) return 0;
    let d = this.initialBackoff;
    for (let i = 1; i < q.attempts; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return d;
  }

  backoffTime(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPodInfo): boolean {
    if (q.gated) return false;
    return this.backoffTime(q) > this.clock.now();
  }

  /** Moves pods whose backoff expired to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.clock.now();
    let moved = false;
    for (;;) {
      const q = this.backoffQ.peek();
      if (!q || this.backoffTime(q) > now) break;
      this.backoffQ.pop();
      if (this.moveToActiveQ(q, 'BackoffComplete')) moved = true;
    }
    if (moved) this.broadcast();
  }

  /** Pods unschedulable for longer than the limit are retried (event UnschedulableTimeout). */
  flushUnschedulablePodsLeftover(): void {
    const now = this.clock.now();
    const stale: QueuedPodInfo[] = [];
    for (const q of this.unschedulable.values()) if (now - q.timestamp > this.maxUnschedulable) stale.push(q);
    if (stale.length) this.movePods(stale, Events.UnschedulableTimeout, undefined, undefined);
  }

  // ---- events ----

  /**
   * A cluster event: every unschedulable pod (passing `preCheck`) whose
   * rejecting plugins registered for it, with a hint saying Queue, moves to
   * backoffQ or activeQ.
   */
  moveAllToActiveOrBackoffQueue(
    event: ClusterEvent,
    oldObj: unknown,
    newObj: unknown,
    preCheck?: (pod: Pod) => boolean,
  ): void {
    if (!this.isEventOfInterest(event)) return;
    const pods: QueuedPodInfo[] = [];
    for (const q of this.unschedulable.values()) if (!preCheck || preCheck(q.podInfo.pod)) pods.push(q);
    this.movePods(pods, event, oldObj, newObj);
  }

  private movePods(pods: QueuedPodInfo[], event: ClusterEvent, oldObj: unknown, newObj: unknown): void {
    if (!this.isEventOfInterest(event)) return;
    let activated = false;
    for (const q of pods) {
      // Gated pods change only through their own updates.
      if (q.gated) continue;
      const s = this.isPodWorthRequeuing(q, event, oldObj, newObj);
      if (s === 'skip') continue;
      this.unschedulable.delete(q.podInfo.uid);
      if (this.requeue(q, s, event.label) === 'activeQ') activated = true;
    }
    if (this.inFlight.size > 0) this.inFlightEvents.push({ seq: ++this.seq, event, oldObj, newObj });
    if (activated) this.broadcast();
  }

  /** Records which events any profile's plugins registered (call after profiles are built). */
  setEventsOfInterest(events: readonly { resource: EventResource; actionType: number }[]): void {
    this.policy.setEventsOfInterest(events);
  }

  private isEventOfInterest(event: ClusterEvent): boolean {
    return this.policy.isEventOfInterest(event);
  }

  private isPodWorthRequeuing(q: QueuedPodInfo, event: ClusterEvent, oldObj: unknown, newObj: unknown): Strategy {
    return this.policy.strategy(q, event, oldObj, newObj);
  }

  // ---- pod updates ----

  /** An unscheduled pod changed (upstream Update). */
  update(oldPod: Pod | undefined, newPod: Pod): void {
    const uid = uidOf(newPod);
    const events = oldPod ? podUpdateEvents(oldPod, newPod) : [];
    if (this.inFlight.has(uid)) {
      // Being scheduled: remember the change in case the attempt fails.
      for (const e of events) this.inFlightEvents.push({ seq: ++this.seq, event: e, oldObj: oldPod, newObj: newPod });
      return;
    }
    const inActive = this.activeQ.get(uid);
    if (inActive) {
      inActive.podInfo = PodInfo.update(inActive.podInfo, newPod);
      this.activeQ.addOrUpdate(inActive);
      if (oldPod) this.nominator.update(oldPod, inActive.podInfo);
      return;
    }
    const inBackoff = this.backoffQ.get(uid);
    if (inBackoff) {
      inBackoff.podInfo = PodInfo.update(inBackoff.podInfo, newPod);
      this.backoffQ.addOrUpdate(inBackoff);
      if (oldPod) this.nominator.update(oldPod, inBackoff.podInfo);
      return;
    }
    const parked = this.unschedulable.get(uid);
    if (parked) {
      parked.podInfo = PodInfo.update(parked.podInfo, newPod);
      if (oldPod) this.nominator.update(oldPod, parked.podInfo);
      for (const e of events) {
        const s = this.isPodWorthRequeuing(parked, e, oldPod, newPod);
        const where = this.requeue(parked, s, e.label);
        if (where !== 'unschedulable') this.unschedulable.delete(uid);
        if (where === 'activeQ') {
          this.broadcast();
          break;
        }
      }
      return;
    }
    const q = this.newQueuedPodInfo(newPod);
    if (this.moveToActiveQ(q, 'UnscheduledPodUpdate')) this.broadcast();
  }

  /** An unscheduled pod was deleted (or got assigned). */
  delete(pod: Pod): void {
    const uid = uidOf(pod);
    this.nominator.delete(pod);
    if (this.activeQ.delete(uid)) return;
    this.backoffQ.delete(uid);
    this.unschedulable.delete(uid);
  }

  /** Moves the given pods (if parked or backing off) straight to activeQ (upstream Activate). */
  activate(pods: readonly Pod[]): void {
    let activated = false;
    for (const pod of pods) {
      const uid = uidOf(pod);
      const q = this.unschedulable.get(uid) ?? this.backoffQ.get(uid);
      if (!q) {
        if (this.inFlight.has(uid))
          this.inFlightEvents.push({ seq: ++this.seq, event: Events.ForceActivate, oldObj: undefined, newObj: pod });
        continue;
      }
      if (this.moveToActiveQ(q, Events.ForceActivate.label)) activated = true;
    }
    if (activated) this.broadcast();
  }

  /** Records or clears a pod's nomination (upstream AddNominatedPod). */
  addNominatedPod(pi: PodInfo, info?: NominatingInfo): void {
    this.nominator.add(pi, info);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.nominator.podsForNode(nodeName);
  }

  // ---- introspection ----

  /** Pods per internal queue (upstream PendingPods summary). */
  pendingPods(): { active: number; backoff: number; unschedulable: number; gated: number } {
    let gated = 0;
    for (const q of this.unschedulable.values()) if (q.gated) gated++;
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size,
      unschedulable: this.unschedulable.size - gated,
      gated,
    };
  }

  /** Where a pod is: 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inFlight' | undefined. */
  whereIs(uid: string): 'active' | 'backoff' | 'unschedulable' | 'gated' | 'inFlight' | undefined {
    if (this.activeQ.has(uid)) return 'active';
    if (this.backoffQ.has(uid)) return 'backoff';
    const u = this.unschedulable.get(uid);
    if (u) return u.gated ? 'gated' : 'unschedulable';
    if (this.inFlight.has(uid)) return 'inFlight';
    return undefined;
  }

  /** The queued entry of a pod in any internal queue. */
  get(uid: string): QueuedPodInfo | undefined {
    return this.activeQ.get(uid) ?? this.backoffQ.get(uid) ?? this.unschedulable.get(uid);
  }

  get inFlightEventCount(): number {
    return this.inFlightEvents.length;
  }
}
