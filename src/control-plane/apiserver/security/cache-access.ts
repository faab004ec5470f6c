import type { ApiServerCore as ApiServer } from '../api-server-core.js';
import type { KubeObject } from '../watch-cache/types.js';

/**
 * Read access to the API server's own watch caches for the security layer
 * (authentication lookups, RBAC, the node graph): no requests, no copies.
 * Objects are shared with every reader: never mutate them.
 */
export class CacheAccess {
  constructor(private readonly server: ApiServer) {}

  private store(group: string, plural: string) {
    const r = this.server.preferred(group, plural);
    if (!r) throw new Error(`resource ${plural}.${group} is not served`);
    return r.store;
  }

  get<T = KubeObject>(group: string, plural: string, namespace: string, name: string): T | undefined {
    const s = this.store(group, plural);
    return s.deps.cache.get(s.deps.keyFor(s.info.namespaced ? namespace : '', name))?.object as T | undefined;
  }

  list<T = KubeObject>(group: string, plural: string, namespace = ''): T[] {
    const s = this.store(group, plural);
    return s.deps.cache.list(s.deps.prefixFor(namespace), () => true).items.map((e) => e.object as T);
  }

  /** The cache's revision, for memoising derived views. */
  revision(group: string, plural: string): number {
    return this.store(group, plural).deps.cache.revision;
  }

  async ready(group: string, plural: string): Promise<void> {
    await this.store(group, plural).deps.cache.start();
  }

  /**
   * Calls `onChange` with every object now and on every later change
   * (`deleted` true for removals) until `signal` aborts.
   */
  async follow(
    group: string,
    plural: string,
    onChange: (obj: KubeObject, deleted: boolean) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const s = this.store(group, plural);
    await s.deps.cache.start();
    const w = await s.deps.cache.watch({
      prefix: s.deps.prefixFor(''),
      filter: () => true,
      bookmarks: false,
      capacity: 10_000_000,
      encode: (type, e) => ({ type, object: e.object, line: () => '' }),
      bookmark: () => ({ type: 'BOOKMARK', object: {}, line: () => '' }),
    });
    signal.addEventListener('abort', () => w.close(), { once: true });
    void (async () => {
      for (;;) {
        const ev = await w.next();
        if (!ev) return;
        try {
          onChange(ev.object as KubeObject, ev.type === 'DELETED');
        } catch (err) {
          this.server.log.warn('cache follower failed on an event', { err, resource: `${plural}.${group}` });
        }
      }
    })();
  }
}
