import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import {
  RateLimitingQueue,
  ResourceClient,
  runController,
  type KubeObject,
  type Result,
} from '../../../../client/index.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { discoverResources, type DiscoveredResource } from '../../discovery.js';

const namespaces = { group: '', version: 'v1', resource: 'namespaces' };
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/**
 * Empties terminating namespaces (upstream `pkg/controller/namespace`): deletes
 * every namespaced object of every resource (CRDs included), reports progress
 * in the namespace's conditions, and once nothing is left removes the
 * `kubernetes` finalizer through `/finalize`, letting the namespace go.
 */
export class NamespaceController {
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ResourceClient<Namespace & KubeObject>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
    this.client = new ResourceClient(ctx.rest, namespaces);
  }

  async start(): Promise<void> {
    const inf = this.ctx.informers.forResource<Namespace & KubeObject>(namespaces);
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    inf.addEventHandler({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runController({
      name: 'namespace',
      queue: this.queue,
      workers: 2,
      reconcile: (key) => this.reconcile(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(name: string): Promise<Result | void> {
    let ns: Namespace;
    try {
      ns = await this.client.get(name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes('kubernetes')) return;

    const resources = (await discoverResources(this.ctx.rest, this.ctx.signal)).filter(
      (r) =>
        r.namespaced &&
        r.verbs.includes('list') &&
        (r.verbs.includes('delete') || r.verbs.includes('deletecollection')),
    );
    const remaining = new Map<string, number>();
    const finalizersLeft = new Map<string, number>();
    const failures: string[] = [];
    for (const r of dedupe(resources)) {
      const client = new ResourceClient<KubeObject>(
        this.ctx.rest,
        { group: r.group, version: r.version, resource: r.resource },
        name,
      );
      try {
        let items = (await client.list()).items;
        if (items.length === 0) continue;
        if (r.verbs.includes('deletecollection')) await client.deleteCollection({ propagationPolicy: 'Background' });
        else {
          for (const o of items) {
            try {
              await client.delete(o.metadata!.name!, { propagationPolicy: 'Background' });
            } catch (err) {
              if (!isNotFound(err)) throw err;
            }
          }
        }
        items = (await client.list()).items;
        const label = r.group ? `${r.resource}.${r.group}` : r.resource;
        if (items.length > 0) remaining.set(label, items.length);
        for (const o of items)
          for (const f of (o.metadata!.finalizers as string[] | undefined) ?? [])
            finalizersLeft.set(f, (finalizersLeft.get(f) ?? 0) + 1);
      } catch (err) {
        if (isNotFound(err)) continue;
        failures.push(`${r.group ? `${r.resource}.${r.group}` : r.resource}: ${(err as Error).message}`);
      }
    }
    await this.setConditions(ns, remaining, finalizersLeft, failures);
    if (remaining.size > 0 || failures.length > 0) return { requeueAfter: 1000 };
    try {
      const next = structuredClone(ns);
      next.spec = { ...(next.spec ?? {}), finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') };
      await this.ctx.rest.request({ method: 'PUT', path: `/api/v1/namespaces/${name}/finalize`, body: next });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) return { requeueAfter: 100 };
      throw err;
    }
  }

  private async setConditions(
    ns: Namespace,
    remaining: Map<string, number>,
    finalizers: Map<string, number>,
    failures: string[],
  ): Promise<void> {
    const now = rfc3339(this.ctx.clock.now());
    const cond = (
      type: string,
      bad: boolean,
      reasonBad: string,
      reasonOk: string,
      msgBad: string,
      msgOk: string,
    ): Condition => ({
      type,
      status: bad ? 'True' : 'False',
      reason: bad ? reasonBad : reasonOk,
      message: bad ? msgBad : msgOk,
      lastTransitionTime: now,
    });
    const conditions: Condition[] = [
      cond(
        'NamespaceDeletionDiscoveryFailure',
        false,
        '',
        'ResourcesDiscovered',
        '',
        'All resources successfully discovered',
      ),
      cond(
        'NamespaceDeletionGroupVersionParsingFailure',
        false,
        '',
        'ParsedGroupVersions',
        '',
        'All legacy kube types successfully parsed',
      ),
      cond(
        'NamespaceDeletionContentFailure',
        failures.length > 0,
        'ContentDeletionFailed',
        'ContentDeleted',
        `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}`,
        'All content successfully deleted, may be waiting on finalization',
      ),
      cond(
        'NamespaceContentRemaining',
        remaining.size > 0,
        'SomeResourcesRemain',
        'ContentRemoved',
        `Some resources are remaining: ${[...remaining].map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}`,
        'All content successfully removed',
      ),
      cond(
        'NamespaceFinalizersRemaining',
        finalizers.size > 0,
        'SomeFinalizersRemain',
        'ContentHasNoFinalizers',
        `Some content in the namespace has finalizers remaining: ${[...finalizers].map(([f, n]) => `${f} in ${n} resource instances`).join(', ')}`,
        'All content-preserving finalizers finished',
      ),
    ];
    const old = (ns.status?.conditions ?? []) as Condition[];
    const merged = conditions.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      return prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message ? prev : c;
    });
    if (JSON.stringify(merged) === JSON.stringify(old)) return;
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), conditions: merged as never };
    try {
      await this.client.updateStatus(next);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
}

/** One entry per group-resource (events.k8s.io events are the core events). */
function dedupe(rs: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Set<string>();
  return rs.filter((r) => {
    const k = r.group === 'events.k8s.io' && r.resource === 'events' ? '/events' : `${r.group}/${r.resource}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export const namespaceController: ControllerDescriptor = {
  name: 'namespace',
  serviceAccount: 'namespace-controller',
  enabledByDefault: true,
  start: (ctx) => new NamespaceController(ctx).start(),
};
