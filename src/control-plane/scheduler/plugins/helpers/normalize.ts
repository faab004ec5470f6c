import { MaxNodeScore } from '../../framework/interfaces.js';

/**
 * Scales scores to [0, maxPriority] by the highest score, integer division
 * as upstream; `reverse` turns "more is worse" counts into scores. All-zero
 * scores stay 0 (or become maxPriority when reversed).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}

export { MaxNodeScore };
