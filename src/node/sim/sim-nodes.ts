import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors/status-error.js';
import { formatMicroTime, formatTime } from '../../api/values/time.js';
import {
  gvr,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  type RestClient,
  type Result,
  runController,
  SharedInformerFactory,
  splitMetaNamespaceKey,
  typed,
} from '../../client/index.js';
import { type Clock, realClock } from '../../lib/clock.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import { DueQueue } from './due-queue.js';
import {
  defaultCapacity,
  leaseObject,
  nodeConditions,
  nodeLeaseNamespace,
  nodeObject,
  nodeStatus,
  type SimCapacity,
  simNodeIP,
} from './node-object.js';
import { fallbackPodCIDR, PodIPAllocator } from './pod-ips.js';
import { simPodStatus } from './pod-status.js';

export interface SimNodesOptions {
  rest: RestClient;
  count: number;
  /** Node names are `<namePrefix><index>` (default `sim-node-`). */
  namePrefix?: string;
  capacity?: Partial<SimCapacity>;
  /** Extra node labels (on top of the kubelet's well-known ones). */
  labels?: Record<string, string>;
  /** Nodes register NotReady and turn Ready after this long (default 0: Ready at once). */
  readyDelayMs?: number;
  /** A pod bound to a sim node runs (or exits) this long after the sim first sees it (default 0). */
  podStartDelayMs?: number;
  /** A terminating pod is removed after min(its grace period, this) (default 100 ms). */
  deleteDelayMs?: number;
  /** Exit code for a pod's containers; undefined = they keep running. */
  failPods?: (pod: Pod) => number | undefined;
  /**
   * Test aid until the scheduler lands: bind unscheduled pods round-robin to
   * ready, running sim nodes with room (capacity.pods, nodeSelector).
   */
  bindUnscheduled?: boolean;
  /** Lease renewal period (default 10 s, the kubelet's: a quarter of the 40 s duration). */
  leaseRenewMs?: number;
  /** Node status heartbeat period (default 5 min, the kubelet's nodeStatusReportFrequency). */
  statusReportMs?: number;
  /** Pod CIDR whose /24s stand in until node IPAM assigns spec.podCIDR (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** Concurrent pod status writes (default 16). */
  workers?: number;
  clock?: Clock;
  log?: Logger;
}

export interface SimNodeStats {
  podsStarted: number;
  podsDeleted: number;
  leaseRenewals: number;
  bindings: number;
  errors: number;
}

interface SimNode {
  name: string;
  index: number;
  uid: string;
  ip: string;
  running: boolean;
  ready: boolean;
  readyAt: number;
  lease?: Lease;
  leaseBusy: boolean;
  conditions: NodeCondition[] | undefined;
  labels: Record<string, string>;
  ips: PodIPAllocator;
  /** Active pods bound here (for capacity when binding). */
  pods: Set<string>;
}

interface PodState {
  uid: string;
  firstSeen: number;
  deleteAt?: number;
}

const nodesGVR = gvr('', 'v1', 'nodes');
const podsGVR = gvr('', 'v1', 'pods');
const leasesGVR = gvr('coordination.k8s.io', 'v1', 'leases');

/** Runs `fn` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(lanes);
}

/**
 * Simulated nodes (our KWOK): an ordinary API client that registers Nodes,
 * keeps their Leases renewed, and plays the kubelet for pods bound to them —
 * Running and Ready after a delay (or exiting per `failPods`), graceful
 * deletion finished with a uid-preconditioned zero-grace delete. One ticker
 * walks the nodes for lease renewals and heartbeats, and one timer heap holds
 * delayed pod work, so thousands of nodes cost no per-node timers.
 */
export class SimNodes {
  readonly stats: SimNodeStats = { podsStarted: 0, podsDeleted: 0, leaseRenewals: 0, bindings: 0, errors: 0 };
  private readonly nodes: SimNode[] = [];
  private readonly byName = new Map<string, SimNode>();
  private readonly podState = new Map<string, PodState>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly stop = new AbortController();
  private readonly informers: SharedInformerFactory;
  private readonly podQueue: RateLimitingQueue<string>;
  private readonly bindQueue: RateLimitingQueue<string>;
  private readonly due: DueQueue<string>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly leaseClient: ResourceClient<Lease>;
  private readonly capacity: SimCapacity;
  private readonly running: Promise<void>[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private ticker?: { cancel(): void };
  private leasePtr = 0;
  private statusPtr = 0;
  private nextLease: number[] = [];
  private nextStatus: number[] = [];
  private pendingReady: SimNode[] = [];
  private rr = 0;

  constructor(private readonly o: SimNodesOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.log ?? nullLogger;
    this.capacity = { ...defaultCapacity, ...o.capacity };
    this.nodeClient = typed<Node>(o.rest, nodesGVR);
    this.podClient = typed<Pod>(o.rest, podsGVR);
    this.leaseClient = typed<Lease>(o.rest, leasesGVR, nodeLeaseNamespace);
    this.informers = new SharedInformerFactory({ rest: o.rest, clock: this.clock, log: this.log });
    this.podQueue = new RateLimitingQueue<string>({ clock: this.clock, name: 'sim-pods' });
    this.bindQueue = new RateLimitingQueue<string>({ clock: this.clock, name: 'sim-binder' });
    this.due = new DueQueue<string>(this.clock, (key) => this.podQueue.add(key));
    const prefix = o.namePrefix ?? 'sim-node-';
    for (let i = 0; i < o.count; i++) {
      const name = `${prefix}${i}`;
      const n: SimNode = {
        name,
        index: i,
        uid: '',
        ip: simNodeIP(i),
        running: true,
        ready: !(o.readyDelayMs && o.readyDelayMs > 0),
        readyAt: 0,
        leaseBusy: false,
        conditions: [],
        labels: {},
        ips: new PodIPAllocator(fallbackPodCIDR(o.clusterCIDR ?? '10.42.0.0/16', i)),
        pods: new Set(),
      };
      this.nodes.push(n);
      this.byName.set(name, n);
    }
    const podInformer = this.informers.forResource<Pod>(
      podsGVR,
      o.bindUnscheduled ? {} : { fieldSelector: 'spec.nodeName!=' },
    );
    this.podLister = podInformer.lister();
    podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_old, p) => this.onPod(p),
      onDelete: (obj) => this.onPodGone(objectOf(obj)),
    });
    const nodeInformer = this.informers.forResource<Node>(nodesGVR);
    nodeInformer.addEventHandler({
      onAdd: (n) => this.onNode(n),
      onUpdate: (_old, n) => this.onNode(n),
    });
  }

  /** Names of the simulated nodes, in index order. */
  get names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  isRunning(name: string): boolean {
    return this.byName.get(name)?.running ?? false;
  }

  /** Registers every node and starts the kubelet loops; resolves once all nodes and leases exist. */
  async start(): Promise<void> {
    const now = this.clock.monotonic();
    const renewMs = this.o.leaseRenewMs ?? 10_000;
    const statusMs = this.o.statusReportMs ?? 300_000;
    await forEachLimit(this.nodes, 64, (n) => this.register(n));
    const count = Math.max(1, this.nodes.length);
    // Spread renewals and heartbeats evenly over their periods: the ticker walks the ring in due order.
    this.nextLease = this.nodes.map((_, i) => now + (renewMs * (i + 1)) / count);
    this.nextStatus = this.nodes.map((_, i) => now + (statusMs * (i + 1)) / count);
    const readyDelay = this.o.readyDelayMs ?? 0;
    if (readyDelay > 0) {
      for (const n of this.nodes) n.readyAt = now + readyDelay;
      this.pendingReady = [...this.nodes];
    }
    const tickMs = Math.max(20, Math.min(250, renewMs / count));
    this.ticker = this.clock.setInterval(() => this.tick(), tickMs);
    this.informers.start(this.stop.signal);
    const workers = this.o.workers ?? 16;
    this.running.push(
      runController({
        name: 'sim-pods',
        queue: this.podQueue,
        workers,
        reconcile: (key) => this.syncPod(key),
        signal: this.stop.signal,
        log: this.log,
        clock: this.clock,
      }),
    );
    if (this.o.bindUnscheduled) {
      this.running.push(
        runController({
          name: 'sim-binder',
          queue: this.bindQueue,
          workers: Math.max(1, Math.ceil(workers / 4)),
          reconcile: (key) => this.bind(key),
          signal: this.stop.signal,
          log: this.log,
          clock: this.clock,
        }),
      );
    }
    await this.informers.waitForCacheSync(this.stop.signal);
  }

  /** Stops a node's kubelet: its Lease is no longer renewed and its pods are no longer updated. */
  stopNode(name: string): void {
    const n = this.byName.get(name);
    if (n) n.running = false;
  }

  /** Restarts a stopped node's kubelet: posts Ready status, renews the Lease, resumes its pods. */
  async startNode(name: string): Promise<void> {
    const n = this.byName.get(name);
    if (!n || n.running) return;
    n.running = true;
    await Promise.all([this.postStatus(n), this.renewLease(n)]);
    for (const key of n.pods) this.podQueue.add(key);
    for (const p of this.podLister.list()) if (p.spec?.nodeName === name) this.podQueue.add(metaNamespaceKey(p));
  }

  /** Stops everything this sim runs (the Nodes stay registered, as after a kubelet shutdown). */
  async dispose(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    this.ticker?.cancel();
    this.due.stop();
    await Promise.all(this.running);
    await Promise.allSettled([...this.inflight]);
    await this.informers.shutdown();
  }

  private track(p: Promise<void>): void {
    const t = p.catch((err) => {
      this.stats.errors++;
      this.log.debug('sim write failed', { err });
    });
    this.inflight.add(t);
    void t.finally(() => this.inflight.delete(t));
  }

  private async register(n: SimNode): Promise<void> {
    const now = formatTime(this.clock.now());
    const desired = nodeObject(n.name, n.index, this.capacity, this.o.labels ?? {}, n.ready, now);
    n.labels = desired.metadata!.labels!;
    let node: Node;
    try {
      node = await this.nodeClient.create(desired);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await this.nodeClient.get(n.name);
    }
    n.uid = node.metadata!.uid!;
    const status = nodeStatus(n.name, n.index, this.capacity, n.ready, now, node.status?.conditions);
    n.conditions = status.conditions;
    await this.nodeClient.updateStatus({ ...node, status });
    const renew = formatMicroTime(this.clock.now());
    try {
      n.lease = await this.leaseClient.create(leaseObject(node, renew));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const cur = await this.leaseClient.get(n.name);
      n.lease = await this.leaseClient.update({
        ...cur,
        spec: { ...cur.spec, holderIdentity: n.name, renewTime: renew },
      });
    }
  }

  /** One ticker step: due readiness transitions, lease renewals and status heartbeats, in ring order. */
  private tick(): void {
    const now = this.clock.monotonic();
    while (this.pendingReady.length > 0 && this.pendingReady[0]!.readyAt <= now) {
      const n = this.pendingReady.shift()!;
      n.ready = true;
      if (n.running) this.track(this.postStatus(n));
    }
    const len = this.nodes.length;
    const renewMs = this.o.leaseRenewMs ?? 10_000;
    const statusMs = this.o.statusReportMs ?? 300_000;
    for (let budget = len; budget > 0 && this.nextLease[this.leasePtr]! <= now; budget--) {
      const i = this.leasePtr;
      this.nextLease[i]! += renewMs;
      this.leasePtr = (i + 1) % len;
      const n = this.nodes[i]!;
      if (n.running && !n.leaseBusy) this.track(this.renewLease(n));
    }
    for (let budget = len; budget > 0 && this.nextStatus[this.statusPtr]! <= now; budget--) {
      const i = this.statusPtr;
      this.nextStatus[i]! += statusMs;
      this.statusPtr = (i + 1) % len;
      const n = this.nodes[i]!;
      if (n.running) this.track(this.postStatus(n));
    }
  }

  private async renewLease(n: SimNode): Promise<void> {
    if (!n.lease) return;
    n.leaseBusy = true;
    try {
      const renewTime = formatMicroTime(this.clock.now());
      try {
        n.lease = await this.leaseClient.update({ ...n.lease, spec: { ...n.lease.spec, renewTime } });
      } catch (err) {
        if (isConflict(err)) n.lease = await this.leaseClient.get(n.name);
        else if (isNotFound(err))
          n.lease = await this.leaseClient.create(leaseObject({ metadata: { name: n.name, uid: n.uid } }, renewTime));
        else throw err;
      }
      this.stats.leaseRenewals++;
    } finally {
      n.leaseBusy = false;
    }
  }

  /** Heartbeat: the kubelet's conditions with a fresh lastHeartbeatTime. */
  private async postStatus(n: SimNode): Promise<void> {
    const now = formatTime(this.clock.now());
    const conditions = nodeConditions(n.ready, now, n.conditions);
    n.conditions = conditions;
    await this.nodeClient.patch(n.name, 'merge', { status: { conditions } }, { subresource: 'status' });
  }

  private onNode(node: Node): void {
    const n = this.byName.get(node.metadata?.name ?? '');
    const cidr = node.spec?.podCIDR;
    if (n && cidr) n.ips.setCIDR(cidr);
  }

  private onPod(p: Pod): void {
    const key = metaNamespaceKey(p);
    const n = this.byName.get(p.spec?.nodeName ?? '');
    if (n) {
      const phase = p.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') n.pods.delete(key);
      else n.pods.add(key);
      this.podQueue.add(key);
      return;
    }
    if (this.o.bindUnscheduled && !p.spec?.nodeName && !p.metadata?.deletionTimestamp) this.bindQueue.add(key);
  }

  private onPodGone(p: Pod): void {
    const key = metaNamespaceKey(p);
    const n = this.byName.get(p.spec?.nodeName ?? '');
    if (n) {
      n.pods.delete(key);
      if (p.metadata?.uid) n.ips.release(p.metadata.uid);
    }
    this.podState.delete(key);
  }

  /** The kubelet's work for one pod: finish a graceful deletion, or start it once due. */
  private async syncPod(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.podLister.get(namespace, name);
    if (!pod) return;
    const n = this.byName.get(pod.spec?.nodeName ?? '');
    if (!n || !n.running) return;
    const uid = pod.metadata!.uid!;
    const mono = this.clock.monotonic();
    let st = this.podState.get(key);
    if (!st || st.uid !== uid) this.podState.set(key, (st = { uid, firstSeen: mono }));
    if (pod.metadata?.deletionTimestamp) {
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
      st.deleteAt ??= mono + Math.min(graceMs, this.o.deleteDelayMs ?? 100);
      if (mono < st.deleteAt) {
        this.due.add(key, st.deleteAt);
        return;
      }
      try {
        await this.podClient.namespace(namespace).delete(name, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.stats.podsDeleted++;
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.status?.startTime && pod.status.hostIP) return;
    const startAt = st.firstSeen + (this.o.podStartDelayMs ?? 0);
    if (mono < startAt) {
      this.due.add(key, startAt);
      return;
    }
    const now = formatTime(this.clock.now());
    const status = simPodStatus(pod, {
      hostIP: n.ip,
      podIP: n.ips.allocate(uid),
      startedAt: now,
      now,
      exitCode: this.o.failPods?.(pod),
    });
    try {
      await this.podClient
        .namespace(namespace)
        .patch(name, 'merge', { metadata: { uid }, status }, { subresource: 'status' });
      this.stats.podsStarted++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Round-robin over ready, running nodes with room whose labels satisfy the pod's nodeSelector. */
  private pickNode(pod: Pod): SimNode | undefined {
    const sel = Object.entries(pod.spec?.nodeSelector ?? {});
    const len = this.nodes.length;
    for (let i = 0; i < len; i++) {
      const n = this.nodes[(this.rr + i) % len]!;
      if (!n.running || !n.ready || n.pods.size >= this.capacity.pods) continue;
      if (!sel.every(([k, v]) => n.labels[k] === v)) continue;
      this.rr = (this.rr + i + 1) % len;
      return n;
    }
    return undefined;
  }

  /** Test aid: binds an unscheduled pod through pods/binding, as the scheduler will. */
  private async bind(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.podLister.get(namespace, name);
    if (!pod || pod.spec?.nodeName || pod.metadata?.deletionTimestamp) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const n = this.pickNode(pod);
    if (!n) return { requeueAfter: 1000 };
    n.pods.add(key);
    try {
      await this.podClient.namespace(namespace).createSubresource(name, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid: pod.metadata?.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: n.name },
      });
      this.stats.bindings++;
    } catch (err) {
      n.pods.delete(key);
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

/** Starts `count` simulated nodes; see SimNodes. Dispose the result to stop them. */
export async function startSimNodes(o: SimNodesOptions): Promise<SimNodes> {
  const sim = new SimNodes(o);
  try {
    await sim.start();
  } catch (err) {
    await sim.dispose();
    throw err;
  }
  return sim;
}
