import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from 'kubernetes-types/autoscaling/v2.js';

/**
 * Turning a metric-based recommendation into the replica count to set
 * (upstream horizontal.go normalizeDesiredReplicas[WithBehaviors]):
 * stabilization over recent recommendations, then min/max and rate limits.
 * `ScaleHistory` keeps the per-HPA memory this needs; everything else is a
 * pure function of its arguments and `now` (wall-clock ms).
 */

/** Without behavior, at most max(2 * current, 4) replicas per step (upstream scaleUpLimitFactor/Minimum). */
export const scaleUpLimitFactor = 2;
export const scaleUpLimitMinimum = 4;
/** Default downscale stabilization window (`--horizontal-pod-autoscaler-downscale-stabilization`). */
export const defaultDownscaleStabilizationMs = 5 * 60_000;

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  /** Replicas added (scale-up list) or removed (scale-down list); always positive. */
  change: number;
  at: number;
  outdated: boolean;
}

export interface Decision {
  replicas: number;
  reason: string;
  message: string;
}

/** Upstream default HPAScalingRules (autoscaling/v2 defaults.go), filled into a partial behavior. */
export function withDefaultRules(
  behavior: HorizontalPodAutoscalerBehavior,
  downscaleStabilizationMs: number,
): { scaleUp: Required<HPAScalingRules>; scaleDown: Required<HPAScalingRules> } {
  const up = behavior.scaleUp ?? {};
  const down = behavior.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      // Left unset by defaulting: the controller's flag decides (maybeInitScaleDownStabilizationWindow).
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? Math.trunc(downscaleStabilizationMs / 1000),
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

/** Upstream calculateScaleUpLimit. */
export function calculateScaleUpLimit(currentReplicas: number): number {
  return Math.trunc(Math.max(scaleUpLimitFactor * currentReplicas, scaleUpLimitMinimum));
}

/** Upstream convertDesiredReplicasWithRules: min/max and the fixed scale-up rate of HPAs without behavior. */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
): Decision {
  const scaleUpLimit = calculateScaleUpLimit(currentReplicas);
  let maximum: number;
  let reason: string;
  let message: string;
  if (maxReplicas > scaleUpLimit) {
    maximum = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maximum = maxReplicas;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desiredReplicas < minReplicas) {
    return {
      replicas: minReplicas,
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    };
  }
  if (desiredReplicas > maximum) return { replicas: maximum, reason, message };
  return {
    replicas: desiredReplicas,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

/** Replicas changed by the events newer than `periodSeconds` (upstream getReplicasChangePerPeriod). */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const e of events) if (e.at > cutoff) replicas += e.change;
  return replicas;
}

/** The replica count a rule set allows reaching by scaling up (upstream calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimitWithRules(
  currentReplicas: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: Required<HPAScalingRules>,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? 2 ** 31 - 1 : -(2 ** 31);
  for (const p of rules.policies) {
    const added = replicasChangePerPeriod(p.periodSeconds, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    const periodStart = currentReplicas - added + deleted;
    let proposed = result;
    if (p.type === 'Pods') proposed = periodStart + p.value;
    // Rounded up, or a small target could never grow.
    else if (p.type === 'Percent') proposed = Math.ceil(periodStart * (1 + p.value / 100));
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** The replica count a rule set allows reaching by scaling down (upstream calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimitWithRules(
  currentReplicas: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: Required<HPAScalingRules>,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const useMin = rules.selectPolicy === 'Min';
  // For scaling down the smallest change is the largest result.
  let result = useMin ? -(2 ** 31) : 2 ** 31 - 1;
  for (const p of rules.policies) {
    const added = replicasChangePerPeriod(p.periodSeconds, upEvents, now);
    const deleted = replicasChangePerPeriod(p.periodSeconds, downEvents, now);
    const periodStart = currentReplicas - added + deleted;
    let proposed = result;
    if (p.type === 'Pods') proposed = periodStart - p.value;
    else if (p.type === 'Percent') proposed = Math.trunc(periodStart * (1 - p.value / 100));
    result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

export interface BehaviorArgs {
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  scaleUp: Required<HPAScalingRules>;
  scaleDown: Required<HPAScalingRules>;
}

/** Upstream convertDesiredReplicasWithBehaviorRate: min/max and the behavior's rate policies. */
export function convertDesiredReplicasWithBehaviorRate(
  a: BehaviorArgs,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  now: number,
): Decision {
  if (a.desiredReplicas > a.currentReplicas) {
    const limit = Math.max(
      scaleUpLimitWithRules(a.currentReplicas, upEvents, downEvents, a.scaleUp, now),
      a.currentReplicas,
    );
    let maximum = a.maxReplicas;
    let reason = 'TooManyReplicas';
    let message = 'the desired replica count is more than the maximum replica count';
    if (maximum > limit) {
      maximum = limit;
      reason = 'ScaleUpLimit';
      message = 'the desired replica count is increasing faster than the maximum scale rate';
    }
    if (a.desiredReplicas > maximum) return { replicas: maximum, reason, message };
  } else if (a.desiredReplicas < a.currentReplicas) {
    const limit = Math.min(
      scaleDownLimitWithRules(a.currentReplicas, upEvents, downEvents, a.scaleDown, now),
      a.currentReplicas,
    );
    let minimum = a.minReplicas;
    let reason = 'TooFewReplicas';
    let message = 'the desired replica count is less than the minimum replica count';
    if (minimum < limit) {
      minimum = limit;
      reason = 'ScaleDownLimit';
      message = 'the desired replica count is decreasing faster than the maximum scale rate';
    }
    if (a.desiredReplicas < minimum) return { replicas: minimum, reason, message };
  }
  return {
    replicas: a.desiredReplicas,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

function longestPolicyPeriod(rules: Required<HPAScalingRules>): number {
  let longest = 0;
  for (const p of rules.policies) longest = Math.max(longest, p.periodSeconds);
  return longest;
}

/**
 * What the controller remembers per HPA key between syncs (upstream's
 * recommendations, scaleUpEvents and scaleDownEvents maps). Old entries are
 * reused in place, so each list stays as long as its window needs.
 */
export class ScaleHistory {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();

  /** Seeds the recommendations of a new HPA with the current scale (upstream recordInitialRecommendation). */
  recordInitial(key: string, currentReplicas: number, now: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: currentReplicas, at: now }]);
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  scaleUpEvents(key: string): readonly ScaleEvent[] {
    return this.upEvents.get(key) ?? [];
  }

  scaleDownEvents(key: string): readonly ScaleEvent[] {
    return this.downEvents.get(key) ?? [];
  }

  private record(key: string, replicas: number, now: number, isOld: (r: Recommendation) => boolean): void {
    const list = this.recommendations.get(key) ?? [];
    let old = -1;
    list.forEach((r, i) => {
      if (isOld(r)) old = i;
    });
    if (old >= 0) list[old] = { replicas, at: now };
    else list.push({ replicas, at: now });
    this.recommendations.set(key, list);
  }

  /**
   * Without behavior: the highest recommendation within the downscale
   * window, recording this one (upstream stabilizeRecommendation).
   */
  stabilize(key: string, desired: number, windowMs: number, now: number): number {
    const cutoff = now - windowMs;
    let max = desired;
    for (const r of this.recommendations.get(key) ?? []) if (r.at >= cutoff && r.replicas > max) max = r.replicas;
    this.record(key, desired, now, (r) => r.at < cutoff);
    return max;
  }

  /**
   * With behavior: clamp the current count between the lowest recommendation
   * of the scale-up window and the highest of the scale-down window
   * (upstream stabilizeRecommendationWithBehaviors).
   */
  stabilizeWithBehaviors(key: string, a: BehaviorArgs, now: number): Decision {
    const upCutoff = now - a.scaleUp.stabilizationWindowSeconds * 1000;
    const downCutoff = now - a.scaleDown.stabilizationWindowSeconds * 1000;
    let up = a.desiredReplicas;
    let down = a.desiredReplicas;
    for (const r of this.recommendations.get(key) ?? []) {
      if (r.at > upCutoff) up = Math.min(r.replicas, up);
      if (r.at > downCutoff) down = Math.max(r.replicas, down);
    }
    let replicas = a.currentReplicas;
    if (replicas < up) replicas = up;
    if (replicas > down) replicas = down;
    this.record(key, a.desiredReplicas, now, (r) => r.at < upCutoff && r.at < downCutoff);
    return a.desiredReplicas >= a.currentReplicas
      ? {
          replicas,
          reason: 'ScaleUpStabilized',
          message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
        }
      : {
          replicas,
          reason: 'ScaleDownStabilized',
          message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
        };
  }

  /** Remembers a rescale for the rate policies (upstream storeScaleEvent); HPAs without behavior keep none. */
  storeScaleEvent(
    rules: { scaleUp: Required<HPAScalingRules>; scaleDown: Required<HPAScalingRules> } | undefined,
    key: string,
    prev: number,
    next: number,
    now: number,
  ): void {
    if (!rules) return;
    const up = next > prev;
    const map = up ? this.upEvents : this.downEvents;
    const cutoff = now - longestPolicyPeriod(up ? rules.scaleUp : rules.scaleDown) * 1000;
    const list = map.get(key) ?? [];
    let old = -1;
    list.forEach((e, i) => {
      if (e.at < cutoff) e.outdated = true;
      if (e.outdated) old = i;
    });
    const event: ScaleEvent = { change: Math.abs(next - prev), at: now, outdated: false };
    if (old >= 0) list[old] = event;
    else list.push(event);
    map.set(key, list);
  }
}
