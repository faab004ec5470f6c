import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import { formatTime } from '../../../../api/values/time.js';

export type ConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export interface ConditionValue {
  type: ConditionType;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/**
 * A working copy of an HPA's status during one sync (upstream mutates
 * hpa.Status in place; this keeps that shape without touching the cached
 * object). Conditions keep their order of first appearance and their
 * lastTransitionTime unless their status changes (upstream setConditionInList).
 */
export class HpaStatusDraft {
  readonly status: HorizontalPodAutoscalerStatus;

  constructor(
    hpa: HorizontalPodAutoscaler,
    private readonly now: () => number,
  ) {
    this.status = structuredClone(hpa.status ?? { desiredReplicas: 0 });
  }

  setCondition(c: ConditionValue): void {
    const list: HorizontalPodAutoscalerCondition[] = (this.status.conditions ??= []);
    let cur = list.find((x) => x.type === c.type);
    if (!cur) {
      cur = { type: c.type, status: '' };
      list.push(cur);
    }
    if (cur.status !== c.status) cur.lastTransitionTime = formatTime(this.now());
    cur.status = c.status;
    cur.reason = c.reason;
    cur.message = c.message;
  }

  /**
   * Upstream setStatus: replicas and metrics replace what was there;
   * conditions and lastScaleTime carry over, the latter renewed on a rescale.
   */
  setStatus(
    currentReplicas: number,
    desiredReplicas: number,
    metrics: MetricStatus[] | undefined,
    rescale: boolean,
  ): void {
    const prev = this.status;
    const next: HorizontalPodAutoscalerStatus = { desiredReplicas };
    // currentReplicas and currentMetrics are omitempty on the wire.
    if (currentReplicas) next.currentReplicas = currentReplicas;
    if (prev.lastScaleTime) next.lastScaleTime = prev.lastScaleTime;
    if (rescale) next.lastScaleTime = formatTime(this.now());
    if (metrics) next.currentMetrics = metrics;
    if (prev.conditions) next.conditions = prev.conditions;
    for (const k of Object.keys(prev) as (keyof HorizontalPodAutoscalerStatus)[]) delete prev[k];
    Object.assign(prev, next);
  }

  /** Upstream setCurrentReplicasAndMetricsInStatus: keeps the previous desiredReplicas. */
  setCurrentReplicasAndMetrics(currentReplicas: number, metrics: MetricStatus[] | undefined): void {
    this.setStatus(currentReplicas, this.status.desiredReplicas ?? 0, metrics, false);
  }
}
