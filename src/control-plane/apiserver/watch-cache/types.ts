import { JsonMemo } from './json-memo.js';

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
  /** JSON of `object` while the process-wide JSON memo remembers it (see entryJSON). */
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

/** Serialized entries, shared by every cache of the process: bounded, oldest text dropped first. */
const memo = new JsonMemo();

/**
 * Returns the JSON text of an entry's object. It is remembered within a
 * process-wide budget (JsonMemo), so an event fanned out to many watchers is
 * serialized once, without every cached object also keeping its text for good.
 */
export function entryJSON(e: CacheEntry): string {
  return memo.get(e);
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
