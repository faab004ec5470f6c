import type { KubeObject } from '../resource-client.js';
import type { IndexFunc, Indexers } from './indexers.js';
import { metaNamespaceKey } from './keys.js';

/**
 * The informer cache (client-go `cache.Indexer` over a threadSafeMap): objects
 * by key plus secondary indices kept in step on every write. JavaScript runs
 * one task at a time, so "thread-safe" reduces to: writes happen only on the
 * informer's event path, readers get consistent snapshots between events.
 *
 * Stored objects are shared with every reader (and, in process, with the
 * apiserver's caches): they are frozen in spirit. Never mutate what `get`,
 * `list` or `byIndex` return; copy what you change.
 */
export class Indexer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(
    indexers: Indexers<T> = {},
    readonly keyOf: (obj: T) => string = metaNamespaceKey,
  ) {
    this.addIndexers(indexers);
  }

  get size(): number {
    return this.items.size;
  }

  /** Adds indexers; existing objects are indexed at once. Throws if a name is taken. */
  addIndexers(indexers: Indexers<T>): void {
    for (const name of Object.keys(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
    }
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Adds or replaces the object under its key. */
  add(obj: T): void {
    this.put(this.keyOf(obj), obj);
  }

  update(obj: T): void {
    this.put(this.keyOf(obj), obj);
  }

  delete(obj: T): void {
    this.deleteKey(this.keyOf(obj));
  }

  deleteKey(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.unindex(key, old);
    this.items.delete(key);
  }

  get(obj: T): T | undefined {
    return this.items.get(this.keyOf(obj));
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  /** Replaces the whole content (no notifications; informers diff before calling this). */
  replace(objs: T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const o of objs) this.add(o);
  }

  /** Objects whose `index` values include `value`. Throws for an unknown index. */
  byIndex(index: string, value: string): T[] {
    return this.indexKeys(index, value).map((k) => this.items.get(k)!);
  }

  indexKeys(index: string, value: string): string[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`Index with name ${index} does not exist`);
    const keys = idx.get(value);
    return keys ? [...keys] : [];
  }

  /** Objects sharing any `index` value with `obj`. */
  index(index: string, obj: T): T[] {
    const fn = this.indexers.get(index);
    if (!fn) throw new Error(`Index with name ${index} does not exist`);
    const keys = new Set<string>();
    for (const v of fn(obj)) for (const k of this.indexKeys(index, v)) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  /** All values currently present in `index`. */
  listIndexFuncValues(index: string): string[] {
    return [...(this.indices.get(index)?.keys() ?? [])];
  }

  private put(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) addTo(index, v, key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(obj)) {
        const set = index.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (!set) index.set(value, (set = new Set()));
  set.add(key);
}
