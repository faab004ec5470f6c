import type { ObjectLister } from '../../framework/interfaces.js';

/** A lister over a fixed array (tests). */
export function listerOf<T extends { metadata?: { name?: string; namespace?: string } }>(items: T[]): ObjectLister<T> {
  return {
    get: (name, ns) =>
      items.find((o) => o.metadata?.name === name && (ns === undefined || (o.metadata?.namespace ?? '') === ns)),
    list: (ns) => items.filter((o) => ns === undefined || o.metadata?.namespace === ns),
  };
}
