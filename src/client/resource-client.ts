import type { ListMeta, ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Status } from '../api/errors/status-error.js';
import type { FieldMatcher } from '../api/selectors/field-selector.js';
import type { LabelMatcher } from '../api/selectors/label-selector.js';
import type { GroupVersionResource } from '../api/scheme/types.js';
import type { RequestOptions, RestClient } from './rest-client.js';
import { resourcePath } from './resource-path.js';
import type { Watch } from './watch.js';

/** The least an API object has; kubernetes-types objects (Pod, Lease...) satisfy it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: ListMeta;
  items: T[];
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Per-call client timeout in ms (0 = none). */
  timeoutMs?: number;
}

export interface GetOptions extends CallOptions {
  resourceVersion?: string;
}

export interface ListOptions extends CallOptions {
  labelSelector?: string | LabelMatcher;
  fieldSelector?: string | FieldMatcher;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  /** Server-side timeout of the list/watch call. */
  timeoutSeconds?: number;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

export interface WriteOptions extends CallOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
  subresource?: string;
}

export interface DeleteOptions extends CallOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

function listQuery(o: WatchOptions, q = new URLSearchParams()): URLSearchParams {
  const ls = o.labelSelector === undefined ? '' : String(o.labelSelector);
  const fs = o.fieldSelector === undefined ? '' : String(o.fieldSelector);
  if (ls) q.set('labelSelector', ls);
  if (fs) q.set('fieldSelector', fs);
  if (o.limit !== undefined && o.limit > 0) q.set('limit', String(o.limit));
  if (o.continue) q.set('continue', o.continue);
  if (o.resourceVersion !== undefined) q.set('resourceVersion', o.resourceVersion);
  if (o.resourceVersionMatch) q.set('resourceVersionMatch', o.resourceVersionMatch);
  if (o.timeoutSeconds !== undefined) q.set('timeoutSeconds', String(o.timeoutSeconds));
  if (o.allowWatchBookmarks) q.set('allowWatchBookmarks', 'true');
  if (o.sendInitialEvents !== undefined) q.set('sendInitialEvents', String(o.sendInitialEvents));
  return q;
}

function writeQuery(o: PatchOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.dryRun) q.set('dryRun', 'All');
  if (o.fieldManager) q.set('fieldManager', o.fieldManager);
  if (o.fieldValidation) q.set('fieldValidation', o.fieldValidation);
  if (o.force !== undefined) q.set('force', String(o.force));
  return q;
}

function deleteBody(o: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (o.propagationPolicy) body.propagationPolicy = o.propagationPolicy;
  if (o.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions) body.preconditions = o.preconditions;
  if (o.dryRun) body.dryRun = ['All'];
  return body;
}

/**
 * A dynamic client for one resource (client-go `dynamic.ResourceInterface`),
 * optionally bound to a namespace. Writes of namespaced objects use the bound
 * namespace or else `metadata.namespace`. All results may be shared with the
 * server's caches when the transport is in-process: never mutate them.
 */
export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(
    readonly rest: RestClient,
    readonly resource: GroupVersionResource,
    readonly ns?: string,
  ) {}

  /** The same resource in namespace `ns`. */
  namespace(ns: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, this.resource, ns);
  }

  /** The path of the collection, an object, or a subresource. */
  path(name?: string, subresource?: string, namespace = this.ns): string {
    return resourcePath(this.resource, { namespace, name, subresource });
  }

  private call(
    method: RequestOptions['method'],
    path: string,
    name: string | undefined,
    o: CallOptions,
    extra: Partial<RequestOptions> = {},
  ): RequestOptions {
    return {
      method,
      path,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      target: { group: this.resource.group, resource: this.resource.resource, name },
      ...extra,
    };
  }

  private nsOf(obj: KubeObject): string | undefined {
    return this.ns || obj.metadata?.namespace || undefined;
  }

  private nameOf(obj: KubeObject): string {
    const name = obj.metadata?.name;
    if (!name) throw new Error('the object has no metadata.name');
    return name;
  }

  get(name: string, o: GetOptions = {}): Promise<T> {
    const query = new URLSearchParams();
    if (o.resourceVersion !== undefined) query.set('resourceVersion', o.resourceVersion);
    return this.rest.requestObject<T>(this.call('GET', this.path(name), name, o, { query }));
  }

  list(o: ListOptions = {}): Promise<ObjectList<T>> {
    return this.rest.requestObject<ObjectList<T>>(this.call('GET', this.path(), undefined, o, { query: listQuery(o) }));
  }

  /** Opens a watch; bookmarks are yielded, an ERROR event is thrown as a StatusError (410 = relist). */
  watch(o: WatchOptions = {}): Promise<Watch<T>> {
    const query = listQuery(o);
    query.set('watch', 'true');
    return this.rest.watch<T>(this.call('GET', this.path(), undefined, o, { query }));
  }

  create(obj: T, o: WriteOptions = {}): Promise<T> {
    const path = resourcePath(this.resource, { namespace: this.nsOf(obj) });
    return this.rest.requestObject<T>(
      this.call('POST', path, obj.metadata?.name, o, { query: writeQuery(o), body: obj }),
    );
  }

  update(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.updateSubresource<T, T>(this.nameOf(obj), '', obj, o);
  }

  updateStatus(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.updateSubresource<T, T>(this.nameOf(obj), 'status', obj, o);
  }

  /**
   * PATCH with the given type. `patch` is a value (a JSON Patch array, a merge
   * document, an apply configuration) or pre-encoded JSON/YAML text.
   */
  patch(name: string, type: PatchType, patch: unknown, o: PatchOptions = {}): Promise<T> {
    if (type === 'apply' && !o.fieldManager) {
      return Promise.reject(new Error('PatchOptions.fieldManager is required for apply patch'));
    }
    const path = this.path(name, o.subresource || undefined);
    return this.rest.requestObject<T>(
      this.call('PATCH', path, name, o, {
        query: writeQuery(o),
        headers: { 'content-type': patchContentTypes[type] },
        body: patch,
      }),
    );
  }

  /** Server-side apply of `obj` (its name and namespace address it). */
  apply(obj: T, o: PatchOptions & { fieldManager: string }): Promise<T> {
    const target = this.ns || !obj.metadata?.namespace ? this : this.namespace(obj.metadata.namespace);
    return target.patch(this.nameOf(obj), 'apply', obj, o);
  }

  delete(name: string, o: DeleteOptions = {}): Promise<T | Status> {
    return this.rest.requestObject<T | Status>(this.call('DELETE', this.path(name), name, o, { body: deleteBody(o) }));
  }

  deleteCollection(o: DeleteOptions & ListOptions = {}): Promise<Status | ObjectList<T>> {
    return this.rest.requestObject<Status | ObjectList<T>>(
      this.call('DELETE', this.path(), undefined, o, { query: listQuery(o), body: deleteBody(o) }),
    );
  }

  /** GET a subresource (`scale`, `status`, ...). */
  getSubresource<R>(name: string, subresource: string, o: GetOptions = {}): Promise<R> {
    return this.rest.requestObject<R>(this.call('GET', this.path(name, subresource), name, o));
  }

  /** POST to a subresource: `pods/binding`, `pods/eviction`, `serviceaccounts/token`. */
  createSubresource<R, B = unknown>(name: string, subresource: string, body: B, o: WriteOptions = {}): Promise<R> {
    return this.rest.requestObject<R>(
      this.call('POST', this.path(name, subresource), name, o, { query: writeQuery(o), body }),
    );
  }

  /** PUT to a subresource (`scale`, `status`); an empty subresource replaces the object itself. */
  updateSubresource<R, B extends KubeObject = KubeObject>(
    name: string,
    subresource: string,
    body: B,
    o: WriteOptions = {},
  ): Promise<R> {
    const path = resourcePath(this.resource, { namespace: this.nsOf(body), name, subresource });
    return this.rest.requestObject<R>(this.call('PUT', path, name, o, { query: writeQuery(o), body }));
  }
}

/** A typed client: `typed<Pod>(rest, gvr('', 'v1', 'pods'), 'default')`. */
export function typed<T extends KubeObject>(
  rest: RestClient,
  resource: GroupVersionResource,
  namespace?: string,
): ResourceClient<T> {
  return new ResourceClient<T>(rest, resource, namespace);
}
