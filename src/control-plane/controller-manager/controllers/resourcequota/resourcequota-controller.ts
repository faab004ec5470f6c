import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import {
  type DeletedFinalStateUnknown,
  gvr,
  type KubeObject,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  type Result,
  runController,
  type SharedIndexInformer,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import { type DiscoveredResource, discoverResources } from '../../discovery.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { calculateUsage, evaluatorsFor, quotaStatus } from './calculate-usage.js';
import { claimStorage, coreQuotaResources, evaluatorFor, type GroupResource } from './evaluators.js';
import { podIsCharged } from './pod-usage.js';
import { equalLists, parseResourceList } from './resource-list.js';

export const quotasGVR = gvr('', 'v1', 'resourcequotas');

/** Every quota is recounted this often (`--resource-quota-sync-period`, 5 min). */
const fullResyncMs = 5 * 60_000;
/** Discovery answers for count/<resource>.<group> quotas are reused this long (the quota monitor's resync). */
const discoveryTtlMs = 30_000;

const grKey = (gr: GroupResource) => `${gr.group}/${gr.resource}`;

interface Monitor {
  informer: SharedIndexInformer<KubeObject>;
  lister: Lister<KubeObject>;
}

/** Service type as quota sees it (upstream GetQuotaServiceType). */
function quotaServiceType(s: Service): string {
  const t = s.spec?.type;
  return t === 'NodePort' || t === 'LoadBalancer' ? t : '';
}

/**
 * kube-controller-manager's `resourcequota` controller: keeps each
 * ResourceQuota's `status.hard` equal to `spec.hard` (admission refuses
 * charges until it is) and `status.used` equal to a recount of the
 * namespace's objects from the informer caches. Admission charges creates as
 * they happen; this controller gives back what deletions and terminations
 * free (replenishment on the relevant object events), recounts every quota
 * every 5 minutes, and counts `count/<resource>.<group>` for any served
 * resource by watching it on first use.
 */
export class ResourceQuotaController {
  private readonly queue: RateLimitingQueue<string>;
  private readonly quotaInformer: SharedIndexInformer<ResourceQuota>;
  private readonly quotas: Lister<ResourceQuota>;
  private readonly client: ResourceClient<ResourceQuota>;
  private readonly monitors = new Map<string, Monitor>();
  private discovery?: { at: number; resources: DiscoveredResource[] };

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'resourcequota' });
    this.quotaInformer = ctx.informers.forResource<ResourceQuota>(quotasGVR);
    this.quotas = this.quotaInformer.lister();
    this.client = typed<ResourceQuota>(ctx.rest, quotasGVR);
    this.quotaInformer.addEventHandler({
      onAdd: (q) => this.queue.add(metaNamespaceKey(q)),
      // Status changes are this controller's (or admission's) own writes: only spec.hard matters.
      onUpdate: (old, cur) => {
        if (!equalLists(parseResourceList(old.spec?.hard), parseResourceList(cur.spec?.hard))) {
          this.queue.add(metaNamespaceKey(cur));
        }
      },
      onDelete: (q) => this.queue.add(metaNamespaceKey(objectOf(q))),
    });
    for (const gr of coreQuotaResources) this.monitor(gr, 'v1');
  }

  async run(): Promise<void> {
    const { signal } = this.ctx;
    const all = [this.quotaInformer, ...[...this.monitors.values()].map((m) => m.informer)];
    const synced = await Promise.all(all.map((i) => i.waitForSync(signal)));
    if (!synced.every(Boolean)) return;
    const resync = this.ctx.clock.setInterval(() => {
      for (const q of this.quotas.list()) this.queue.add(metaNamespaceKey(q));
    }, fullResyncMs);
    try {
      await runController({
        name: 'resourcequota',
        queue: this.queue,
        workers: this.ctx.config.workers,
        reconcile: (key) => this.sync(key),
        signal,
        log: this.ctx.log,
        clock: this.ctx.clock,
      });
    } finally {
      resync.cancel();
    }
  }

  /** Watches a resource for replenishment (upstream QuotaMonitor); idempotent. */
  private monitor(gr: GroupResource, version: string): Monitor {
    const existing = this.monitors.get(grKey(gr));
    if (existing) return existing;
    const informer = this.ctx.informers.forResource<KubeObject>(gvr(gr.group, version, gr.resource));
    const m: Monitor = { informer, lister: informer.lister() };
    this.monitors.set(grKey(gr), m);
    informer.addEventHandler({
      onUpdate: (old, cur) => {
        if (this.updateFreesQuota(gr, old, cur)) this.replenish(gr, cur.metadata?.namespace ?? '');
      },
      onDelete: (obj: KubeObject | DeletedFinalStateUnknown<KubeObject>) =>
        this.replenish(gr, objectOf(obj).metadata?.namespace ?? ''),
    });
    return m;
  }

  /** Which updates change usage (upstream's monitor update filter); creates were charged by admission. */
  private updateFreesQuota(gr: GroupResource, old: KubeObject, cur: KubeObject): boolean {
    if (gr.group !== '') return false;
    const now = this.ctx.clock.now();
    switch (gr.resource) {
      case 'pods':
        return podIsCharged(old as Pod, now) && !podIsCharged(cur as Pod, now);
      case 'services':
        return quotaServiceType(old as Service) !== quotaServiceType(cur as Service);
      case 'persistentvolumeclaims': {
        const a = claimStorage(old as PersistentVolumeClaim);
        const b = claimStorage(cur as PersistentVolumeClaim);
        return (a === undefined) !== (b === undefined) || (a !== undefined && !a.equals(b!));
      }
      default:
        return false;
    }
  }

  /** Enqueues the namespace's quotas that track something `gr` is charged for (upstream replenishQuota). */
  private replenish(gr: GroupResource, namespace: string): void {
    if (!namespace) return;
    const ev = evaluatorFor(gr);
    for (const q of this.quotas.namespace(namespace).list()) {
      if (ev.matchingResources(Object.keys(q.status?.hard ?? {})).length > 0) this.queue.add(metaNamespaceKey(q));
    }
  }

  /** Served version of a group-resource that can be listed and watched, from (cached) discovery. */
  private async servedVersion(gr: GroupResource): Promise<string | undefined> {
    const now = this.ctx.clock.monotonic();
    const find = () =>
      this.discovery?.resources.find(
        (r) =>
          r.group === gr.group && r.resource === gr.resource && r.verbs.includes('list') && r.verbs.includes('watch'),
      );
    if (!this.discovery || (now - this.discovery.at > discoveryTtlMs && !find())) {
      this.discovery = { at: now, resources: await discoverResources(this.ctx.rest, this.ctx.signal) };
    }
    return find()?.version;
  }

  /** Starts (and waits for) monitors of the resources a quota counts that are not watched yet. */
  private async ensureMonitors(quota: ResourceQuota): Promise<void> {
    const fresh: Monitor[] = [];
    for (const ev of evaluatorsFor(Object.keys(quota.spec?.hard ?? {}))) {
      const gr = ev.groupResource;
      if (this.monitors.has(grKey(gr))) continue;
      const version = await this.servedVersion(gr);
      if (version) fresh.push(this.monitor(gr, version));
    }
    if (fresh.length === 0) return;
    this.ctx.informers.start(this.ctx.signal);
    await Promise.all(fresh.map((m) => m.informer.waitForSync(this.ctx.signal)));
  }

  /** Recounts one quota and writes its status when it changed; a missing quota is the delete. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const quota = this.quotas.get(namespace, name);
    if (!quota) return;
    await this.ensureMonitors(quota);
    const usage = calculateUsage(
      quota,
      (gr, ns) => {
        const m = this.monitors.get(grKey(gr));
        return m?.informer.hasSynced() ? m.lister.namespace(ns).list() : undefined;
      },
      this.ctx.clock.now(),
    );
    const status = quotaStatus(quota, usage.used);
    // The write carries the cached resourceVersion: a concurrent admission charge makes it conflict and retry.
    if (status) await this.client.namespace(namespace).updateStatus({ ...quota, status });
    if (usage.unknown.length > 0) {
      this.ctx.log.debug('quota names without a served resource', { key, names: usage.unknown });
    }
  }
}

/** kube-controller-manager's `resourcequota` controller. */
export const resourceQuotaController: ControllerDescriptor = {
  name: 'resourcequota',
  serviceAccount: 'resourcequota-controller',
  enabledByDefault: true,
  start(ctx) {
    return new ResourceQuotaController(ctx).run();
  },
};
