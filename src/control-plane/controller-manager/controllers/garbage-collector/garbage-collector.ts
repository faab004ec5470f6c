import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import {
  RateLimitingQueue,
  ResourceClient,
  runController,
  type KubeObject,
  type RestClient,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { discoverResources, resourceForKind, type DiscoveredResource } from '../../discovery.js';
import { OwnershipGraph, type GraphNode, type ObjectView, type OwnerRef } from './graph.js';

/** Resources the collector never watches (as upstream: events are high-churn and never owners). */
const ignored = new Set(['/events', 'events.k8s.io/events']);

function gvr(r: DiscoveredResource) {
  return { group: r.group, version: r.version, resource: r.resource };
}

function clientFor(rest: RestClient, r: DiscoveredResource, ns: string): ResourceClient<KubeObject> {
  return new ResourceClient<KubeObject>(rest, gvr(r), r.namespaced ? ns : undefined);
}

/**
 * The garbage collector (upstream `pkg/controller/garbagecollector`): keeps an
 * ownership graph of every object, deletes dependents whose owners are gone
 * (background), deletes blocking dependents first and then releases owners
 * deleted in the foreground (`foregroundDeletion` finalizer), and orphans
 * dependents of owners deleted with the `orphan` finalizer. Work items:
 * `d:<uid>` attempt to delete a dependent, `f:<uid>` foreground owner,
 * `o:<uid>` orphaning owner.
 */
export class GarbageCollector {
  readonly graph = new OwnershipGraph();
  private resources: DiscoveredResource[] = [];
  private watched = new Set<string>();
  readonly queue: RateLimitingQueue<string>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock });
  }

  async start(): Promise<void> {
    const { signal } = this.ctx;
    await this.syncResources();
    const resync = this.ctx.clock.setInterval(
      () => void this.syncResources().catch((err) => this.ctx.log.warn('discovery failed', { err })),
      30_000,
    );
    signal.addEventListener(
      'abort',
      () => {
        resync.cancel();
        this.queue.shutDown();
      },
      { once: true },
    );
    await runController({
      name: 'garbage-collector',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.reconcile(key),
      signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  /** Watches every listable, watchable, deletable resource (picks up new CRDs). */
  async syncResources(): Promise<void> {
    const found = await discoverResources(this.ctx.rest, this.ctx.signal);
    this.resources = found;
    let added = false;
    for (const r of found) {
      const key = `${r.group}/${r.resource}`;
      if (ignored.has(key) || this.watched.has(key)) continue;
      if (!['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) continue;
      this.watched.add(key);
      added = true;
      const inf = this.ctx.informers.forResource<KubeObject>(gvr(r));
      inf.addEventHandler({
        onAdd: (o) => this.observe(o as unknown as ObjectView, r),
        onUpdate: (_old, o) => this.observe(o as unknown as ObjectView, r),
        onDelete: (o) => this.forget(o as unknown as ObjectView),
      });
    }
    if (added) this.ctx.informers.start(this.ctx.signal);
  }

  private observe(obj: ObjectView, r: DiscoveredResource): void {
    if (!obj?.metadata?.uid) return;
    const { node, previousOwners } = this.graph.upsert(obj, r);
    if (node.owners.length > 0 || previousOwners.length > 0) this.queue.add(`d:${node.uid}`);
    if (node.deletingDependents) this.queue.add(`f:${node.uid}`);
    if (node.orphaning) this.queue.add(`o:${node.uid}`);
    // A dependent that showed up for an owner already on its way out needs handling.
    for (const o of node.owners) {
      const owner = this.graph.nodes.get(o.uid);
      if (owner?.deletingDependents) this.queue.add(`f:${owner.uid}`);
    }
  }

  private forget(obj: ObjectView): void {
    const uid = (obj as { obj?: ObjectView })?.obj?.metadata?.uid ?? obj?.metadata?.uid;
    if (!uid) return;
    const gone = this.graph.remove(uid);
    if (!gone) return;
    for (const d of gone.dependents) this.queue.add(`d:${d}`);
    for (const o of gone.owners) {
      const owner = this.graph.nodes.get(o.uid);
      if (owner?.deletingDependents) this.queue.add(`f:${owner.uid}`);
      if (owner?.orphaning) this.queue.add(`o:${owner.uid}`);
    }
  }

  async reconcile(key: string): Promise<void> {
    const uid = key.slice(2);
    const node = this.graph.nodes.get(uid);
    if (!node) return;
    switch (key[0]) {
      case 'd':
        return this.attemptToDelete(node);
      case 'f':
        return this.processForeground(node);
      case 'o':
        return this.processOrphan(node);
    }
  }

  /** Whether an owner reference still points at a live object (verified against the API when the graph doesn't know). */
  private async ownerState(dep: GraphNode, ref: OwnerRef): Promise<'solid' | 'dangling' | 'waiting'> {
    const owner = this.graph.nodes.get(ref.uid);
    if (owner && !owner.virtual) return owner.deletingDependents ? 'waiting' : 'solid';
    const r = resourceForKind(this.resources, ref.apiVersion, ref.kind);
    if (!r) return 'solid'; // A kind we cannot resolve is never treated as gone.
    try {
      const live = await clientFor(this.ctx.rest, r, dep.namespace).get(ref.name);
      if (live.metadata!.uid !== ref.uid) return 'dangling';
      const fins = (live.metadata!.finalizers as string[] | undefined) ?? [];
      return live.metadata!.deletionTimestamp && fins.includes('foregroundDeletion') ? 'waiting' : 'solid';
    } catch (err) {
      if (isNotFound(err)) return 'dangling';
      throw err;
    }
  }

  private async attemptToDelete(node: GraphNode): Promise<void> {
    if (node.virtual || node.owners.length === 0 || !node.resource) return;
    if (node.beingDeleted && !node.deletingDependents) return;
    const solid: OwnerRef[] = [];
    const dangling: OwnerRef[] = [];
    const waiting: OwnerRef[] = [];
    for (const ref of node.owners) {
      const state = await this.ownerState(node, ref);
      (state === 'solid' ? solid : state === 'dangling' ? dangling : waiting).push(ref);
    }
    const client = clientFor(this.ctx.rest, node.resource, node.namespace);
    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      const drop = new Set([...dangling, ...waiting].map((o) => o.uid));
      await this.patchOwners(client, node, (refs) => refs.filter((o) => !drop.has(o.uid)));
      return;
    }
    if (node.beingDeleted) return;
    const propagationPolicy = waiting.length > 0 && node.dependents.size > 0 ? 'Foreground' : 'Background';
    try {
      await client.delete(node.name, { propagationPolicy, preconditions: { uid: node.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Owner deleted in the foreground: delete blocking dependents; when none remain, drop the finalizer. */
  private async processForeground(owner: GraphNode): Promise<void> {
    if (!owner.deletingDependents || !owner.resource) return;
    const blocking = [...owner.dependents].filter((d) => {
      const dep = this.graph.nodes.get(d);
      return dep && !dep.virtual && dep.owners.some((o) => o.uid === owner.uid && o.blockOwnerDeletion);
    });
    if (blocking.length > 0) {
      for (const d of blocking) this.queue.add(`d:${d}`);
      return;
    }
    // Non-blocking dependents are collected after the owner is gone (they become dangling).
    for (const d of owner.dependents) this.queue.add(`d:${d}`);
    await this.removeFinalizer(owner, 'foregroundDeletion');
  }

  /** Owner deleted with `orphan`: strip its references from every dependent, then drop the finalizer. */
  private async processOrphan(owner: GraphNode): Promise<void> {
    if (!owner.orphaning || !owner.resource) return;
    for (const d of [...owner.dependents]) {
      const dep = this.graph.nodes.get(d);
      if (!dep || dep.virtual || !dep.resource) continue;
      await this.patchOwners(clientFor(this.ctx.rest, dep.resource, dep.namespace), dep, (refs) =>
        refs.filter((o) => o.uid !== owner.uid),
      );
    }
    await this.removeFinalizer(owner, 'orphan');
  }

  /** JSON-patches ownerReferences with a resourceVersion test, reading the live object first. */
  private async patchOwners(
    client: ResourceClient<KubeObject>,
    node: GraphNode,
    change: (refs: OwnerRef[]) => OwnerRef[],
  ): Promise<void> {
    let live: KubeObject;
    try {
      live = await client.get(node.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (live.metadata!.uid !== node.uid) return;
    const refs = (live.metadata!.ownerReferences as OwnerRef[] | undefined) ?? [];
    const next = change(refs);
    if (next.length === refs.length) return;
    const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata!.resourceVersion }];
    ops.push(
      next.length
        ? { op: 'replace', path: '/metadata/ownerReferences', value: next }
        : { op: 'remove', path: '/metadata/ownerReferences' },
    );
    await client.patch(node.name, 'json', ops);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const client = clientFor(this.ctx.rest, node.resource!, node.namespace);
    let live: KubeObject;
    try {
      live = await client.get(node.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const fins = (live.metadata!.finalizers as string[] | undefined) ?? [];
    if (live.metadata!.uid !== node.uid || !fins.includes(finalizer)) return;
    const next = fins.filter((f) => f !== finalizer);
    const ops: unknown[] = [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata!.resourceVersion }];
    ops.push(
      next.length
        ? { op: 'replace', path: '/metadata/finalizers', value: next }
        : { op: 'remove', path: '/metadata/finalizers' },
    );
    try {
      await client.patch(node.name, 'json', ops);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const garbageCollectorController: ControllerDescriptor = {
  name: 'garbage-collector',
  serviceAccount: 'generic-garbage-collector',
  enabledByDefault: true,
  start: (ctx) => new GarbageCollector(ctx).start(),
};
