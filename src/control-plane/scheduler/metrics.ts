/**
 * kube-scheduler's `/metrics` with upstream's stable names:
 * - `scheduler_pending_pods{queue}` — the scheduling queue's active, backoff,
 *   unschedulable and gated pods, read on scrape;
 * - `scheduler_schedule_attempts_total{result,profile}` and
 *   `scheduler_scheduling_attempt_duration_seconds{result,profile}` — one
 *   per scheduling attempt, from its start (the pop that begins the cycle)
 *   to its outcome: bound (`scheduled`), rejected by the plugins
 *   (`unschedulable`) or failed (`error`);
 * - `leader_election_master_status{name="kube-scheduler"}` with leader election.
 *
 * Outcomes are observed at the scheduler's existing seams rather than inside
 * its cycle: `scheduleOne` marks the start, and the `Scheduled` /
 * `FailedScheduling` events every attempt ends with mark the result (the
 * same events upstream records next to its metric updates). `observe` is
 * idempotent per Scheduler, so a composition root can call it for every
 * incarnation (a re-elected leader gets a fresh Scheduler).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { Exposition, Histogram, exponentialBuckets } from '../../lib/prometheus-text.js';
import type { QueuedPodInfo } from './framework/interfaces.js';
import type { Scheduler } from './scheduler.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** Upstream's attempt-duration buckets: 1 ms doubling 15 times. */
const attemptBuckets = exponentialBuckets(0.001, 2, 15);
const maxInFlightAttempts = 100_000;
/** A FitError's summary, or upstream ErrNoNodesAvailable (UnschedulableAndUnresolvable, so counted as unschedulable). */
const rejectedMessage = /^(\d+\/\d+ nodes are available|no nodes available to schedule pods)/;

/** Classifies a FailedScheduling event message; undefined when it ends no attempt (a deleted pod is skipped). */
export function failureResult(message: string): AttemptResult | undefined {
  if (message.startsWith('skip schedule deleting pod')) return undefined;
  return rejectedMessage.test(message) ? 'unschedulable' : 'error';
}

const uidOf = (pod: Pod) => pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const profileOf = (pod: Pod) => pod.spec?.schedulerName || 'default-scheduler';

export class SchedulerMetrics {
  private readonly attempts = new Map<string, { result: AttemptResult; profile: string; count: number }>();
  private readonly durations = new Map<string, { result: AttemptResult; profile: string; h: Histogram }>();
  /** Start (monotonic ms) of each pod's attempt in progress, by UID. */
  private readonly started = new Map<string, number>();
  private readonly observed = new WeakSet<Scheduler>();
  private readonly clock: Clock;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? realClock;
  }

  /** Records one finished attempt (also the seam for a scheduler that reports outcomes itself). */
  attempt(result: AttemptResult, profile: string, seconds: number): void {
    const key = `${result}\0${profile}`;
    const a = this.attempts.get(key) ?? { result, profile, count: 0 };
    a.count++;
    this.attempts.set(key, a);
    let d = this.durations.get(key);
    if (!d) this.durations.set(key, (d = { result, profile, h: new Histogram(attemptBuckets) }));
    d.h.observe(seconds);
  }

  /** Attempts recorded so far with this result (any profile). */
  count(result: AttemptResult): number {
    let n = 0;
    for (const a of this.attempts.values()) if (a.result === result) n += a.count;
    return n;
  }

  /** Starts observing `scheduler`'s attempts; calling it again for the same instance does nothing. */
  observe(scheduler: Scheduler): void {
    if (this.observed.has(scheduler)) return;
    this.observed.add(scheduler);
    const scheduleOne = scheduler.scheduleOne.bind(scheduler);
    scheduler.scheduleOne = (qpi: QueuedPodInfo) => {
      // Attempts that end without an event (pod deleted meanwhile) leave an entry; keep that bounded.
      if (this.started.size >= maxInFlightAttempts) this.started.clear();
      this.started.set(qpi.podInfo.uid, this.clock.monotonic());
      scheduleOne(qpi);
    };
    // Profiles share one events port; wrap each distinct recorder once.
    const recorders = new Set([...scheduler.profiles.values()].map((fw) => fw.eventRecorder));
    for (const recorder of recorders) {
      const event = recorder.event.bind(recorder);
      recorder.event = (obj, type, reason, message) => {
        if (obj.kind !== 'Node' && (reason === 'Scheduled' || reason === 'FailedScheduling'))
          this.finish(obj as Pod, reason === 'Scheduled' ? 'scheduled' : failureResult(message));
        event(obj, type, reason, message);
      };
    }
  }

  private finish(pod: Pod, result: AttemptResult | undefined): void {
    const uid = uidOf(pod);
    const start = this.started.get(uid);
    this.started.delete(uid);
    if (result === undefined) return;
    const seconds = start === undefined ? 0 : Math.max(0, this.clock.monotonic() - start) / 1000;
    this.attempt(result, profileOf(pod), seconds);
  }

  /** The exposition; `scheduler` is the current incarnation (its queue gives the pending pods). */
  render(scheduler: Scheduler | undefined, leader?: { isLeader(): boolean }): string {
    const pending = scheduler?.queue.pendingPods() ?? { active: 0, backoff: 0, unschedulable: 0, gated: 0 };
    const series = [...this.attempts.values()].sort((a, b) =>
      `${a.result}\0${a.profile}` < `${b.result}\0${b.profile}` ? -1 : 1,
    );
    const out = new Exposition()
      .gauge(
        'scheduler_pending_pods',
        "[STABLE] Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
        (['active', 'backoff', 'unschedulable', 'gated'] as const).map((queue) => ({
          labels: { queue },
          value: pending[queue],
        })),
      )
      .counter(
        'scheduler_schedule_attempts_total',
        "[STABLE] Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
        series.map((a) => ({ labels: { profile: a.profile, result: a.result }, value: a.count })),
      )
      .histogram(
        'scheduler_scheduling_attempt_duration_seconds',
        '[STABLE] Scheduling attempt latency in seconds (scheduling algorithm + binding)',
        series.map((a) =>
          this.durations.get(`${a.result}\0${a.profile}`)!.h.sample({ profile: a.profile, result: a.result }),
        ),
      );
    if (leader) {
      out.gauge(
        'leader_election_master_status',
        "[ALPHA] Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
        [{ labels: { name: 'kube-scheduler' }, value: leader.isLeader() ? 1 : 0 }],
      );
    }
    return out.toString();
  }
}
