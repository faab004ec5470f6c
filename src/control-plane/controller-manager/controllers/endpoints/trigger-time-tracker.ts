import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { tryParseTime } from '../../../../api/values/time.js';

/** Annotation with the time of the change that caused this endpoints write (for SLO measurement). */
export const lastChangeTriggerTimeAnnotation = 'endpoints.kubernetes.io/last-change-trigger-time';

interface ServiceState {
  podTimes: Map<string, number>;
  serviceTime: number;
}

/**
 * Computes `endpoints.kubernetes.io/last-change-trigger-time` (upstream
 * `endpointutil.TriggerTimeTracker`): the earliest of the trigger times that
 * changed since the previous sync of the Service — a pod's Ready condition
 * `lastTransitionTime`, or the Service's creation — and, for a Service seen
 * for the first time, its creation time. 0 means "no known trigger" (the
 * annotation is then removed). One instance per controller; a key is never
 * synced by two workers at once, so no locking is needed.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, ServiceState>();

  compute(key: string, svc: Service, pods: Pod[]): number {
    const prev = this.states.get(key);
    let min = 0;
    const consider = (t: number) => {
      if (min === 0 || t < min) min = t;
    };
    const podTimes = new Map<string, number>();
    for (const p of pods) {
      const t = podTriggerTime(p);
      if (!t) continue;
      podTimes.set(p.metadata!.name!, t);
      if (t > (prev?.podTimes.get(p.metadata!.name!) ?? 0)) consider(t);
    }
    const serviceTime = tryParseTime(svc.metadata?.creationTimestamp ?? '') ?? 0;
    if (serviceTime > (prev?.serviceTime ?? 0)) consider(serviceTime);
    this.states.set(key, { podTimes, serviceTime });
    return prev ? min : serviceTime;
  }

  forget(key: string): void {
    this.states.delete(key);
  }
}

function podTriggerTime(pod: Pod): number {
  const c = (pod.status?.conditions ?? []).find((x) => x.type === 'Ready');
  return (c?.lastTransitionTime && tryParseTime(c.lastTransitionTime)) || 0;
}
