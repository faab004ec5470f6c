import type { EndpointAddress, EndpointSubset, Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, StatusError } from '../../../../api/errors/status-error.js';
import { selectorFromSet } from '../../../../api/selectors/label-selector.js';
import { formatRFC3339Nano } from '../../../../api/values/time.js';
import {
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  splitMetaNamespaceKey,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import {
  findPort,
  isPodReady,
  podEndpointFingerprint,
  podIPsOfFamily,
  primaryFamily,
  serviceKeysForPod,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from './pod-endpoints.js';
import { repackSubsets, subsetsEqual, truncateEndpoints } from './repack-subsets.js';
import { lastChangeTriggerTimeAnnotation, TriggerTimeTracker } from './trigger-time-tracker.js';

export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';
export const headlessServiceLabel = 'service.kubernetes.io/headless';
const leaderAnnotation = 'control-plane.alpha.kubernetes.io/leader';

const services = { group: '', version: 'v1', resource: 'services' };
const pods = { group: '', version: 'v1', resource: 'pods' };
const endpointsGVR = { group: '', version: 'v1', resource: 'endpoints' };

type Svc = Service & KubeObject;
type PodObj = Pod & KubeObject;
type Ep = Endpoints & KubeObject;

/** True when a create failed because the namespace is being deleted (drop the item, as upstream). */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && (err.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

/** Service is headless when it has no cluster IP (`None` or empty). */
export function isHeadless(svc: Service): boolean {
  return !svc.spec?.clusterIP || svc.spec.clusterIP === 'None';
}

/** The subsets a Service's selected pods produce (before truncation). */
export function desiredSubsets(svc: Service, selected: Pod[]): EndpointSubset[] {
  const tolerate = !!svc.spec?.publishNotReadyAddresses;
  const out: EndpointSubset[] = [];
  for (const pod of selected) {
    if (!shouldPodBeInEndpoints(pod, tolerate)) continue;
    const ip = podIPsOfFamily(pod, primaryFamily(svc, pod))[0];
    if (!ip) continue;
    const addr: EndpointAddress = {
      ip,
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace, name: pod.metadata!.name, uid: pod.metadata!.uid },
    };
    if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec!.hostname;
    const ready = tolerate || isPodReady(pod);
    const subset = (ports: EndpointSubset['ports']): EndpointSubset =>
      ready
        ? { addresses: [addr], ...(ports ? { ports } : {}) }
        : { notReadyAddresses: [addr], ...(ports ? { ports } : {}) };
    const svcPorts = svc.spec?.ports ?? [];
    if (svcPorts.length === 0) {
      // A headless Service without ports still publishes its pods (for DNS).
      if (svc.spec?.clusterIP === 'None') out.push(subset(undefined));
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      out.push(
        subset([
          {
            ...(sp.name ? { name: sp.name } : {}),
            port,
            protocol: sp.protocol ?? 'TCP',
            ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
          },
        ]),
      );
    }
  }
  return repackSubsets(out);
}

function desiredLabels(svc: Service): Record<string, string> {
  const labels = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[headlessServiceLabel] = '';
  else delete labels[headlessServiceLabel];
  return labels;
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => (b ?? {})[k] === a![k]);
};

/**
 * The Endpoints controller (upstream `pkg/controller/endpoint`): keeps one
 * Endpoints object per Service with a selector, listing the selected pods'
 * addresses (ready vs not ready) grouped by identical port sets. Services
 * without a selector (the `kubernetes` Service, manually managed endpoints)
 * and ExternalName Services are left alone; Endpoints of deleted Services
 * are deleted.
 */
export class EndpointsController {
  readonly queue: RateLimitingQueue<string>;
  private readonly svcInf: SharedIndexInformer<Svc>;
  private readonly podInf: SharedIndexInformer<PodObj>;
  private readonly epInf: SharedIndexInformer<Ep>;
  private readonly tracker = new TriggerTimeTracker();
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'endpoint' });
    this.svcInf = ctx.informers.forResource<Svc>(services);
    this.podInf = ctx.informers.forResource<PodObj>(pods);
    this.epInf = ctx.informers.forResource<Ep>(endpointsGVR);
    this.recorder = ctx.recorder('endpoint-controller');
    const enqueueSvc = (s: Svc) => this.queue.add(metaNamespaceKey(s));
    this.svcInf.addEventHandler({
      onAdd: enqueueSvc,
      onUpdate: (_o, n) => enqueueSvc(n),
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
    // A deleted Endpoints object of a selector Service is recreated.
    this.epInf.addEventHandler({
      onDelete: (o) => {
        const ep = objectOf(o);
        const svc = this.svcInf.lister().get(ep.metadata!.namespace!, ep.metadata!.name!);
        if (svc?.spec?.selector) this.queue.add(metaNamespaceKey(ep));
      },
    });
  }

  async start(): Promise<void> {
    const { signal } = this.ctx;
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    const run = runController({
      name: 'endpoint',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.reconcile(key),
      signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
    // Endpoints left behind by Services deleted while no controller ran.
    if (await this.epInf.waitForSync(signal)) {
      for (const ep of this.epInf.lister().list()) {
        if (ep.metadata?.annotations?.[leaderAnnotation] === undefined) this.queue.add(metaNamespaceKey(ep));
      }
    }
    await run;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const client = new ResourceClient<Ep>(this.ctx.rest, endpointsGVR, namespace);
    const svc = this.svcInf.lister().get(namespace, name);
    if (!svc) {
      this.tracker.forget(key);
      const ep = this.epInf.lister().get(namespace, name);
      // As upstream, Endpoints without a Service go (leader-election records excepted).
      if (!ep || ep.metadata?.annotations?.[leaderAnnotation] !== undefined) return;
      try {
        await client.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !svc.spec?.selector) return;

    const selected = this.podInf.lister().namespace(namespace).list(selectorFromSet(svc.spec.selector));
    const subsets = desiredSubsets(svc, selected);
    const triggerTime = this.tracker.compute(key, svc, selected);
    const labels = desiredLabels(svc);

    // Truncate first, then compare: an over-capacity Service is not rewritten on every sync.
    const truncated: Ep = { subsets: structuredClone(subsets) };
    const over = truncateEndpoints(truncated);
    const cur = this.epInf.lister().get(namespace, name);
    if (
      cur &&
      subsetsEqual(cur.subsets, truncated.subsets) &&
      sameMap(cur.metadata?.labels, labels) &&
      (cur.metadata?.annotations?.[overCapacityAnnotation] !== undefined) === over
    )
      return;

    const next: Ep = cur
      ? structuredClone(cur)
      : { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace } };
    next.subsets = truncated.subsets;
    next.metadata!.labels = labels;
    const ann = { ...(next.metadata!.annotations ?? {}) };
    if (triggerTime) ann[lastChangeTriggerTimeAnnotation] = formatRFC3339Nano(triggerTime);
    else delete ann[lastChangeTriggerTimeAnnotation];
    if (over) ann[overCapacityAnnotation] = 'truncated';
    else delete ann[overCapacityAnnotation];
    next.metadata!.annotations = ann;
    if (next.subsets?.length === 0) delete next.subsets;

    try {
      if (cur) await client.update(next);
      else await client.create(next);
    } catch (err) {
      if (!cur && isNamespaceTerminating(err)) return;
      if (!cur && isAlreadyExists(err)) throw err;
      this.recorder.event(
        svc,
        'Warning',
        cur ? 'FailedToUpdateEndpoint' : 'FailedToCreateEndpoint',
        `Failed to ${cur ? 'update' : 'create'} endpoint ${namespace}/${name}: ${(err as Error).message}`,
      );
      throw err;
    }
  }
}

export const endpointsController: ControllerDescriptor = {
  name: 'endpoints',
  serviceAccount: 'endpoint-controller',
  enabledByDefault: true,
  start: (ctx) => new EndpointsController(ctx).start(),
};
