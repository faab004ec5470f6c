import type { LoadBalancerStatus, Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isNotFound } from '../../api/errors/status-error.js';
import {
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  ResourceClient,
  runController,
  type EventRecorder,
  type KubeObject,
  type SharedIndexInformer,
} from '../../client/index.js';
import {
  excludeFromLoadBalancersLabel,
  type LoadBalancer,
  loadBalancerCleanupFinalizer,
  nodeReadyStatus,
  toBeDeletedTaintKey,
} from './cloud-provider.js';
import { readyEndpointNodesOf } from './local-provider.js';
import type { CloudControllerContext, CloudControllerDescriptor } from './types.js';

type ServiceObj = Service & KubeObject;
type NodeObj = Node & KubeObject;
type SliceObj = EndpointSlice & KubeObject;

const servicesGVR = { group: '', version: 'v1', resource: 'services' };
const nodesGVR = { group: '', version: 'v1', resource: 'nodes' };
const slicesGVR = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };
const serviceNameLabel = 'kubernetes.io/service-name';
/** The loadBalancerClass kubets's own balancer answers to, besides none. */
export const localLoadBalancerClass = 'kubets.io/local';
/** Queue keys of a node-set refresh are `hosts|<ns>/<name>`; plain keys are full syncs. */
const hostsPrefix = 'hosts|';

/** Upstream `wantsLoadBalancer`, plus the kubets class. */
export function wantsLoadBalancer(svc: Service): boolean {
  if (svc.spec?.type !== 'LoadBalancer') return false;
  const cls = svc.spec.loadBalancerClass;
  return cls == null || cls === localLoadBalancerClass;
}

const hasFinalizer = (svc: Service) => (svc.metadata?.finalizers ?? []).includes(loadBalancerCleanupFinalizer);

/** Upstream `needsCleanup`: our finalizer is on a Service that is going away or no longer wants a balancer. */
export function needsCleanup(svc: Service): boolean {
  return hasFinalizer(svc) && (svc.metadata?.deletionTimestamp != null || !wantsLoadBalancer(svc));
}

/** Upstream load balancer node predicates: not excluded by label, not being removed by the autoscaler. */
export function isLoadBalancerCandidate(node: Node): boolean {
  if (node.metadata?.deletionTimestamp) return false;
  if (node.metadata?.labels?.[excludeFromLoadBalancersLabel] !== undefined) return false;
  return !(node.spec?.taints ?? []).some((t) => t.key === toBeDeletedTaintKey);
}

/** What about a node can change a balancer's node set or published addresses. */
const nodeLBView = (n: Node) =>
  JSON.stringify([isLoadBalancerCandidate(n), nodeReadyStatus(n), n.status?.addresses ?? [], n.spec?.providerID ?? '']);

/** What about a Service change needs a full sync (upstream `needsUpdate`, coarser). */
const serviceSyncView = (s: Service) =>
  JSON.stringify([s.metadata?.uid, s.metadata?.deletionTimestamp, s.metadata?.annotations ?? {}, s.spec ?? {}]);

const normalized = (st: LoadBalancerStatus | undefined) => JSON.stringify(st?.ingress ?? []);

/**
 * The service controller (upstream `cloud-provider/controllers/service`):
 * provisions a balancer for each `type: LoadBalancer` Service without a
 * `loadBalancerClass` (or with `kubets.io/local`). Ordering contract:
 * the cleanup finalizer is added before the provider is asked to provision,
 * and removed only after `ensureLoadBalancerDeleted` succeeded, so a Service
 * can never disappear with a balancer left behind. `status.loadBalancer` goes
 * through the status subresource and is written only when it changes.
 *
 * Node changes that matter (eligibility, readiness, addresses) and, for
 * `externalTrafficPolicy: Local`, changes in which nodes hold ready
 * endpoints, re-point provisioned balancers via `updateLoadBalancer`. One
 * worker, as upstream's `--concurrent-service-syncs` default.
 */
export class ServiceController {
  readonly queue: RateLimitingQueue<string>;
  private readonly services: SharedIndexInformer<ServiceObj>;
  private readonly nodes: SharedIndexInformer<NodeObj>;
  private readonly slices: SharedIndexInformer<SliceObj>;
  private readonly client: ResourceClient<ServiceObj>;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly ctx: CloudControllerContext,
    private readonly balancer: LoadBalancer,
  ) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'service' });
    this.services = ctx.informers.forResource<ServiceObj>(servicesGVR);
    this.nodes = ctx.informers.forResource<NodeObj>(nodesGVR);
    this.slices = ctx.informers.forResource<SliceObj>(slicesGVR);
    this.client = new ResourceClient<ServiceObj>(ctx.rest, servicesGVR);
    this.recorder = ctx.recorder('service-controller');
    this.services.addEventHandler({
      onAdd: (s) => {
        if (wantsLoadBalancer(s) || needsCleanup(s)) this.queue.add(metaNamespaceKey(s));
      },
      onUpdate: (o, s) => {
        const changed = serviceSyncView(o) !== serviceSyncView(s);
        if ((changed && (wantsLoadBalancer(s) || hasFinalizer(s))) || needsCleanup(s))
          this.queue.add(metaNamespaceKey(s));
      },
    });
    this.nodes.addEventHandler({
      onAdd: () => this.syncAllHosts(),
      onUpdate: (o, n) => {
        if (nodeLBView(o) !== nodeLBView(n)) this.syncAllHosts();
      },
      onDelete: () => this.syncAllHosts(),
    });
    this.slices.addEventHandler({
      onAdd: (s) => this.sliceChanged(undefined, s),
      onUpdate: (o, s) => this.sliceChanged(o, s),
      onDelete: (s) => this.sliceChanged(objectOf(s), undefined),
    });
  }

  async start(): Promise<void> {
    const { signal } = this.ctx;
    await runController({
      name: 'service',
      queue: this.queue,
      workers: 1,
      reconcile: (key) =>
        key.startsWith(hostsPrefix) ? this.syncHosts(key.slice(hostsPrefix.length)) : this.sync(key),
      signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  private syncAllHosts(): void {
    for (const s of this.services.lister().list()) {
      if (wantsLoadBalancer(s) && hasFinalizer(s)) this.queue.add(hostsPrefix + metaNamespaceKey(s));
    }
  }

  private sliceChanged(o: EndpointSlice | undefined, s: EndpointSlice | undefined): void {
    const ref = s ?? o!;
    const name = ref.metadata?.labels?.[serviceNameLabel];
    if (!name) return;
    const svc = this.services.lister().get(ref.metadata?.namespace ?? '', name);
    if (!svc || svc.spec?.externalTrafficPolicy !== 'Local' || !wantsLoadBalancer(svc) || !hasFinalizer(svc)) return;
    const before = [...readyEndpointNodesOf(o ? [o] : [])].sort().join();
    const after = [...readyEndpointNodesOf(s ? [s] : [])].sort().join();
    if (before !== after) this.queue.add(hostsPrefix + metaNamespaceKey(svc));
  }

  /** Load balancer candidate nodes, sorted by name. */
  candidates(): Node[] {
    return this.nodes
      .lister()
      .list()
      .filter(isLoadBalancerCandidate)
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  }

  /** Full sync of one Service (upstream `syncLoadBalancerIfNeeded`). */
  async sync(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.services.lister().get(ns, name);
    // Gone: our finalizer guarantees we cleaned up before it could go.
    if (!svc) return;
    if (!wantsLoadBalancer(svc) && !hasFinalizer(svc)) return;
    try {
      if (needsCleanup(svc)) await this.cleanup(svc);
      else await this.ensure(svc);
    } catch (err) {
      this.recorder.event(svc, 'Warning', 'SyncLoadBalancerFailed', `Error syncing load balancer: ${message(err)}`);
      throw err;
    }
  }

  private async ensure(svc: ServiceObj): Promise<void> {
    this.recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    let current: ServiceObj = svc;
    if (!hasFinalizer(svc)) {
      current = await this.patchFinalizers(svc, [...(svc.metadata?.finalizers ?? []), loadBalancerCleanupFinalizer]);
    }
    const nodes = this.candidates();
    if (nodes.length === 0) {
      this.recorder.event(svc, 'Warning', 'UnAvailableLoadBalancer', 'There are no available nodes for LoadBalancer');
    }
    let status: LoadBalancerStatus;
    try {
      status = await this.balancer.ensureLoadBalancer(this.ctx.clusterName, current, nodes);
    } catch (err) {
      throw new Error(`failed to ensure load balancer: ${message(err)}`, { cause: err });
    }
    this.recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
    await this.patchStatus(current, status);
  }

  private async cleanup(svc: ServiceObj): Promise<void> {
    const { exists } = await this.balancer.getLoadBalancer(this.ctx.clusterName, svc);
    if (exists) {
      this.recorder.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
      try {
        await this.balancer.ensureLoadBalancerDeleted(this.ctx.clusterName, svc);
      } catch (err) {
        throw new Error(`failed to delete load balancer: ${message(err)}`, { cause: err });
      }
    }
    // Status first: once the finalizer goes, a deleted Service can vanish before we could clear it.
    if (svc.metadata?.deletionTimestamp == null) await this.patchStatus(svc, {});
    await this.patchFinalizers(
      svc,
      (svc.metadata?.finalizers ?? []).filter((f) => f !== loadBalancerCleanupFinalizer),
    );
    this.recorder.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
  }

  /** Node-set refresh of a provisioned balancer (upstream `nodeSyncService`). */
  async syncHosts(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const svc = this.services.lister().get(ns, name);
    if (!svc || !wantsLoadBalancer(svc) || !hasFinalizer(svc) || svc.metadata?.deletionTimestamp) return;
    const nodes = this.candidates();
    let status: LoadBalancerStatus | void;
    try {
      status = await this.balancer.updateLoadBalancer(this.ctx.clusterName, svc, nodes);
    } catch (err) {
      this.recorder.event(
        svc,
        'Warning',
        'UpdateLoadBalancerFailed',
        `Error updating load balancer with new hosts ${nodeNames(nodes)}, error: ${message(err)}`,
      );
      throw err;
    }
    this.recorder.event(svc, 'Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new hosts');
    if (status) await this.patchStatus(svc, status);
  }

  private async patchFinalizers(svc: ServiceObj, finalizers: string[]): Promise<ServiceObj> {
    // resourceVersion makes this a compare-and-swap: a conflict retries from a fresh cache.
    return this.client.namespace(svc.metadata!.namespace!).patch(svc.metadata!.name!, 'merge', {
      metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: svc.metadata!.resourceVersion },
    });
  }

  private async patchStatus(svc: ServiceObj, status: LoadBalancerStatus): Promise<void> {
    if (normalized(svc.status?.loadBalancer) === normalized(status)) return;
    try {
      await this.client
        .namespace(svc.metadata!.namespace!)
        .patch(
          svc.metadata!.name!,
          'merge',
          { status: { loadBalancer: { ingress: status.ingress?.length ? status.ingress : null } } },
          { subresource: 'status' },
        );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

function nodeNames(nodes: Node[]): string {
  const names = nodes.slice(0, 10).map((n) => n.metadata!.name!);
  return `[${names.join(' ')}]${nodes.length > 10 ? ` (total ${nodes.length})` : ''}`;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const serviceController: CloudControllerDescriptor = {
  name: 'service',
  enabledByDefault: true,
  supported: (p) => p.loadBalancer !== undefined,
  start: (ctx) => new ServiceController(ctx, ctx.provider.loadBalancer!).start(),
};
