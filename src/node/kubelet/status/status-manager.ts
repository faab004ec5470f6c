/**
 * Writes pod statuses to the API (pkg/kubelet/status/status_manager.go). Pod
 * workers hand it the status they computed; it keeps the latest per pod and a
 * few writers send it as a strategic-merge PATCH of `pods/<name>/status` that
 * carries only what changed (the kubelet-owned conditions merge by type, so
 * others' conditions stay), with `metadata.uid` so a same-named successor is
 * never touched. Statuses that pile up while a write is in flight collapse
 * into one; writes are rate limited across pods. A terminal phase is never
 * undone. `deletePod` ends a graceful deletion once the pod is torn down.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../../api/errors/status-error.js';
import { gvr, typed, type ResourceClient, type RestClient } from '../../../client/index.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import { TokenBucket } from '../../../lib/rate-limiter.js';
import { isTerminalPhase } from './generate-status.js';

export interface StatusManagerOptions {
  rest: RestClient;
  /** The API's current version of a pod by UID (the informer cache), or undefined once it is gone. */
  apiPod(uid: string): Pod | undefined;
  clock: Clock;
  log: Logger;
  qps?: number;
  burst?: number;
  /** Concurrent writes (default 4). */
  writers?: number;
}

/** Status fields the kubelet owns, compared and patched one by one. */
const ownedFields = [
  'phase',
  'reason',
  'message',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'qosClass',
  'initContainerStatuses',
  'containerStatuses',
  'ephemeralContainerStatuses',
] as const;

interface Entry {
  uid: string;
  namespace: string;
  name: string;
  desired: PodStatus;
  /** What the API returned for our last write (newer than the informer until the watch catches up). */
  acked?: { status: PodStatus; resourceVersion: string };
}

function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return !!a;
  try {
    return BigInt(a) > BigInt(b);
  } catch {
    return true;
  }
}

/** The strategic-merge patch taking `base` to `desired`, or undefined when nothing changed. */
export function statusPatch(uid: string, base: PodStatus, desired: PodStatus): Record<string, unknown> | undefined {
  const status: Record<string, unknown> = {};
  for (const f of ownedFields) {
    if (isDeepStrictEqual(desired[f], base[f])) continue;
    // null removes the field (merge semantics).
    status[f] = desired[f] ?? null;
  }
  if (isTerminalPhase(base.phase) && desired.phase !== base.phase) delete status.phase;
  const conditions: PodCondition[] = [];
  for (const c of desired.conditions ?? []) {
    const b = base.conditions?.find((x) => x.type === c.type);
    if (b && isDeepStrictEqual(b, c)) continue;
    // Merged by type: fields the new condition lacks (a cleared reason) must be removed explicitly.
    const patch: Record<string, unknown> = { ...c };
    for (const k of Object.keys(b ?? {})) if (!(k in c)) patch[k] = null;
    conditions.push(patch as unknown as PodCondition);
  }
  if (conditions.length > 0) status.conditions = conditions;
  if (Object.keys(status).length === 0) return undefined;
  return { metadata: { uid }, status };
}

export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly bucket: TokenBucket;
  private readonly pods: ResourceClient<Pod>;
  private readonly stop = new AbortController();
  private waiters: (() => void)[] = [];
  private readonly writers: Promise<void>[] = [];

  constructor(private readonly o: StatusManagerOptions) {
    this.bucket = new TokenBucket(o.qps ?? 50, o.burst ?? 100, o.clock);
    this.pods = typed<Pod>(o.rest, gvr('', 'v1', 'pods'));
  }

  start(): void {
    for (let i = 0; i < (this.o.writers ?? 4); i++) this.writers.push(this.writer());
  }

  async dispose(): Promise<void> {
    this.stop.abort();
    this.notify();
    await Promise.allSettled(this.writers);
  }

  /** The status the kubelet last computed for the pod (its own view, ahead of the API). */
  get(uid: string): PodStatus | undefined {
    return this.entries.get(uid)?.desired;
  }

  /** Records the pod's new status; it is written soon unless identical to what the API has. */
  set(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata!.uid!;
    const e = this.entries.get(uid);
    if (e) e.desired = status;
    else
      this.entries.set(uid, { uid, namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, desired: status });
    this.dirty.add(uid);
    this.notify();
  }

  /** Forgets the pod (it is gone from the node). */
  remove(uid: string): void {
    this.entries.delete(uid);
    this.dirty.delete(uid);
  }

  /** Resolves once the pod's pending status (if any) has been written or dropped. */
  async flush(uid: string): Promise<void> {
    for (let i = 0; i < 100 && (this.dirty.has(uid) || this.inflight.has(uid)); i++) {
      if (this.inflight.has(uid)) await this.inflight.get(uid);
      else if (this.dirty.has(uid)) await this.syncOne(uid);
    }
  }

  /**
   * Finishes a graceful deletion: writes the final status, then deletes the
   * pod with grace 0 and a UID precondition (NotFound and Conflict mean
   * someone else finished it).
   */
  async deletePod(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    await this.flush(uid);
    try {
      await this.pods
        .namespace(pod.metadata!.namespace!)
        .delete(pod.metadata!.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.remove(uid);
  }

  private async writer(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      const uid = this.next();
      if (uid === undefined) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      try {
        await this.bucket.wait(signal);
      } catch {
        return;
      }
      await this.syncOne(uid);
    }
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private next(): string | undefined {
    for (const uid of this.dirty) if (!this.inflight.has(uid)) return uid;
    return undefined;
  }

  private syncOne(uid: string): Promise<void> {
    const existing = this.inflight.get(uid);
    if (existing) return existing;
    this.dirty.delete(uid);
    const p = this.write(uid)
      .catch((err: unknown) => {
        this.o.log.warn('pod status update failed; retrying', { uid, err });
        if (this.entries.has(uid)) {
          // Retried after a pause so a failing API is not hammered.
          this.o.clock.setTimeout(() => {
            if (this.entries.has(uid)) this.dirty.add(uid);
            this.notify();
          }, 1000);
        }
      })
      .finally(() => {
        this.inflight.delete(uid);
        if (this.dirty.has(uid)) this.notify();
      });
    this.inflight.set(uid, p);
    return p;
  }

  private async write(uid: string): Promise<void> {
    const e = this.entries.get(uid);
    if (!e) return;
    const api = this.o.apiPod(uid);
    // Gone from the API, or the name now belongs to another pod: nothing to write.
    if (!api || api.metadata?.uid !== uid) return;
    const base =
      e.acked && newer(e.acked.resourceVersion, api.metadata?.resourceVersion) ? e.acked.status : (api.status ?? {});
    const desired = e.desired;
    const patch = statusPatch(uid, base, desired);
    if (!patch) return;
    try {
      const updated = await this.pods
        .namespace(e.namespace)
        .patch(e.name, 'strategic', patch, { subresource: 'status' });
      e.acked = { status: updated.status ?? {}, resourceVersion: updated.metadata?.resourceVersion ?? '' };
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
