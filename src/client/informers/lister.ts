import { everything, parseLabelSelector, type LabelMatcher } from '../../api/selectors/label-selector.js';
import type { KubeObject } from '../resource-client.js';
import type { Indexer } from './indexer.js';
import { NamespaceIndex } from './indexers.js';

function matcher(selector: LabelMatcher | string | undefined): LabelMatcher {
  if (selector === undefined) return everything;
  return typeof selector === 'string' ? parseLabelSelector(selector) : selector;
}

/**
 * Read access to an informer cache (client-go generated listers). Results are
 * the cached objects themselves: read-only, copy before changing. A missing
 * object is `undefined` — for a level-triggered controller, that is the delete.
 */
export class Lister<T extends KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Objects in every namespace matching `selector` (a LabelMatcher or `?labelSelector=` string). */
  list(selector?: LabelMatcher | string): T[] {
    const m = matcher(selector);
    const all = this.indexer.list();
    return m.isEmpty() ? all : all.filter((o) => m.matches(o.metadata?.labels));
  }

  /** The object `namespace/name`; use namespace `''` for cluster-scoped objects. */
  get(namespace: string, name: string): T | undefined {
    return this.indexer.getByKey(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects whose `index` includes `value` (see indexers.ts for the standard indices). */
  byIndex(index: string, value: string): T[] {
    return this.indexer.byIndex(index, value);
  }

  /** A lister restricted to one namespace. */
  namespace(ns: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, ns);
  }
}

export class NamespaceLister<T extends KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly ns: string,
  ) {}

  list(selector?: LabelMatcher | string): T[] {
    const m = matcher(selector);
    const inNs = this.indexer.hasIndexer(NamespaceIndex)
      ? this.indexer.byIndex(NamespaceIndex, this.ns)
      : this.indexer.list().filter((o) => o.metadata?.namespace === this.ns);
    return m.isEmpty() ? inNs : inNs.filter((o) => m.matches(o.metadata?.labels));
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.ns}/${name}`);
  }
}
