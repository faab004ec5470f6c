import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { formatTime } from '../../../../api/values/time.js';
import {
  NodeNameIndex,
  nodeNameIndexFunc,
  RateLimitingQueue,
  ResourceClient,
  runController,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { Timer } from '../../../../lib/clock.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { NodeHealthTracker } from './node-health.js';
import { swapNodeTaints } from './node-taints-client.js';
import { RateLimitedTimedQueue } from './rate-limited-timed-queue.js';
import {
  hasTaint,
  nodeCondition,
  noScheduleTaintChanges,
  notReadyNoExecute,
  unreachableNoExecute,
  zoneKey,
} from './taints.js';

export type ZoneState = 'Initial' | 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface NodeLifecycleOptions {
  /** Nodes tainted per second in a healthy zone (`--node-eviction-rate`, 0.1). */
  evictionLimiterQPS: number;
  /** Rate in a partially disrupted large zone (`--secondary-node-eviction-rate`, 0.01). */
  secondaryEvictionLimiterQPS: number;
  /** Zones up to this size stop evicting when partially disrupted (`--large-cluster-size-threshold`, 50). */
  largeClusterThreshold: number;
  /** Share of unready nodes (with more than 2) that makes a zone partially disrupted (0.55). */
  unhealthyZoneThreshold: number;
  /** Grace for nodes that never posted status (`--node-startup-grace-period`); default 1.5 x the monitor grace (60 s). */
  startupGracePeriodMs?: number;
  /** How often queued NoExecute taints are applied (upstream `NodeEvictionPeriod`, 100 ms). */
  taintingPeriodMs: number;
}

export const defaultNodeLifecycleOptions: NodeLifecycleOptions = {
  evictionLimiterQPS: 0.1,
  secondaryEvictionLimiterQPS: 0.01,
  largeClusterThreshold: 50,
  unhealthyZoneThreshold: 0.55,
  taintingPeriodMs: 100,
};

export const nodeLeaseNamespace = 'kube-node-lease';
const excludeDisruptionLabel = 'node.kubernetes.io/exclude-disruption';
const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
const podsGVR = { group: '', version: 'v1', resource: 'pods' };
const leasesGVR = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

type NodeObj = Node & KubeObject;

/**
 * The node lifecycle controller (upstream `pkg/controller/nodelifecycle`):
 * every monitor period it checks each node's heartbeats (Ready condition and
 * Lease), turns conditions Unknown past the grace period, marks the pods of
 * a node that stopped being Ready as not ready, and queues NoExecute taints
 * (`unreachable` for Unknown, `not-ready` for False) that a per-zone rate
 * limiter applies — 0.1 nodes/s normally, slower or not at all in a partially
 * disrupted zone, and nothing when every zone is fully disrupted (then the
 * control plane, not the nodes, is suspect). NoSchedule taints follow the
 * node's conditions and `spec.unschedulable` (TaintNodesByCondition). Pod
 * eviction itself is the taint-eviction controller's job.
 */
export class NodeLifecycleController {
  readonly zoneStates = new Map<string, ZoneState>();
  readonly zoneTainters = new Map<string, RateLimitedTimedQueue>();
  readonly noScheduleQueue: RateLimitingQueue<string>;
  private readonly opts: NodeLifecycleOptions;
  private readonly nodeInf: SharedIndexInformer<NodeObj>;
  private readonly leaseInf: SharedIndexInformer<Lease & KubeObject>;
  private readonly podInf: SharedIndexInformer<Pod & KubeObject>;
  private readonly health: NodeHealthTracker;
  private readonly known = new Map<string, Node>();
  private readonly nodesToRetry = new Set<string>();
  private readonly recorder: EventRecorder;
  private readonly nodes: ResourceClient<Node>;

  constructor(
    private readonly ctx: ControllerContext,
    opts: Partial<NodeLifecycleOptions> = {},
  ) {
    this.opts = { ...defaultNodeLifecycleOptions, ...opts };
    const grace = ctx.config.nodeMonitorGracePeriodMs;
    this.health = new NodeHealthTracker(grace, this.opts.startupGracePeriodMs ?? Math.round(grace * 1.5));
    this.noScheduleQueue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'node_lifecycle_controller' });
    this.nodeInf = ctx.informers.forResource<NodeObj>(nodesGVR);
    this.leaseInf = ctx.informers.forResource<Lease & KubeObject>(leasesGVR, { namespace: nodeLeaseNamespace });
    this.podInf = ctx.informers.forResource<Pod & KubeObject>(podsGVR, {
      indexers: { [NodeNameIndex]: nodeNameIndexFunc },
    });
    this.recorder = ctx.recorder('node-controller');
    this.nodes = new ResourceClient<Node>(ctx.rest, nodesGVR);
    this.nodeInf.addEventHandler({
      onAdd: (n) => this.noScheduleQueue.add(n.metadata!.name!),
      onUpdate: (_o, n) => this.noScheduleQueue.add(n.metadata!.name!),
    });
  }

  async start(): Promise<void> {
    const { signal, clock } = this.ctx;
    const timers: Timer[] = [];
    const inflight = new Set<Promise<void>>();
    signal.addEventListener(
      'abort',
      () => {
        for (const t of timers) t.cancel();
        this.noScheduleQueue.shutDown();
      },
      { once: true },
    );
    // A periodic pass never overlaps itself; a slow pass just skips ticks.
    const every = (ms: number, what: string, fn: () => Promise<void>) => {
      let busy = false;
      timers.push(
        clock.setInterval(() => {
          if (busy || signal.aborted) return;
          busy = true;
          const p = fn()
            .catch((err) => this.ctx.log.warn(`${what} failed`, { err }))
            .finally(() => {
              busy = false;
              inflight.delete(p);
            });
          inflight.add(p);
        }, ms),
      );
    };
    const run = runController({
      name: 'node-lifecycle',
      queue: this.noScheduleQueue,
      workers: this.ctx.config.workers,
      reconcile: (name) => this.doNoScheduleTaintingPass(name),
      signal,
      log: this.ctx.log,
      clock,
    });
    const synced = await Promise.all([this.nodeInf, this.leaseInf, this.podInf].map((i) => i.waitForSync(signal)));
    if (synced.every(Boolean) && !signal.aborted) {
      every(this.ctx.config.nodeMonitorPeriodMs, 'node health check', () => this.monitorNodeHealth());
      every(this.opts.taintingPeriodMs, 'NoExecute tainting', () => this.doNoExecuteTaintingPass());
    }
    await run;
    await Promise.all(inflight);
  }

  private tainter(zone: string): RateLimitedTimedQueue {
    let q = this.zoneTainters.get(zone);
    if (!q) {
      this.zoneTainters.set(zone, (q = new RateLimitedTimedQueue(this.ctx.clock, this.opts.evictionLimiterQPS)));
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    return q;
  }

  /** One health pass over every node (upstream monitorNodeHealth). */
  async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodeInf.lister().list();
    const present = new Set(nodes.map((n) => n.metadata!.name!));
    for (const n of nodes) {
      if (this.known.has(n.metadata!.name!)) continue;
      this.known.set(n.metadata!.name!, n);
      this.tainter(zoneKey(n));
      this.nodeEvent(
        n,
        'RegisteredNode',
        `Node ${n.metadata!.name} event: Registered Node ${n.metadata!.name} in Controller`,
        n.metadata!.uid,
      );
    }
    for (const [name, n] of this.known) {
      if (present.has(name)) continue;
      this.known.delete(name);
      this.health.forget(name);
      this.nodesToRetry.delete(name);
      this.zoneTainters.get(zoneKey(n))?.remove(name);
      this.nodeEvent(n, 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`, n.metadata!.uid);
    }
    const zoneConditions = new Map<string, (NodeCondition | undefined)[]>();
    for (const cached of nodes) {
      const name = cached.metadata!.name!;
      const checked = await this.checkHealth(cached);
      if (!checked) continue;
      const { node, observedReady, currentReady } = checked;
      if (node.metadata?.labels?.[excludeDisruptionLabel] === undefined) {
        const z = zoneKey(node);
        zoneConditions.set(z, [...(zoneConditions.get(z) ?? []), currentReady]);
      }
      if (currentReady) {
        await this.processTaintBaseEviction(node, observedReady);
        const becameNotReady = currentReady.status !== 'True' && observedReady.status === 'True';
        if (becameNotReady) this.statusChangeEvent(node, 'NodeNotReady');
        if (becameNotReady || (this.nodesToRetry.has(name) && observedReady.status !== 'True')) {
          if (!(await this.markPodsNotReady(name))) {
            this.nodesToRetry.add(name);
            continue;
          }
        }
      }
      this.nodesToRetry.delete(name);
    }
    await this.handleDisruption(zoneConditions, nodes);
  }

  /** tryUpdateNodeHealth with upstream's retries: a conflicting status write re-reads the node. */
  private async checkHealth(
    cached: Node,
  ): Promise<{ node: Node; observedReady: NodeCondition; currentReady: NodeCondition | undefined } | undefined> {
    let node = cached;
    const name = node.metadata!.name!;
    for (let attempt = 0; attempt < 5; attempt++) {
      const lease = this.leaseInf.lister().get(nodeLeaseNamespace, name);
      const r = this.health.check(node, lease, this.ctx.clock.now());
      if (!r.update) return { node, observedReady: r.observedReady, currentReady: r.currentReady };
      try {
        const written = await this.nodes.updateStatus(r.update);
        this.health.wrote(written);
        return { node: written, observedReady: r.observedReady, currentReady: r.currentReady };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err)) throw err;
        this.health.forget(name);
        try {
          node = await this.nodes.get(name);
        } catch (e) {
          if (isNotFound(e)) return undefined;
          throw e;
        }
      }
    }
    this.ctx.log.warn('updating node health failed after retries', { node: name });
    return undefined;
  }

  private async processTaintBaseEviction(node: Node, observed: NodeCondition): Promise<void> {
    const name = node.metadata!.name!;
    const q = this.tainter(zoneKey(node));
    if (observed.status === 'False') {
      if (hasTaint(node, unreachableNoExecute)) await this.swap(node, [notReadyNoExecute], [unreachableNoExecute]);
      else {
        if (!hasTaint(node, notReadyNoExecute)) q.remove(name);
        q.add(name, node.metadata!.uid ?? '');
      }
    } else if (observed.status === 'Unknown') {
      if (hasTaint(node, notReadyNoExecute)) await this.swap(node, [unreachableNoExecute], [notReadyNoExecute]);
      else {
        if (!hasTaint(node, unreachableNoExecute)) q.remove(name);
        q.add(name, node.metadata!.uid ?? '');
      }
    } else if (observed.status === 'True') {
      await this.markNodeAsReachable(node);
    }
  }

  private swap(node: Node, add: (typeof notReadyNoExecute)[], remove: (typeof notReadyNoExecute)[]): Promise<boolean> {
    return swapNodeTaints(this.nodes, node.metadata!.name!, add, remove, this.ctx.clock, node);
  }

  private async markNodeAsReachable(node: Node): Promise<void> {
    if (hasTaint(node, unreachableNoExecute) || hasTaint(node, notReadyNoExecute))
      await this.swap(node, [], [unreachableNoExecute, notReadyNoExecute]);
    this.zoneTainters.get(zoneKey(node))?.remove(node.metadata!.name!);
  }

  /** Applies queued NoExecute taints, rate-limited per zone (upstream doNoExecuteTaintingPass). */
  async doNoExecuteTaintingPass(): Promise<void> {
    for (const q of this.zoneTainters.values()) {
      await q.try(async (v) => {
        const node = this.nodeInf.lister().get('', v.value);
        if (!node) return [true, 0];
        const ready = nodeCondition(node, 'Ready');
        if (!ready) return [false, 50];
        let add = unreachableNoExecute;
        let remove = notReadyNoExecute;
        if (ready.status === 'False') [add, remove] = [notReadyNoExecute, unreachableNoExecute];
        else if (ready.status !== 'Unknown') return [true, 0];
        return [await this.swap(node, [add], [remove]), 0];
      });
    }
  }

  /** NoSchedule taints from conditions and `spec.unschedulable` for one node. */
  async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodeInf.lister().get('', name);
    if (!node) return;
    const { add, remove } = noScheduleTaintChanges(node);
    if (add.length === 0 && remove.length === 0) return;
    if (
      !(await swapNodeTaints(this.nodes, name, add, remove, this.ctx.clock, node)) &&
      this.nodeInf.lister().get('', name)
    )
      throw new Error(`failed to swap NoSchedule taints of node ${name}`);
  }

  /** Sets Ready=False on the pods of a node that stopped being ready; false when some write failed. */
  private async markPodsNotReady(nodeName: string): Promise<boolean> {
    let ok = true;
    const pods = new ResourceClient<Pod>(this.ctx.rest, podsGVR);
    for (const pod of this.podInf.lister().byIndex(NodeNameIndex, nodeName)) {
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const next = structuredClone(pod);
      const c = next.status!.conditions!.find((x) => x.type === 'Ready')!;
      c.status = 'False';
      c.lastTransitionTime = formatTime(this.ctx.clock.now());
      try {
        await pods.updateStatus(next);
        this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) ok = false;
      }
    }
    return ok;
  }

  private async handleDisruption(
    zoneConditions: Map<string, (NodeCondition | undefined)[]>,
    nodes: Node[],
  ): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFull = true;
    for (const [zone, conds] of zoneConditions) {
      const state = this.computeZoneState(conds);
      if (state !== 'FullDisruption') allAreFull = false;
      newStates.set(zone, state);
      this.tainter(zone);
    }
    let allWereFull = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        this.zoneTainters.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') {
        allWereFull = false;
        break;
      }
    }
    if (allAreFull && allWereFull) return;
    if (allAreFull) {
      this.ctx.log.info('all nodes are not ready: entering master disruption mode, evictions stop');
      for (const n of nodes) await this.markNodeAsReachable(n);
      for (const [zone, q] of this.zoneTainters) {
        q.swapLimiter(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFull) {
      this.ctx.log.info('some nodes are ready again: leaving master disruption mode');
      this.health.touchAll(this.ctx.clock.now());
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        this.setLimiter(zone, zoneConditions.get(zone)?.length ?? 0, state);
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone);
      if (!next || next === state) continue;
      this.ctx.log.info('zone changed state', { zone, state: next });
      this.setLimiter(zone, zoneConditions.get(zone)?.length ?? 0, next);
      this.zoneStates.set(zone, next);
    }
  }

  /** Upstream ComputeZoneState: no ready node = full; > 2 and >= 55 % unready = partial. */
  computeZoneState(conds: (NodeCondition | undefined)[]): ZoneState {
    const ready = conds.filter((c) => c?.status === 'True').length;
    const notReady = conds.length - ready;
    if (ready === 0 && notReady > 0) return 'FullDisruption';
    if (notReady > 2 && notReady / (notReady + ready) >= this.opts.unhealthyZoneThreshold) return 'PartialDisruption';
    return 'Normal';
  }

  private setLimiter(zone: string, size: number, state: ZoneState): void {
    const q = this.tainter(zone);
    if (state === 'PartialDisruption')
      q.swapLimiter(size > this.opts.largeClusterThreshold ? this.opts.secondaryEvictionLimiterQPS : 0);
    else q.swapLimiter(this.opts.evictionLimiterQPS);
  }

  private nodeEvent(node: Node, reason: string, message: string, uid?: string): void {
    this.recorder.event(
      { apiVersion: 'v1', kind: 'Node', name: node.metadata!.name!, uid: uid ?? node.metadata!.name! },
      'Normal',
      reason,
      message,
    );
  }

  /** Upstream RecordNodeStatusChange: the reference's UID is the node name, as the kubelet's. */
  private statusChangeEvent(node: Node, status: string): void {
    this.nodeEvent(node, status, `Node ${node.metadata!.name} status is now: ${status}`);
  }
}

export const nodeLifecycleController: ControllerDescriptor = {
  name: 'node-lifecycle',
  serviceAccount: 'node-controller',
  enabledByDefault: true,
  start: (ctx) => new NodeLifecycleController(ctx).start(),
};
