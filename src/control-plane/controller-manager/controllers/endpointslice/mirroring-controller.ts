import type { EndpointAddress, Endpoints, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../../../api/errors/status-error.js';
import { selectorFromSet } from '../../../../api/selectors/label-selector.js';
import { isIPv4, isIPv6 } from '../../../../api/validation/names.js';
import {
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  splitMetaNamespaceKey,
  type EventRecorder,
  type KubeObject,
  type Result,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { isNamespaceTerminating } from '../endpoints/endpoints-controller.js';
import { repackSubsets } from '../endpoints/repack-subsets.js';
import { lastChangeTriggerTimeAnnotation } from '../endpoints/trigger-time-tracker.js';
import { endpointSlices } from './endpointslice-controller.js';
import { endpointKey, managedByLabel, portsKey, serviceNameLabel, slicePrefix } from './slice-reconciler.js';
import { SliceTracker } from './slice-tracker.js';

export const mirroringControllerName = 'endpointslicemirroring-controller.k8s.io';
export const skipMirrorLabel = 'endpointslice.kubernetes.io/skip-mirror';
/** Upstream `--mirroring-max-endpoints-per-subset` default. */
export const maxMirroredPerSubset = 1000;
const leaderAnnotation = 'control-plane.alpha.kubernetes.io/leader';
const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

type Svc = Service & KubeObject;
type Ep = Endpoints & KubeObject;
type Slice = EndpointSlice & KubeObject;

interface Group {
  ports: EndpointPort[];
  type: 'IPv4' | 'IPv6';
  endpoints: Endpoint[];
}

/**
 * Mirrors manually managed Endpoints of selector-less Services into
 * EndpointSlices (upstream `pkg/controller/endpointslicemirroring`): one slice
 * per (port set, address family), owned by the Endpoints, labelled
 * `kubernetes.io/service-name` and managed-by
 * `endpointslicemirroring-controller.k8s.io`, at most 1000 addresses per
 * subset. Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"`
 * (the apiserver's own `kubernetes` endpoints) and leader-election records
 * are not mirrored.
 */
export class EndpointSliceMirroringController {
  readonly queue: RateLimitingQueue<string>;
  private readonly svcInf: SharedIndexInformer<Svc>;
  private readonly epInf: SharedIndexInformer<Ep>;
  private readonly sliceInf: SharedIndexInformer<Slice>;
  private readonly tracker = new SliceTracker();
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'endpoint_slice_mirroring' });
    this.svcInf = ctx.informers.forResource<Svc>({ group: '', version: 'v1', resource: 'services' });
    this.epInf = ctx.informers.forResource<Ep>({ group: '', version: 'v1', resource: 'endpoints' });
    this.sliceInf = ctx.informers.forResource<Slice>(endpointSlices);
    this.recorder = ctx.recorder('endpointslice-mirroring-controller');
    const byKey = {
      onAdd: (o: KubeObject) => this.queue.add(metaNamespaceKey(o)),
      onUpdate: (_o: KubeObject, n: KubeObject) => this.queue.add(metaNamespaceKey(n)),
      onDelete: (o: unknown) => this.queue.add(metaNamespaceKey(o as KubeObject)),
    };
    this.svcInf.addEventHandler(byKey);
    this.epInf.addEventHandler(byKey);
    const forSlice = (s: EndpointSlice) => {
      const svc = s.metadata?.labels?.[serviceNameLabel];
      if (svc && s.metadata?.labels?.[managedByLabel] === mirroringControllerName)
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
      name: 'endpointslice-mirroring',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.reconcile(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const client = new ResourceClient<Slice>(this.ctx.rest, endpointSlices, namespace);
    const cached = this.sliceInf
      .lister()
      .namespace(namespace)
      .list(selectorFromSet({ [serviceNameLabel]: name, [managedByLabel]: mirroringControllerName }));
    const ep = this.epInf.lister().get(namespace, name);
    const svc = this.svcInf.lister().get(namespace, name);
    const mirror =
      ep &&
      svc &&
      !svc.spec?.selector &&
      ep.metadata?.labels?.[skipMirrorLabel] !== 'true' &&
      ep.metadata?.annotations?.[leaderAnnotation] === undefined;
    if (!mirror) {
      this.tracker.forget(key);
      for (const s of cached) await deleteIgnoringNotFound(client, s.metadata!.name!);
      return;
    }
    if (this.tracker.stale(key, cached)) return { requeue: true };

    const groups = this.desiredGroups(ep);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.metadata?.labels ?? {}))
      if (k !== serviceNameLabel && k !== managedByLabel) labels[k] = v;
    labels[serviceNameLabel] = name;
    labels[managedByLabel] = mirroringControllerName;
    const annotations = { ...(ep.metadata?.annotations ?? {}) };
    delete annotations[lastChangeTriggerTimeAnnotation];
    delete annotations[lastAppliedAnnotation];

    const existingByKey = new Map<string, Slice[]>();
    for (const s of cached) {
      const k = `${s.addressType}|${portsKey(s.ports)}`;
      existingByKey.set(k, [...(existingByKey.get(k) ?? []), s]);
    }
    const build = (g: Group, sliceName?: string): Slice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        ...(sliceName ? { name: sliceName } : { generateName: slicePrefix(name) }),
        namespace,
        labels,
        annotations,
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Endpoints',
            name,
            uid: ep.metadata!.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      addressType: g.type,
      endpoints: g.endpoints,
      ports: g.ports,
    });
    for (const [k, g] of groups) {
      const existing = existingByKey.get(k) ?? [];
      existingByKey.delete(k);
      const [first, ...rest] = existing;
      for (const s of rest) {
        await deleteIgnoringNotFound(client, s.metadata!.name!);
        this.tracker.expect(key, s, true);
      }
      if (!first) {
        try {
          this.tracker.expect(key, await client.create(build(g)));
        } catch (err) {
          if (isNamespaceTerminating(err)) return;
          throw err;
        }
        continue;
      }
      const want = build(g, first.metadata!.name!);
      if (sameMirror(first, want)) continue;
      const next = structuredClone(first);
      next.metadata = { ...next.metadata, labels, annotations, ownerReferences: want.metadata!.ownerReferences };
      next.endpoints = want.endpoints;
      next.ports = want.ports;
      this.tracker.expect(key, await client.update(next));
    }
    for (const slices of existingByKey.values())
      for (const s of slices) {
        await deleteIgnoringNotFound(client, s.metadata!.name!);
        this.tracker.expect(key, s, true);
      }
  }

  /** Endpoints grouped by (address family, ports), capped per subset; warns about skipped addresses. */
  private desiredGroups(ep: Ep): Map<string, Group> {
    const groups = new Map<string, Group>();
    let invalid = 0;
    let skipped = 0;
    for (const subset of repackSubsets(ep.subsets ?? [])) {
      const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({
        name: p.name ?? '',
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      }));
      const all: [EndpointAddress, boolean][] = [
        ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
        ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
      ];
      let added = 0;
      for (const [a, ready] of all) {
        if (added >= maxMirroredPerSubset) break;
        const type = isIPv4(a.ip) ? 'IPv4' : isIPv6(a.ip) ? 'IPv6' : undefined;
        if (!type) {
          invalid++;
          continue;
        }
        const k = `${type}|${portsKey(ports)}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { ports, type, endpoints: [] }));
        const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.targetRef) e.targetRef = a.targetRef;
        if (a.nodeName) e.nodeName = a.nodeName;
        if (a.hostname) e.hostname = a.hostname;
        g.endpoints.push(e);
        added++;
      }
      skipped += all.length - added;
    }
    if (invalid > 0)
      this.recorder.event(
        ep,
        'Warning',
        'InvalidIPAddress',
        `Skipped ${invalid} invalid IP addresses when mirroring to EndpointSlices`,
      );
    if (skipped > invalid)
      this.recorder.event(
        ep,
        'Warning',
        'TooManyAddressesToMirror',
        `A max of ${maxMirroredPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. ${skipped} addresses were skipped`,
      );
    return groups;
  }
}

function sameMirror(have: EndpointSlice, want: EndpointSlice): boolean {
  const eps = (s: EndpointSlice) =>
    JSON.stringify(
      (s.endpoints ?? []).map((e) => [endpointKey(e), e.conditions ?? {}, e.nodeName ?? '', e.targetRef?.uid ?? '']),
    );
  const map = (m: Record<string, string> | undefined) => JSON.stringify(Object.entries(m ?? {}).sort());
  return (
    eps(have) === eps(want) &&
    portsKey(have.ports) === portsKey(want.ports) &&
    map(have.metadata?.labels) === map(want.metadata?.labels) &&
    map(have.metadata?.annotations) === map(want.metadata?.annotations)
  );
}

async function deleteIgnoringNotFound(client: ResourceClient<Slice>, name: string): Promise<void> {
  try {
    await client.delete(name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export const endpointSliceMirroringController: ControllerDescriptor = {
  name: 'endpointslice-mirroring',
  serviceAccount: 'endpointslicemirroring-controller',
  enabledByDefault: true,
  start: (ctx) => new EndpointSliceMirroringController(ctx).start(),
};
