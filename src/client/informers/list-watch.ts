import type { KubeObject, ListOptions, ObjectList, ResourceClient, WatchOptions } from '../resource-client.js';
import type { Watch } from '../watch.js';

/** What a Reflector needs from the API: list and watch with the same selectors. */
export interface ListerWatcher<T> {
  list(opts: ListOptions): Promise<ObjectList<T>>;
  watch(opts: WatchOptions): Promise<Watch<T>>;
}

export interface ListWatchSelectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * A ListerWatcher over a ResourceClient (bound to a namespace, or all
 * namespaces), applying fixed selectors to both calls (client-go
 * `cache.NewFilteredListWatchFromClient`).
 */
export function listWatchFor<T extends KubeObject>(
  client: ResourceClient<T>,
  selectors: ListWatchSelectors = {},
): ListerWatcher<T> {
  const fixed = {
    ...(selectors.labelSelector ? { labelSelector: selectors.labelSelector } : {}),
    ...(selectors.fieldSelector ? { fieldSelector: selectors.fieldSelector } : {}),
  };
  return {
    list: (opts) => client.list({ ...opts, ...fixed }),
    watch: (opts) => client.watch({ ...opts, ...fixed }),
  };
}
