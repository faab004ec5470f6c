/**
 * Shared shapes of the watch cache. Entries and events are shared by every
 * reader and watcher: never mutate them (DESIGN.md "frozen in spirit").
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface CacheEntry {
  key: string;
  /** The object with `metadata.resourceVersion` set to `rv`. */
  object: KubeObject;
  rv: number;
  /** JSON of `object`, computed once on first need. */
  json?: string;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  key: string;
  rv: number;
  /** State after the event; for DELETED the last state with rv = the delete's revision. */
  entry: CacheEntry;
  /** State before the event (absent for ADDED). */
  prev?: CacheEntry;
}

/** Returns the JSON text of an entry's object, computing and remembering it once. */
export function entryJSON(e: CacheEntry): string {
  if (e.json === undefined) e.json = JSON.stringify(e.object);
  return e.json;
}

/** Decides whether an object is visible to a reader (namespace, label and field selectors). */
export type ObjectFilter = (obj: KubeObject) => boolean;

/**
 * An exact-match trigger a watcher registers under, so an event is only tested
 * against watchers that can care (e.g. 5,000 kubelets each watching
 * `spec.nodeName=<node>`). `field` names an indexer of the cache.
 */
export interface WatchTrigger {
  field: string;
  value: string;
}

/** Computes an indexed field's value for an object (e.g. pods -> spec.nodeName). */
export type FieldIndexer = (obj: KubeObject) => string | undefined;
