import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { formatTime, tryParseTime } from '../../../../api/values/time.js';
import { ResourceClient, type KubeObject, type SharedIndexInformer } from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';

export interface PodGCOptions {
  /** How often the collector runs (upstream `gcCheckPeriod`, 20 s). */
  gcCheckPeriodMs: number;
  /** How long a node must stay missing before its pods are orphans (upstream `quarantineTime`, 40 s). */
  quarantineMs: number;
  /** Deletes running at once. */
  parallelism: number;
}

export const defaultPodGCOptions: PodGCOptions = { gcCheckPeriodMs: 20_000, quarantineMs: 40_000, parallelism: 20 };

const podsGVR = { group: '', version: 'v1', resource: 'pods' };
const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
/** Field manager of the status apply (upstream `fieldManager` of podgc). */
export const podGCFieldManager = 'PodGC';

type PodObj = Pod & KubeObject;

/** Succeeded or Failed (upstream isPodTerminated: any phase but Pending/Running/Unknown). */
export function isPodTerminated(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

const isEvicted = (p: Pod) => p.status?.phase === 'Failed' && p.status?.reason === 'Evicted';

/** Evicted pods first, then oldest first, then by name (upstream byEvictionAndCreationTimestamp). */
export function evictionAndCreationOrder(a: Pod, b: Pod): number {
  if (isEvicted(a) !== isEvicted(b)) return isEvicted(a) ? -1 : 1;
  const ta = tryParseTime(a.metadata?.creationTimestamp ?? '') ?? 0;
  const tb = tryParseTime(b.metadata?.creationTimestamp ?? '') ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/**
 * The pod garbage collector (upstream `pkg/controller/podgc`). Every period:
 * deletes the oldest terminated pods beyond `terminatedPodGCThreshold`
 * (evicted ones first); force-deletes terminating pods on not-ready nodes
 * tainted `node.kubernetes.io/out-of-service`; force-deletes pods bound to
 * nodes that have been missing for the quarantine time (confirmed with a
 * fresh read); and force-deletes terminating pods that were never scheduled.
 * Non-terminal pods are first marked Failed (with a `DisruptionTarget`
 * condition for orphans) by a server-side apply of their status, since no
 * kubelet will ever do it. Deletes use grace period 0 and a UID precondition.
 */
export class PodGCController {
  private readonly opts: PodGCOptions;
  private readonly podInf: SharedIndexInformer<PodObj>;
  private readonly nodeInf: SharedIndexInformer<Node & KubeObject>;
  /** Missing node name -> when it was first seen missing (clock ms). */
  private readonly missingSince = new Map<string, number>();
  private readonly pods: ResourceClient<PodObj>;
  private readonly nodes: ResourceClient<Node>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: Partial<PodGCOptions> = {},
  ) {
    this.opts = { ...defaultPodGCOptions, ...opts };
    this.podInf = ctx.informers.forResource<PodObj>(podsGVR);
    this.nodeInf = ctx.informers.forResource<Node & KubeObject>(nodesGVR);
    this.pods = new ResourceClient<PodObj>(ctx.rest, podsGVR);
    this.nodes = new ResourceClient<Node>(ctx.rest, nodesGVR);
  }

  async start(): Promise<void> {
    const { signal, clock } = this.ctx;
    const synced = await Promise.all([this.podInf.waitForSync(signal), this.nodeInf.waitForSync(signal)]);
    if (!synced.every(Boolean)) return;
    let running: Promise<void> | undefined;
    const timer = clock.setInterval(() => {
      if (running || signal.aborted) return;
      running = this.gc()
        .catch((err) => this.ctx.log.warn('pod GC pass failed', { err }))
        .finally(() => (running = undefined));
    }, this.opts.gcCheckPeriodMs);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    timer.cancel();
    await running;
  }

  /** One collection pass. */
  async gc(): Promise<void> {
    const pods = this.podInf.lister().list();
    const nodes = this.nodeInf.lister().list();
    if (this.ctx.config.terminatedPodGCThreshold > 0) await this.gcTerminated(pods);
    await this.gcTerminatingOutOfService(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    const terminated = pods.filter(isPodTerminated);
    const excess = terminated.length - this.ctx.config.terminatedPodGCThreshold;
    if (excess <= 0) return;
    this.ctx.log.info('garbage collecting terminated pods', { count: excess });
    await this.deleteAll(terminated.sort(evictionAndCreationOrder).slice(0, excess));
  }

  private async gcTerminatingOutOfService(pods: Pod[]): Promise<void> {
    const victims = pods.filter((p) => {
      if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = this.nodeInf.lister().get('', p.spec.nodeName);
      if (!node) return false;
      const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status === 'True';
      return !ready && (node.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/out-of-service');
    });
    await this.deleteAll(victims.sort(evictionAndCreationOrder));
  }

  private async gcOrphaned(pods: Pod[], nodes: Node[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata!.name!));
    const now = this.ctx.clock.now();
    for (const p of pods) {
      const n = p.spec?.nodeName;
      if (n && !existing.has(n) && !this.missingSince.has(n)) this.missingSince.set(n, now);
    }
    const deleted = new Set<string>();
    for (const [name, since] of [...this.missingSince]) {
      if (existing.has(name)) {
        this.missingSince.delete(name);
        continue;
      }
      if (now - since < this.opts.quarantineMs) continue;
      this.missingSince.delete(name);
      // The cache may lag: confirm with the API before treating the node as gone.
      try {
        await this.nodes.get(name);
      } catch (err) {
        if (isNotFound(err)) deleted.add(name);
        else this.ctx.log.warn('checking node existence failed', { node: name, err });
      }
    }
    if (deleted.size === 0) return;
    const orphans = pods.filter((p) => p.spec?.nodeName && deleted.has(p.spec.nodeName));
    await this.deleteAll(orphans, {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
    });
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    await this.deleteAll(pods.filter((p) => p.metadata?.deletionTimestamp && !p.spec?.nodeName));
  }

  private async deleteAll(pods: Pod[], condition?: PodCondition): Promise<void> {
    for (let i = 0; i < pods.length; i += this.opts.parallelism) {
      await Promise.all(
        pods.slice(i, i + this.opts.parallelism).map((p) =>
          this.markFailedAndDelete(p, condition).catch((err) => {
            if (!isNotFound(err) && !isConflict(err))
              this.ctx.log.warn('pod GC delete failed', { pod: `${p.metadata?.namespace}/${p.metadata?.name}`, err });
          }),
        ),
      );
    }
  }

  /** Upstream markFailedAndDeletePodWithCondition. */
  private async markFailedAndDelete(pod: Pod, condition?: PodCondition): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const client = this.pods.namespace(ns);
    if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
      const status: Record<string, unknown> = { phase: 'Failed' };
      if (condition) status.conditions = [{ ...condition, lastTransitionTime: formatTime(this.ctx.clock.now()) }];
      await client.patch(
        name,
        'apply',
        { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, status },
        { fieldManager: podGCFieldManager, force: true, subresource: 'status' },
      );
    }
    await client.delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
  }
}

export const podGCController: ControllerDescriptor = {
  name: 'pod-gc',
  serviceAccount: 'pod-garbage-collector',
  enabledByDefault: true,
  start: (ctx) => new PodGCController(ctx).start(),
};
