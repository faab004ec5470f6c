import type { Pod } from 'kubernetes-types/core/v1.js';
import { getFinishedTime } from './job-util.js';

/** Upstream DefaultJobPodFailureBackOff: the delay before replacing a pod after one failure. */
export const defaultPodFailureBackoffMs = 10_000;
/** Upstream MaxJobPodFailureBackOff (v1.32 job_controller.go): the cap of the doubling delay. */
export const maxPodFailureBackoffMs = 10 * 60_000;

/** Consecutive failures since the last success, and when the latest of them happened. */
export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  /** Epoch ms of the last counted failure; undefined when none. */
  lastFailureTime?: number;
}

const byFinish = (pods: readonly Pod[]) => pods.map((p) => getFinishedTime(p)).sort((a, b) => a - b);

/**
 * The per-Job memory of pod failures that spaces pod re-creation out
 * exponentially (upstream backoffStore). It lives in the controller only: a
 * restart forgets it, as upstream's does.
 */
export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /**
   * The record after this sync's newly finished pods (upstream
   * newBackoffRecord): a success resets the count, and failures finished
   * after the latest success are counted from there.
   */
  newRecord(key: string, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
    const old = this.records.get(key);
    const rec: BackoffRecord = {
      key,
      failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0,
      lastFailureTime: old?.lastFailureTime,
    };
    const failed = byFinish(newFailed);
    if (newSucceeded.length === 0) {
      if (failed.length === 0) return rec;
      rec.failuresAfterLastSuccess += failed.length;
      rec.lastFailureTime = failed[failed.length - 1];
      return rec;
    }
    rec.failuresAfterLastSuccess = 0;
    rec.lastFailureTime = undefined;
    const lastSuccess = byFinish(newSucceeded).at(-1)!;
    for (let i = failed.length - 1; i >= 0; i--) {
      if (!(failed[i]! > lastSuccess)) break;
      rec.lastFailureTime ??= failed[i];
      rec.failuresAfterLastSuccess++;
    }
    return rec;
  }

  update(rec: BackoffRecord): void {
    this.records.set(rec.key, { ...rec });
  }

  remove(key: string): void {
    this.records.delete(key);
  }

  get(key: string): BackoffRecord | undefined {
    return this.records.get(key);
  }
}

/**
 * Time left before a replacement may be created (upstream
 * getRemainingTimeForFailuresCount): base * 2^(failures-1), capped, counted
 * from the last failure; 0 when there is nothing to wait for.
 */
export function remainingBackoffMs(
  failures: number,
  lastFailureTime: number | undefined,
  nowMs: number,
  baseMs = defaultPodFailureBackoffMs,
  maxMs = maxPodFailureBackoffMs,
): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < failures; i++) {
    delay *= 2;
    if (delay >= maxMs) {
      delay = maxMs;
      break;
    }
  }
  const elapsed = nowMs - lastFailureTime;
  return delay < elapsed ? 0 : delay - elapsed;
}
