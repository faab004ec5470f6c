import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, Plugin, QueuedPodInfo } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { goDuration } from '../../framework/waiting-pods.js';
import { Code, Status } from '../../framework/status.js';
import { Names } from '../names.js';

/** RFC 3339 time by which the pod should be scheduled. */
export const DeadlineAnnotation = 'scheduling.kubets.io/deadline';

/** The pod's deadline in ms since the epoch, or Infinity when it has none (or it is unparsable). */
export function deadlineOf(pod: Pod): number {
  const v = pod.metadata?.annotations?.[DeadlineAnnotation];
  if (!v) return Infinity;
  const t = Date.parse(v);
  return Number.isNaN(t) ? Infinity : t;
}

const MaxReported = 10_000;

/**
 * QueueSort (beyond upstream): higher priority first; within a priority the
 * earliest deadline first (pods without one after those with one), then
 * queue order. A pod still unscheduled after its deadline gets a
 * `DeadlineMissed` warning event (once), and so does one bound late.
 */
export class DeadlineSort implements Plugin {
  readonly name = Names.DeadlineSort;
  private readonly reported = new Set<string>();

  constructor(private readonly handle: Handle) {}

  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
    const pa = a.podInfo.priority;
    const pb = b.podInfo.priority;
    if (pa !== pb) return pa > pb;
    const da = deadlineOf(a.podInfo.pod);
    const db = deadlineOf(b.podInfo.pod);
    if (da !== db) return da < db;
    return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
  }

  /** Reports a missed deadline at the first attempt after it passed; never filters. */
  preFilter(_s: CycleState, pi: PodInfo): Status | null {
    const d = deadlineOf(pi.pod);
    const now = this.handle.clock.now();
    if (d < now && !this.reported.has(pi.uid)) {
      this.remember(pi.uid);
      this.handle.eventRecorder.event(
        pi.pod,
        'Warning',
        'DeadlineMissed',
        `pod is still unscheduled ${goDuration(now - d)} after its deadline ${new Date(d).toISOString()}`,
      );
    }
    return new Status(Code.Skip);
  }

  postBind(_s: CycleState, pi: PodInfo, nodeName: string): void {
    const d = deadlineOf(pi.pod);
    const now = this.handle.clock.now();
    if (d < now && !this.reported.has(pi.uid)) {
      this.handle.eventRecorder.event(
        pi.pod,
        'Warning',
        'DeadlineMissed',
        `pod was bound to ${nodeName} ${goDuration(now - d)} after its deadline ${new Date(d).toISOString()}`,
      );
    }
    this.reported.delete(pi.uid);
  }

  private remember(uid: string): void {
    if (this.reported.size >= MaxReported) this.reported.clear();
    this.reported.add(uid);
  }
}

export const newDeadlineSort = (_a: unknown, h: Handle): Plugin => new DeadlineSort(h);
