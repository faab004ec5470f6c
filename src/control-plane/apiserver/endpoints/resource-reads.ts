import { badRequest, notFound } from '../../../api/errors/status-error.js';
import { parseLabelSelector, everything, type LabelMatcher } from '../../../api/selectors/label-selector.js';
import { fieldsOf, validateFieldSelector } from '../../../api/selectors/field-labels.js';
import { parseFieldSelector, type FieldMatcher } from '../../../api/selectors/field-selector.js';
import { groupVersionString } from '../../../api/scheme/types.js';
import type { ServedResource } from '../registry/served-resource.js';
import { listObjects, watchObjects, type ListOutcome } from '../registry/store-reads.js';
import type { ApiResponse, RequestContext, WatchStream } from '../types.js';
import {
  entryJSON,
  type CacheEntry,
  type KubeObject,
  type ObjectFilter,
  type WatchTrigger,
} from '../watch-cache/types.js';
import type { HandlerDeps } from './context.js';
import { chooseOutput, renderList, renderObject, watchEncoder, type RenderContext } from './output.js';
import { parseListQuery } from './query.js';

export function renderContext(ctx: RequestContext, r: ServedResource, deps: HandlerDeps): RenderContext {
  return {
    form: chooseOutput(ctx.request.headers.accept),
    query: ctx.request.query,
    printer: r.printer,
    now: deps.clock.now(),
    typeMeta: { apiVersion: groupVersionString(r.info), kind: r.info.kind },
  };
}

/** Fields that the watch cache indexes, so exact-match watches only see their events. */
const indexedFields = new Set(['metadata.name', 'spec.nodeName']);

interface Selection {
  filter: ObjectFilter;
  trigger?: WatchTrigger;
}

/** Builds the label/field selector filter of a list or watch. */
export function selection(r: ServedResource, q: { labelSelector?: string; fieldSelector?: string }): Selection {
  let labels: LabelMatcher = everything;
  if (q.labelSelector) labels = parseLabelSelector(q.labelSelector);
  let fields: FieldMatcher | undefined;
  if (q.fieldSelector) {
    const parsed = parseFieldSelector(q.fieldSelector);
    if (!parsed.isEmpty()) fields = validateFieldSelector(r.info.group, r.info.plural, parsed);
  }
  const group = r.info.group;
  const plural = r.info.plural;
  const labelsEmpty = labels.isEmpty();
  const filter: ObjectFilter = (obj: KubeObject) => {
    if (!labelsEmpty && !labels.matches(obj.metadata.labels)) return false;
    if (fields && !fields.matches(fieldsOf(group, plural, obj))) return false;
    return true;
  };
  let trigger: WatchTrigger | undefined;
  if (fields) {
    for (const f of indexedFields) {
      const v = fields.exactMatchValue(f);
      if (v !== undefined) {
        trigger = { field: f, value: v };
        break;
      }
    }
  }
  return { filter, trigger };
}

export async function handleGet(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
  name: string,
): Promise<ApiResponse> {
  const rc = renderContext(ctx, r, deps);
  const rv = ctx.request.query.get('resourceVersion');
  let obj: KubeObject | undefined;
  if (rv === '0') {
    await r.store.deps.cache.start();
    obj = r.store.deps.cache.get(r.store.deps.keyFor(ns, name))?.object;
    if (!obj) throw notFound({ group: r.info.group, resource: r.info.plural }, name);
  } else {
    obj = await r.store.get(ns, name);
  }
  return renderObject(rc, r.converter.toServed(obj));
}

export async function handleList(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
): Promise<ApiResponse> {
  const q = parseListQuery(ctx.request.query, false);
  const rc = renderContext(ctx, r, deps);
  const sel = selection(r, q);
  const out = await listObjects(r.store, ns, {
    filter: sel.filter,
    limit: q.limit,
    continue: q.continue,
    resourceVersion: q.resourceVersion,
    resourceVersionMatch: q.resourceVersionMatch,
  });
  // HTTP callers asking for plain JSON get the list assembled from each object's cached
  // serialization, streamed in chunks that yield to the event loop between them.
  if (
    rc.form.kind === 'json' &&
    r.converter.identity &&
    out.entries &&
    !ctx.request.peer.inProcessUser &&
    out.entries.length > 100
  ) {
    return streamJsonList(rc.typeMeta, out, out.entries);
  }
  return renderList(rc, { ...out, items: out.items.map((o) => r.converter.toServed(o)) });
}

function streamJsonList(
  typeMeta: { apiVersion: string; kind: string },
  out: ListOutcome,
  entries: CacheEntry[],
): ApiResponse {
  const metadata: Record<string, unknown> = { resourceVersion: out.resourceVersion };
  if (out.continue) metadata.continue = out.continue;
  if (out.remainingItemCount !== undefined) metadata.remainingItemCount = out.remainingItemCount;
  const head = `{"kind":${JSON.stringify(`${typeMeta.kind}List`)},"apiVersion":${JSON.stringify(typeMeta.apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
  async function* body(): AsyncIterable<string> {
    let chunk = head;
    let started = performance.now();
    for (let i = 0; i < entries.length; i++) {
      chunk += (i ? ',' : '') + entryJSON(entries[i]!);
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
        if (performance.now() - started > 2) {
          await new Promise((r) => setImmediate(r));
          started = performance.now();
        }
      }
    }
    yield chunk + ']}';
  }
  return { type: 'stream', status: 200, contentType: 'application/json', body: body() };
}

export async function handleWatch(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
): Promise<ApiResponse> {
  const q = parseListQuery(ctx.request.query, true);
  // Checked before the watcher exists: a refused request must leave no watcher or timer behind.
  if (q.timeoutSeconds !== undefined && q.timeoutSeconds < 0) throw badRequest('timeoutSeconds must be non-negative');
  const rc = renderContext(ctx, r, deps);
  if (rc.form.kind === 'yaml') rc.form = { kind: 'json' };
  const sel = selection(r, q);
  const conv = r.converter;
  const enc = watchEncoder(rc, conv.identity ? undefined : (o) => conv.toServed(o));
  const watcher = await watchObjects(r.store, ns, {
    filter: sel.filter,
    trigger: sel.trigger,
    resourceVersion: q.resourceVersion,
    bookmarks: q.allowWatchBookmarks,
    sendInitialEvents: q.sendInitialEvents,
    encode: enc.encode,
    bookmark: enc.bookmark,
  });
  // Upstream closes watches after timeoutSeconds, or a random 30-60 minutes.
  const seconds =
    q.timeoutSeconds !== undefined && q.timeoutSeconds > 0 ? q.timeoutSeconds : 1800 + Math.floor(Math.random() * 1800);
  const timer = deps.clock.setTimeout(() => watcher.finish('timeout'), seconds * 1000);
  const stream: WatchStream = {
    next: () => watcher.next(),
    close: () => {
      timer.cancel();
      watcher.close();
    },
  };
  return { type: 'watch', status: 200, stream };
}
