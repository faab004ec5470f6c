/**
 * One worker per pod (pkg/kubelet/pod_workers.go): its syncs never overlap,
 * and wake-ups that arrive during a sync collapse into one more sync. A worker
 * moves through three phases and never back:
 *
 *   syncing      the pod should run: PodSyncer.sync, again when woken (pod
 *                update, PLEG event, probe result) or when it asked to be;
 *   terminating  deletion requested, the pod left the API, it reached a
 *                terminal phase, or it is evicted (`kill`): its containers are
 *                stopped within the grace period (orphans found in the runtime
 *                and rejected pods get 1 s, as upstream);
 *   terminated   the final status is reported; volumes and the pod cgroup go;
 *                a deleted pod is then removed from the API (grace 0, UID
 *                precondition); once the pod is gone from the API its
 *                containers, sandboxes and files are removed and the worker ends.
 *
 * A pod refused by admission (`reject`) starts out terminating: it never runs
 * and its status is the rejection alone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { Timer } from '../../../lib/clock.js';
import type { KubeletContext } from './context.js';
import type { PodSyncer } from './pod-sync.js';
import { killPod, podGraceSeconds } from './terminate.js';

type Phase = 'syncing' | 'terminating' | 'terminated';

/** A request to stop a pod that stays in the API (eviction; upstream `KillPodOptions`). */
export interface KillOptions {
  /** Grace period override; the shorter of it and the pod's own applies. */
  graceSeconds?: number;
  /** Amends the status written before the containers are stopped (phase, reason, conditions). */
  status?: (s: PodStatus) => void;
}

/** Grace period for killing what a rejected pod left running (a kubelet restart re-admits running pods). */
const rejectedGraceSeconds = 1;

/** Whether an update of the pod object matters to its worker (upstream config.checkAndUpdatePod). */
export function needsSync(old: Pod, next: Pod): boolean {
  const om = old.metadata ?? {};
  const nm = next.metadata ?? {};
  if (
    om.deletionTimestamp !== nm.deletionTimestamp ||
    om.deletionGracePeriodSeconds !== nm.deletionGracePeriodSeconds
  ) {
    return true;
  }
  if (!isDeepStrictEqual(old.spec, next.spec)) return true;
  if (!isDeepStrictEqual(om.labels, nm.labels) || !isDeepStrictEqual(om.annotations, nm.annotations)) return true;
  for (const gate of next.spec?.readinessGates ?? []) {
    const a = old.status?.conditions?.find((c) => c.type === gate.conditionType)?.status;
    const b = next.status?.conditions?.find((c) => c.type === gate.conditionType)?.status;
    if (a !== b) return true;
  }
  return false;
}

/** Grace period for pods found in the runtime that the API does not know. */
const orphanGraceSeconds = 1;
const retryMs = 1000;

class PodWorker {
  phase: Phase = 'syncing';
  /** Gone from the API (or never known to it: an orphan). */
  removed = false;
  orphan = false;
  volumesDown = false;
  deleteRequested = false;
  /** Refused by admission: never started, its status is the rejection. */
  rejected = false;
  kill: KillOptions | undefined;
  /** Resolved once the worker reaches `terminated` (or stops). */
  private terminatedWaiters: (() => void)[] = [];
  private pending = false;
  private running: Promise<void> | undefined;
  private timer: Timer | undefined;
  readonly abort = new AbortController();

  constructor(
    readonly owner: PodWorkers,
    public pod: Pod,
  ) {}

  get uid(): string {
    return this.pod.metadata!.uid!;
  }

  wake(): void {
    if (this.abort.signal.aborted) return;
    this.pending = true;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  wakeAfter(ms: number): void {
    this.timer?.cancel();
    this.timer = this.owner.ctx.clock.setTimeout(() => this.wake(), ms);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.timer?.cancel();
    await this.running?.catch(() => undefined);
    this.notifyTerminated();
  }

  whenTerminated(): Promise<void> {
    if (this.phase === 'terminated' || this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.terminatedWaiters.push(resolve));
  }

  notifyTerminated(): void {
    const waiters = this.terminatedWaiters;
    this.terminatedWaiters = [];
    for (const w of waiters) w();
  }

  private async loop(): Promise<void> {
    while (this.pending && !this.abort.signal.aborted) {
      this.pending = false;
      let next: number | undefined;
      try {
        next = await this.owner.step(this);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.owner.ctx.log.warn('pod sync failed', {
          pod: this.pod.metadata?.name,
          ns: this.pod.metadata?.namespace,
          err,
        });
        next = retryMs;
      }
      if (next === 0) this.pending = true;
      else if (next !== undefined) this.wakeAfter(next);
    }
  }
}

export class PodWorkers {
  private readonly workers = new Map<string, PodWorker>();

  constructor(
    readonly ctx: KubeletContext,
    private readonly syncer: PodSyncer,
  ) {}

  /**
   * A pod bound to this node was added or changed in the API. Changes to its
   * status alone (mostly our own writes coming back) do not trigger a sync,
   * except readiness-gate conditions, which the Ready condition depends on.
   */
  update(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let w = this.workers.get(uid);
    if (!w) {
      this.workers.set(uid, (w = new PodWorker(this, pod)));
    } else {
      if (w.removed) return;
      const changed = needsSync(w.pod, pod);
      w.pod = pod;
      if (!changed) return;
    }
    w.wake();
  }

  /** The pod is gone from the API (deleted, or force-deleted while running). */
  remove(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    let w = this.workers.get(uid);
    if (!w) this.workers.set(uid, (w = new PodWorker(this, pod)));
    w.removed = true;
    w.wake();
  }

  /** Runtime objects of a pod nobody knows (deleted while the kubelet was down): kill and remove them. */
  adoptOrphan(uid: string, name: string, namespace: string): void {
    if (this.workers.has(uid)) return;
    const pod: Pod = { metadata: { uid, name, namespace }, spec: { containers: [] } };
    const w = new PodWorker(this, pod);
    w.removed = true;
    w.orphan = true;
    this.workers.set(uid, w);
    w.wake();
  }

  /**
   * Admission refused the pod: it gets `status` and never starts. Whatever
   * it already runs (a restarted kubelet re-admits running pods) is stopped.
   */
  reject(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata?.uid;
    if (!uid || this.workers.has(uid)) return;
    const w = new PodWorker(this, pod);
    w.rejected = true;
    w.phase = 'terminating';
    this.workers.set(uid, w);
    this.ctx.status.set(pod, status);
    w.wake();
  }

  /**
   * Stops a running pod that stays in the API (eviction): the status is
   * amended, the containers are killed within the (overridden) grace period,
   * and the final status is written. Resolves once the pod is terminated.
   */
  kill(uid: string, options: KillOptions): Promise<void> {
    const w = this.workers.get(uid);
    if (!w) return Promise.resolve();
    if (w.phase === 'syncing' && !w.kill) w.kill = options;
    const done = w.whenTerminated();
    w.wake();
    return done;
  }

  /**
   * Pods admitted and not yet terminated (upstream `filterOutInactivePods`):
   * what admission counts as the node's load. `includeTerminating: false`
   * leaves out pods already being stopped (eviction does not pick them).
   */
  activePods(includeTerminating = true): Pod[] {
    const out: Pod[] = [];
    for (const w of this.workers.values()) {
      if (w.rejected || w.orphan || w.removed || w.phase === 'terminated') continue;
      if (!includeTerminating && (w.phase !== 'syncing' || w.kill || w.pod.metadata?.deletionTimestamp)) continue;
      out.push(w.pod);
    }
    return out;
  }

  /** The pod's containers are stopped and its volumes torn down (or it has no worker). */
  isCleanedUp(uid: string): boolean {
    const w = this.workers.get(uid);
    return !w || (w.phase === 'terminated' && w.volumesDown);
  }

  wake(uid: string): void {
    this.workers.get(uid)?.wake();
  }

  has(uid: string): boolean {
    return this.workers.has(uid);
  }

  uids(): string[] {
    return [...this.workers.keys()];
  }

  /**
   * Stops every worker: no new steps start, and a step in flight is given a
   * moment to finish (a stop with a long grace period is abandoned, as when a
   * kubelet exits). Containers are left as they are.
   */
  async dispose(): Promise<void> {
    const stopped = Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    await Promise.race([stopped, this.ctx.clock.sleep(2000).catch(() => undefined)]);
  }

  /** One step of a worker; returns when to step again (undefined: when woken). */
  async step(w: PodWorker): Promise<number | undefined> {
    const { ctx } = this;
    const signal = w.abort.signal;
    const uid = w.uid;
    if (w.phase === 'syncing') {
      if (w.removed || w.pod.metadata?.deletionTimestamp || w.kill) {
        w.phase = 'terminating';
      } else {
        ctx.prober.addPod(w.pod);
        const r = await this.syncer.sync(w.pod, signal);
        if (!r.terminal) return r.requeueAfterMs;
        w.phase = 'terminating';
      }
    }
    if (w.phase === 'terminating') {
      const state = await this.syncer.inspect(uid, signal);
      // The status says why first (upstream SyncTerminatingPod), then the containers go.
      if (w.kill?.status && !w.removed) this.syncer.publish(w.pod, state, false, w.kill.status);
      let grace = w.orphan ? orphanGraceSeconds : podGraceSeconds(w.pod);
      if (w.rejected) grace = Math.min(grace, rejectedGraceSeconds);
      if (w.kill?.graceSeconds !== undefined) grace = Math.min(grace, w.kill.graceSeconds);
      await killPod(ctx, w.pod, state, grace);
      ctx.prober.removePod(uid);
      w.phase = 'terminated';
    }
    const state = await this.syncer.inspect(uid, signal);
    // A rejected pod keeps the rejection as its whole status.
    if (!w.removed && !w.rejected) this.syncer.publish(w.pod, state, true);
    if (!w.volumesDown && state.containers.every((c) => c.state !== 'CONTAINER_RUNNING')) {
      await ctx.volumes.tearDownPod(uid);
      ctx.cgroups.remove(uid);
      w.volumesDown = true;
    }
    w.notifyTerminated();
    if (w.removed) {
      await this.cleanUp(w);
      return undefined;
    }
    if (w.pod.metadata?.deletionTimestamp && !w.deleteRequested) {
      await ctx.status.deletePod(w.pod);
      w.deleteRequested = true;
    }
    return undefined;
  }

  /** Removes everything the pod left on the node and ends its worker. */
  private async cleanUp(w: PodWorker): Promise<void> {
    const { ctx } = this;
    const uid = w.uid;
    const state = await this.syncer.inspect(uid, w.abort.signal);
    for (const c of state.containers) await ctx.runtime.removeContainer(c.id);
    for (const s of state.sandboxes) {
      await ctx.runtime.stopSandbox(s.id);
      await ctx.runtime.removeSandbox(s.id);
    }
    await ctx.volumes.tearDownPod(uid);
    ctx.cgroups.remove(uid);
    rmSync(join(ctx.podsDir, uid), { recursive: true, force: true });
    ctx.status.remove(uid);
    ctx.prober.removePod(uid);
    ctx.restartBackoff.forgetPrefix(`${uid}/`);
    ctx.imageBackoff.forgetPrefix(`${uid}_`);
    this.syncer.forget(uid);
    if (this.workers.get(uid) === w) this.workers.delete(uid);
  }
}
