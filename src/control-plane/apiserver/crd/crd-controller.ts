import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { schemaForCustomResource } from '../../../api/openapi/custom-resource-schema.js';
import type { Definitions } from '../../../api/openapi/schema-types.js';
import { isNotFound } from '../../../api/errors/status-error.js';
import type { Timer } from '../../../lib/clock.js';
import { systemContext } from '../bootstrap.js';
import { statusStrategy } from '../registry/default-strategy.js';
import type { ServedResource } from '../registry/served-resource.js';
import type { ApiServerCore as ApiServer } from '../api-server-core.js';
import type { CacheWatcher } from '../watch-cache/cache-watcher.js';
import { crdCleanupFinalizer } from './crd-strategy.js';
import { WebhookClient } from '../admission/plugins/webhook/client.js';
import { resolveServiceEndpoint } from './conversion/service-resolver.js';
import { crdStoreCaches, crdStoreKey, makeCrdStore, servedCustomResource, type CrdStore } from './custom-resource.js';
import { deprecationWarningFor, deprecationWarningPlugin, servedVersionKey } from './deprecation-warning.js';

const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/**
 * Serves CustomResourceDefinitions (upstream apiextensions-apiserver's
 * controllers, run inside the API server): accepts names and marks CRDs
 * Established, serves every served version of every established CRD, and on
 * CRD deletion removes all its objects before releasing the definition.
 * Level-triggered: any CRD change schedules one full reconcile.
 */
export class CrdController {
  private stores = new Map<string, CrdStore>();
  private watcher: CacheWatcher | undefined;
  private pending = false;
  private running: Promise<void> = Promise.resolve();
  private retry: Timer | undefined;
  private stopped = false;
  /** Conversion webhooks are called like admission webhooks (caBundle, service references). */
  private readonly webhookClient: WebhookClient;

  constructor(private readonly server: ApiServer) {
    this.webhookClient = new WebhookClient({
      resolveService: (ns, name, port) => resolveServiceEndpoint(server, ns, name, port),
    });
  }

  private get crds(): ServedResource {
    return this.server.resource('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  async start(): Promise<void> {
    const r = this.crds;
    await r.store.deps.cache.start();
    this.watcher = await r.store.deps.cache.watch({
      prefix: r.store.deps.prefixFor(''),
      filter: () => true,
      bookmarks: false,
      capacity: 1_000_000,
      encode: (type, e) => ({ type, object: e.object, line: () => '' }),
      bookmark: () => ({ type: 'BOOKMARK', object: {}, line: () => '' }),
    });
    void this.pump();
    this.server.addValidatingAdmission(deprecationWarningPlugin(() => this.warnings));
    await this.reconcileNow();
  }

  private async pump(): Promise<void> {
    const w = this.watcher!;
    for (;;) {
      const ev = await w.next();
      if (ev === undefined || this.stopped) return;
      this.schedule();
    }
  }

  /** Coalesces bursts of CRD events into one reconcile. */
  private schedule(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      void this.reconcileNow();
    });
  }

  /** Runs one reconcile after any in flight (serialised). */
  reconcileNow(): Promise<void> {
    this.running = this.running
      .then(() => this.reconcile())
      .catch((err) => {
        this.server.log.warn('crd controller: reconcile failed; retrying', { err });
        this.retry?.cancel();
        this.retry = this.server.clock.setTimeout(() => this.schedule(), 1000);
      });
    return this.running;
  }

  /** Deprecation warnings of served CRD versions, by servedVersionKey. */
  private warnings = new Map<string, string>();

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const r = this.crds;
    const all = r.store.deps.cache
      .list(r.store.deps.prefixFor(''), () => true)
      .items.map((e) => e.object as unknown as CustomResourceDefinition);
    const served: ServedResource[] = [];
    let defs: Definitions = {};
    const keep = new Set<string>();
    const warnings = new Map<string, string>();
    for (const crd of all) {
      const established = await this.ensureEstablished(crd);
      if (!established) continue;
      const key = crdStoreKey(established);
      let shared = this.stores.get(key);
      if (!shared) {
        shared = makeCrdStore(established, {
          storage: this.server.opts.storage,
          clock: this.server.clock,
          log: this.server.log,
          webhookClient: this.webhookClient,
        });
        // A None store has nothing to convert: its one cache is ready before it is served.
        if (shared.views.size === 0) await shared.cache.start();
        this.stores.set(key, shared);
        this.startViews(shared);
      }
      keep.add(key);
      for (const v of established.spec.versions) {
        if (!v.served) continue;
        served.push(servedCustomResource(established, v, shared));
        const warning = deprecationWarningFor(established.spec, v);
        const plural = established.status?.acceptedNames?.plural || established.spec.names.plural;
        if (warning !== undefined) warnings.set(servedVersionKey(established.spec.group, v.name, plural), warning);
        if (v.schema?.openAPIV3Schema) {
          defs = schemaForCustomResource(
            {
              group: established.spec.group,
              version: v.name,
              kind: established.spec.names.kind,
              listKind: established.spec.names.listKind ?? `${established.spec.names.kind}List`,
              plural: established.spec.names.plural,
              schema: v.schema.openAPIV3Schema as never,
            },
            defs,
          );
        }
      }
      if (crd.metadata?.deletionTimestamp) await this.cleanup(established, shared);
    }
    this.warnings = warnings;
    this.server.setCustomResources(served, defs);
    for (const [key, s] of this.stores) {
      if (!keep.has(key)) {
        this.stores.delete(key);
        await disposeCaches(s);
      }
    }
  }

  /**
   * Starts the caches of a Webhook store's views in the background: their
   * first list may call a webhook that is down or slow, which must not hold
   * up serving every other CRD. A view that cannot start makes the whole
   * store be rebuilt by a later reconcile (a cache's failed start is final).
   */
  private startViews(shared: CrdStore): void {
    for (const cache of shared.views.size > 0 ? crdStoreCaches(shared) : []) {
      cache.start().catch((err: unknown) => {
        this.server.log.warn('crd controller: custom resource cache failed to start; rebuilding', { err });
        if (this.stores.get(shared.key) !== shared || this.stopped) return;
        this.stores.delete(shared.key);
        void disposeCaches(shared);
        this.retry?.cancel();
        this.retry = this.server.clock.setTimeout(() => this.schedule(), 1000);
      });
    }
  }

  /** Sets acceptedNames and the NamesAccepted/Established conditions; returns the CRD as stored. */
  private async ensureEstablished(crd: CustomResourceDefinition): Promise<CustomResourceDefinition | undefined> {
    const names = {
      ...crd.spec.names,
      singular: crd.spec.names.singular || crd.spec.names.kind.toLowerCase(),
      listKind: crd.spec.names.listKind || `${crd.spec.names.kind}List`,
    };
    const conds = crd.status?.conditions ?? [];
    const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
    if (
      has('Established') &&
      has('NamesAccepted') &&
      JSON.stringify(crd.status?.acceptedNames) === JSON.stringify(names)
    )
      return crd;
    const now = rfc3339(this.server.clock.now());
    const r = this.crds;
    try {
      const { object } = await r.store.update(
        systemContext(),
        '',
        crd.metadata!.name!,
        (cur) => {
          const next = structuredClone(cur!) as unknown as CustomResourceDefinition;
          const status = (next.status ??= { acceptedNames: names, storedVersions: [] } as never);
          status.acceptedNames = names;
          const keepConds = (status.conditions ?? []).filter(
            (c) => c.type !== 'NamesAccepted' && c.type !== 'Established',
          );
          status.conditions = [
            ...keepConds,
            {
              type: 'NamesAccepted',
              status: 'True',
              reason: 'NoConflicts',
              message: 'no conflicts found',
              lastTransitionTime: now,
            },
            {
              type: 'Established',
              status: 'True',
              reason: 'InitialNamesAccepted',
              message: 'the initial names have been accepted',
              lastTransitionTime: now,
            },
          ];
          return next as never;
        },
        { subresource: statusStrategy(r.info) },
      );
      return object as unknown as CustomResourceDefinition;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Deletes every object of a terminating CRD, then drops the cleanup finalizer. */
  private async cleanup(crd: CustomResourceDefinition, shared: CrdStore): Promise<void> {
    await shared.cache.start();
    const remaining = shared.cache.list(shared.store.deps.prefixFor(''), () => true).items;
    for (const e of remaining) {
      try {
        await shared.store.delete(
          systemContext(),
          String(e.object.metadata.namespace ?? ''),
          String(e.object.metadata.name),
          {},
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (
      shared.cache.list(shared.store.deps.prefixFor(''), () => true).items.length > 0 ||
      (await shared.store.deps.storage.count(shared.store.deps.prefixFor(''))) > 0
    ) {
      this.retry?.cancel();
      this.retry = this.server.clock.setTimeout(() => this.schedule(), 500);
      return;
    }
    const r = this.crds;
    await r.store.update(systemContext(), '', crd.metadata!.name!, (cur) => {
      const next = structuredClone(cur!);
      next.metadata.finalizers = ((next.metadata.finalizers as string[] | undefined) ?? []).filter(
        (f) => f !== crdCleanupFinalizer,
      );
      return next;
    });
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    this.watcher?.close();
    await this.running.catch(() => undefined);
    for (const s of this.stores.values()) await disposeCaches(s);
    this.stores.clear();
    this.webhookClient.dispose();
  }
}

async function disposeCaches(s: CrdStore): Promise<void> {
  for (const c of crdStoreCaches(s)) await c.dispose();
}
