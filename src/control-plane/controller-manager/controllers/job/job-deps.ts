import type { Job } from 'kubernetes-types/batch/v1.js';
import type { EventRecorder, EventSubject, ResourceClient } from '../../../../client/index.js';
import type { Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import type { ControllerExpectations } from '../replicaset/expectations.js';
import type { FinalizerExpectations } from './finalizer-expectations.js';
import type { JobPodControl } from './job-pod-control.js';
import type { BackoffStore } from './pod-backoff.js';

/** Tunables; the defaults are upstream's constants, tests shorten them. */
export interface JobControllerOptions {
  /** Delay that batches pod events into one sync (upstream syncJobBatchPeriod, 1 s). */
  syncBatchPeriodMs: number;
  /** Pod re-creation backoff after one failure (upstream DefaultJobPodFailureBackOff, 10 s). */
  podFailureBackoffMs: number;
  /** Cap of the doubling pod re-creation backoff (upstream MaxJobPodFailureBackOff, 10 min). */
  maxPodFailureBackoffMs: number;
  /** Retry backoff after a failed sync (upstream DefaultJobApiBackOff 1 s .. MaxJobApiBackOff 1 min). */
  apiBackoffMs: number;
  maxApiBackoffMs: number;
}

export const defaultJobControllerOptions: JobControllerOptions = {
  syncBatchPeriodMs: 1000,
  podFailureBackoffMs: 10_000,
  maxPodFailureBackoffMs: 10 * 60_000,
  apiBackoffMs: 1000,
  maxApiBackoffMs: 60_000,
};

/** Upstream MaxUncountedPods: bounds status.uncountedTerminatedPods (and finalizer removals per sync). */
export const maxUncountedPods = 500;
/** Upstream MaxPodCreateDeletePerSync. */
export const maxPodCreateDeletePerSync = 500;

/** What the sync functions need from the controller. */
export interface JobDeps {
  clock: Clock;
  log: Logger;
  options: JobControllerOptions;
  jobs: ResourceClient<Job>;
  podControl: JobPodControl;
  recorder: EventRecorder;
  expectations: ControllerExpectations;
  finalizerExpectations: FinalizerExpectations;
  backoff: BackoffStore;
  /** Re-queues the Job's key after `delayMs` (never sooner than the batch period). */
  enqueueAfter(key: string, delayMs: number): void;
}

/** The Job as an event subject (cached objects may lack apiVersion/kind). */
export function jobSubject(job: Job): EventSubject {
  return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
}
