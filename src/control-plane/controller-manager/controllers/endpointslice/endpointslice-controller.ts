import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { selectorFromSet } from '../../../../api/selectors/label-selector.js';
import { formatRFC3339Nano } from '../../../../api/values/time.js';
import {
  metaNamespaceKey,
  NodeNameIndex,
  nodeNameIndexFunc,
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  splitMetaNamespaceKey,
  type KubeObject,
  type Result,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { isNamespaceTerminating } from '../endpoints/endpoints-controller.js';
import { podEndpointFingerprint, serviceKeysForPod } from '../endpoints/pod-endpoints.js';
import { lastChangeTriggerTimeAnnotation, TriggerTimeTracker } from '../endpoints/trigger-time-tracker.js';
import { controllerName, managedByLabel, planSlices, serviceNameLabel, zoneLabel } from './slice-reconciler.js';
import { SliceTracker } from './slice-tracker.js';

const services = { group: '', version: 'v1', resource: 'services' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const nodes = { group: '', version: 'v1', resource: 'nodes' };
export const endpointSlices = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

type Svc = Service & KubeObject;
type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;
type Slice = EndpointSlice & KubeObject;

/** Sets or clears the trigger-time annotation on a slice about to be written (a copy). */
export function setTriggerTime(slice: EndpointSlice, triggerTime: number): void {
  const ann = { ...(slice.metadata!.annotations ?? {}) };
  if (triggerTime) ann[lastChangeTriggerTimeAnnotation] = formatRFC3339Nano(triggerTime);
  else delete ann[lastChangeTriggerTimeAnnotation];
  slice.metadata!.annotations = ann;
}

/**
 * The EndpointSlice controller (upstream `pkg/controller/endpointslice`):
 * for every Service with a selector, keeps EndpointSlices labelled
 * `kubernetes.io/service-name` and managed-by `endpointslice-controller.k8s.io`,
 * owned by the Service, listing the selected pods with ready/serving/terminating
 * conditions, node and zone, at most 100 per slice (see `planSlices`). Slices
 * of a deleted Service are deleted (the garbage collector would too, through
 * the owner reference).
 */
export class EndpointSliceController {
  readonly queue: RateLimitingQueue<string>;
  private readonly svcInf: SharedIndexInformer<Svc>;
  private readonly podInf: SharedIndexInformer<PodObj>;
  private readonly nodeInf: SharedIndexInformer<NodeObj>;
  private readonly sliceInf: SharedIndexInformer<Slice>;
  private readonly triggers = new TriggerTimeTracker();
  private readonly tracker = new SliceTracker();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly maxEndpointsPerSlice = 100,
  ) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'endpoint_slice' });
    this.svcInf = ctx.informers.forResource<Svc>(services);
    this.podInf = ctx.informers.forResource<PodObj>(pods, { indexers: { [NodeNameIndex]: nodeNameIndexFunc } });
    this.nodeInf = ctx.informers.forResource<NodeObj>(nodes);
    this.sliceInf = ctx.informers.forResource<Slice>(endpointSlices);

    this.svcInf.addEventHandler({
      onAdd: (s) => this.queue.add(metaNamespaceKey(s)),
      onUpdate: (_o, n) => this.queue.add(metaNamespaceKey(n)),
      onDelete: (o) => this.queue.add(metaNamespaceKey(o as Svc)),
    });
    const forPod = (p: Pod, ...labels: (Record<string, string> | undefined)[]) => {
      for (const k of serviceKeysForPod(this.svcInf.lister().list(), p.metadata!.namespace!, ...labels))
        this.queue.add(k);
    };
    this.podInf.addEventHandler({
      onAdd: (p) => forPod(p, p.metadata?.labels),
      onUpdate: (o, n) => {
        if (o !== n && podEndpointFingerprint(o) === podEndpointFingerprint(n)) return;
        forPod(n, o.metadata?.labels, n.metadata?.labels);
      },
      onDelete: (o) => {
        const p = objectOf(o);
        forPod(p, p.metadata?.labels);
      },
    });
    // Endpoints carry the node's zone, and pods on unknown nodes wait for them.
    const forNode = (n: Node) => {
      for (const p of this.podInf.lister().byIndex(NodeNameIndex, n.metadata!.name!)) forPod(p, p.metadata?.labels);
    };
    this.nodeInf.addEventHandler({
      onAdd: (n, initial) => {
        if (!initial) forNode(n);
      },
      onUpdate: (o, n) => {
        if (o.metadata?.labels?.[zoneLabel] !== n.metadata?.labels?.[zoneLabel]) forNode(n);
      },
      onDelete: (o) => forNode(objectOf(o)),
    });
    const forSlice = (s: EndpointSlice) => {
      const svc = s.metadata?.labels?.[serviceNameLabel];
      if (svc && s.metadata?.labels?.[managedByLabel] === controllerName)
        this.queue.add(`${s.metadata!.namespace}/${svc}`);
    };
    this.sliceInf.addEventHandler({
      onAdd: forSlice,
      onUpdate: (o, n) => {
        if (o !== n) forSlice(n);
      },
      onDelete: (o) => {
        const s = objectOf(o);
        const svc = s.metadata?.labels?.[serviceNameLabel];
        if (svc) this.tracker.observeDelete(`${s.metadata!.namespace}/${svc}`, s.metadata!.name!);
        forSlice(s);
      },
    });
  }

  async start(): Promise<void> {
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runController({
      name: 'endpointslice',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.reconcile(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private managedSlices(namespace: string, name: string): Slice[] {
    return this.sliceInf
      .lister()
      .namespace(namespace)
      .list(selectorFromSet({ [serviceNameLabel]: name, [managedByLabel]: controllerName }));
  }

  async reconcile(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const client = new ResourceClient<Slice>(this.ctx.rest, endpointSlices, namespace);
    const svc = this.svcInf.lister().get(namespace, name);
    const cached = this.managedSlices(namespace, name);
    if (!svc) {
      this.triggers.forget(key);
      this.tracker.forget(key);
      for (const s of cached) {
        try {
          await client.delete(s.metadata!.name!);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;
    if (this.tracker.stale(key, cached)) return { requeue: true };

    const selected = this.podInf.lister().namespace(namespace).list(selectorFromSet(svc.spec.selector));
    const triggerTime = this.triggers.compute(key, svc, selected);
    const plan = planSlices({
      service: svc,
      pods: selected,
      existing: cached.filter((s) => !s.metadata?.deletionTimestamp),
      node: (n) => this.nodeInf.lister().get('', n),
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
    });
    for (const s of plan.create) {
      setTriggerTime(s, triggerTime);
      try {
        this.tracker.expect(key, await client.create(s as Slice));
      } catch (err) {
        if (isNamespaceTerminating(err)) return;
        throw err;
      }
    }
    for (const s of plan.update) {
      setTriggerTime(s, triggerTime);
      this.tracker.expect(key, await client.update(s as Slice));
    }
    for (const s of plan.delete) {
      try {
        await client.delete(s.metadata!.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.tracker.expect(key, s, true);
    }
    // Pods whose node is not known yet: try again (a node event also requeues).
    if (plan.skippedPods.length) return { requeue: true };
  }
}

export const endpointSliceController: ControllerDescriptor = {
  name: 'endpointslice',
  serviceAccount: 'endpointslice-controller',
  enabledByDefault: true,
  start: (ctx) => new EndpointSliceController(ctx).start(),
};
