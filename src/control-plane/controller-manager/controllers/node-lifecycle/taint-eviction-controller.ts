import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { formatTime } from '../../../../api/values/time.js';
import {
  metaNamespaceKey,
  NodeNameIndex,
  nodeNameIndexFunc,
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  splitMetaNamespaceKey,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { Timer } from '../../../../lib/clock.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { matchingTolerations, minTolerationMs, noExecuteTaints } from './taints.js';

const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
const podsGVR = { group: '', version: 'v1', resource: 'pods' };

type PodObj = Pod & KubeObject;

/** A scheduled eviction; `timer` is undefined once it fired (kept so it is not scheduled again). */
interface Scheduled {
  createdAt: number;
  fireAt: number;
  timer?: Timer;
}

const taintsKey = (t: Taint[]) => JSON.stringify(t.map((x) => [x.key, x.value ?? '', x.effect]));
const tolerationsKey = (p: Pod) => JSON.stringify(p.spec?.tolerations ?? []);

/**
 * Taint-based eviction (upstream `pkg/controller/tainteviction`): a pod on a
 * node with NoExecute taints it does not tolerate is deleted at once; one
 * whose tolerations carry `tolerationSeconds` is deleted after the smallest
 * of them (counted from when the taint was seen), and tolerating forever
 * keeps it. Removing the taints cancels pending evictions. Deleted pods get
 * the `DisruptionTarget` condition first (reason `DeletionByTaintManager`).
 * Work keys: `node/<name>`, `pod/<ns>/<name>`, `evict/<ns>/<name>`.
 */
export class TaintEvictionController {
  readonly queue: RateLimitingQueue<string>;
  readonly scheduled = new Map<string, Scheduled>();
  private readonly taintedNodes = new Map<string, Taint[]>();
  private readonly nodeInf: SharedIndexInformer<Node & KubeObject>;
  private readonly podInf: SharedIndexInformer<PodObj>;
  private readonly recorder: EventRecorder;
  private readonly pods: ResourceClient<PodObj>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'taint_eviction' });
    this.nodeInf = ctx.informers.forResource<Node & KubeObject>(nodesGVR);
    this.podInf = ctx.informers.forResource<PodObj>(podsGVR, { indexers: { [NodeNameIndex]: nodeNameIndexFunc } });
    this.recorder = ctx.recorder('taint-eviction-controller');
    this.pods = new ResourceClient<PodObj>(ctx.rest, podsGVR);
    this.nodeInf.addEventHandler({
      onAdd: (n) => this.queue.add(`node/${n.metadata!.name}`),
      onUpdate: (o, n) => {
        if (taintsKey(noExecuteTaints(o)) !== taintsKey(noExecuteTaints(n))) this.queue.add(`node/${n.metadata!.name}`);
      },
      onDelete: (o) => this.queue.add(`node/${objectOf(o).metadata!.name}`),
    });
    this.podInf.addEventHandler({
      onAdd: (p) => {
        if (p.spec?.nodeName) this.queue.add(`pod/${metaNamespaceKey(p)}`);
      },
      onUpdate: (o, n) => {
        if (o.spec?.nodeName === n.spec?.nodeName && tolerationsKey(o) === tolerationsKey(n)) return;
        this.queue.add(`pod/${metaNamespaceKey(n)}`);
      },
      onDelete: (o) => this.queue.add(`pod/${metaNamespaceKey(o as PodObj)}`),
    });
  }

  async start(): Promise<void> {
    this.ctx.signal.addEventListener(
      'abort',
      () => {
        this.queue.shutDown();
        for (const s of this.scheduled.values()) s.timer?.cancel();
      },
      { once: true },
    );
    await runController({
      name: 'taint-eviction',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.reconcile(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const kind = key.slice(0, slash);
    const rest = key.slice(slash + 1);
    if (kind === 'node') this.handleNode(rest);
    else if (kind === 'pod') this.handlePod(rest);
    else if (kind === 'evict') await this.evict(rest);
  }

  private handleNode(name: string): void {
    const node = this.nodeInf.lister().get('', name);
    const taints = noExecuteTaints(node);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = this.podInf.lister().byIndex(NodeNameIndex, name);
    const now = this.ctx.clock.now();
    for (const p of pods) {
      const key = metaNamespaceKey(p);
      if (taints.length === 0) this.cancel(key, p);
      else this.processPod(key, p, taints, now);
    }
  }

  private handlePod(key: string): void {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const pod = this.podInf.lister().get(namespace, name);
    if (!pod) {
      this.cancel(key);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    const taints = nodeName
      ? (this.taintedNodes.get(nodeName) ?? noExecuteTaints(this.nodeInf.lister().get('', nodeName)))
      : [];
    if (!nodeName || taints.length === 0) return;
    this.processPod(key, pod, taints, this.ctx.clock.now());
  }

  /** Upstream processPodOnNode. */
  private processPod(key: string, pod: Pod, taints: Taint[], now: number): void {
    const { all, used } = matchingTolerations(taints, pod.spec?.tolerations ?? []);
    if (!all) {
      this.cancel(key, pod);
      this.schedule(key, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.cancel(key, pod);
      return;
    }
    let start = now;
    const existing = this.scheduled.get(key);
    if (existing) {
      if (!existing.timer) return;
      start = existing.createdAt;
      // An eviction already counting down since earlier keeps its deadline.
      if (start < now) return;
      this.cancel(key, pod);
    }
    this.schedule(key, start, start + min);
  }

  private schedule(key: string, createdAt: number, fireAt: number): void {
    if (this.scheduled.has(key)) return;
    const entry: Scheduled = { createdAt, fireAt };
    this.scheduled.set(key, entry);
    const fire = () => {
      entry.timer = undefined;
      this.queue.add(`evict/${key}`);
    };
    const delay = fireAt - this.ctx.clock.now();
    if (delay <= 0) fire();
    else entry.timer = this.ctx.clock.setTimeout(fire, delay);
  }

  private cancel(key: string, pod?: Pod): void {
    const s = this.scheduled.get(key);
    if (!s) return;
    this.scheduled.delete(key);
    if (s.timer) {
      s.timer.cancel();
      if (pod) this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
    }
  }

  /** Marks the pod as a disruption target and deletes it (retried by the queue on failure). */
  private async evict(key: string): Promise<void> {
    if (!this.scheduled.has(key)) return;
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.podInf.lister().get(namespace, name);
    if (cached) this.recorder.event(cached, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      const pod = await this.pods.namespace(namespace).get(name);
      const has = (pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True');
      if (!has) {
        await this.pods.namespace(namespace).patch(
          name,
          'strategic',
          {
            metadata: { uid: pod.metadata?.uid },
            status: {
              conditions: [
                {
                  type: 'DisruptionTarget',
                  status: 'True',
                  reason: 'DeletionByTaintManager',
                  message: 'Taint manager: deleting due to NoExecute taint',
                  lastTransitionTime: formatTime(this.ctx.clock.now()),
                },
              ],
            },
          },
          { subresource: 'status' },
        );
      }
      await this.pods.namespace(namespace).delete(name, { preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      // Gone already; any other failure is retried with backoff while the eviction stays scheduled.
      if (!isNotFound(err)) throw err;
    }
  }
}

export const taintEvictionController: ControllerDescriptor = {
  name: 'taint-eviction',
  // Upstream runs the taint manager with the node controller's credentials.
  serviceAccount: 'node-controller',
  enabledByDefault: true,
  start: (ctx) => new TaintEvictionController(ctx).start(),
};
