import { notAcceptable } from '../../../api/errors/status-error.js';
import { encodeYAML } from '../../../api/codec/yaml.js';
import { parseAccept, type MediaType } from '../../../api/codec/media-type.js';
import { buildTable, parseIncludeObject, type Printer } from '../printers/index.js';
import type { ApiResponse, WatchEventOut } from '../types.js';
import { type CacheEntry, type CacheEventType, entryJSON } from '../watch-cache/types.js';

/**
 * Response encodings the apiserver can produce for objects and lists, chosen
 * from the Accept header like kube-apiserver's negotiation: JSON (default, and
 * for protobuf-preferring clients, which all accept JSON as a fallback), YAML,
 * meta.k8s.io Table (what `kubectl get` asks for), and PartialObjectMetadata.
 */
export type OutputForm =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' }
  | { kind: 'metadata'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1'; list: boolean };

function metaVersion(m: MediaType): 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' | undefined {
  if (m.params.g !== 'meta.k8s.io') return undefined;
  if (m.params.v === 'v1') return 'meta.k8s.io/v1';
  if (m.params.v === 'v1beta1') return 'meta.k8s.io/v1beta1';
  return undefined;
}

export function chooseOutput(accept: string | undefined): OutputForm {
  for (const m of parseAccept(accept)) {
    const as = m.params.as;
    if (as) {
      if (m.essence !== 'application/json') continue;
      const v = metaVersion(m);
      if (!v) continue;
      if (as === 'Table') return { kind: 'table', apiVersion: v };
      if (as === 'PartialObjectMetadata') return { kind: 'metadata', apiVersion: v, list: false };
      if (as === 'PartialObjectMetadataList') return { kind: 'metadata', apiVersion: v, list: true };
      continue;
    }
    if (m.essence === 'application/json' || m.essence === 'application/*' || m.essence === '*/*')
      return { kind: 'json' };
    if (m.essence === 'application/yaml') return { kind: 'yaml' };
    if (m.essence === 'application/vnd.kubernetes.protobuf') continue;
  }
  // Protobuf-only clients and unknown types: upstream answers 406 listing what it can produce.
  throw notAcceptable(
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
}

export interface RenderContext {
  form: OutputForm;
  query: URLSearchParams;
  printer: Printer;
  now: number;
  typeMeta: { apiVersion: string; kind: string };
}

function partialMeta(obj: any, apiVersion: string) {
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata ?? {} };
}

/** Renders one object (GET/POST/PUT/PATCH/DELETE responses). */
export function renderObject(
  rc: RenderContext,
  obj: any,
  status = 200,
  headers?: Record<string, string | string[]>,
): ApiResponse {
  switch (rc.form.kind) {
    case 'json':
      return { type: 'object', status, body: obj, headers };
    case 'yaml':
      return { type: 'bytes', status, contentType: 'application/yaml', body: encodeYAML(obj), headers };
    case 'table': {
      const table = buildTable(rc.printer, [obj], {
        includeObject: parseIncludeObject(rc.query.get('includeObject') ?? ''),
        now: rc.now,
        apiVersion: rc.form.apiVersion,
        typeMeta: rc.typeMeta,
      });
      return { type: 'object', status, body: table, headers };
    }
    case 'metadata':
      return { type: 'object', status, body: partialMeta(obj, rc.form.apiVersion), headers };
  }
}

export interface ListBody {
  items: any[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Renders a list (LIST responses): `<Kind>List` JSON, a Table, or PartialObjectMetadataList. */
export function renderList(
  rc: RenderContext,
  list: ListBody,
  headers?: Record<string, string | string[]>,
): ApiResponse {
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue) metadata.continue = list.continue;
  if (list.remainingItemCount !== undefined) metadata.remainingItemCount = list.remainingItemCount;
  switch (rc.form.kind) {
    case 'table': {
      const table = buildTable(rc.printer, list.items, {
        includeObject: parseIncludeObject(rc.query.get('includeObject') ?? ''),
        now: rc.now,
        apiVersion: rc.form.apiVersion,
        typeMeta: rc.typeMeta,
        listMeta: {
          resourceVersion: list.resourceVersion,
          continue: list.continue,
          remainingItemCount: list.remainingItemCount,
        },
      });
      return { type: 'object', status: 200, body: table, headers };
    }
    case 'metadata':
      return {
        type: 'object',
        status: 200,
        body: {
          kind: 'PartialObjectMetadataList',
          apiVersion: rc.form.apiVersion,
          metadata,
          items: list.items.map((o) => partialMeta(o, rc.form.kind === 'metadata' ? rc.form.apiVersion : '')),
        },
        headers,
      };
    default: {
      const body = {
        kind: `${rc.typeMeta.kind}List`,
        apiVersion: rc.typeMeta.apiVersion,
        metadata,
        items: list.items,
      };
      if (rc.form.kind === 'yaml')
        return { type: 'bytes', status: 200, contentType: 'application/yaml', body: encodeYAML(body), headers };
      return { type: 'object', status: 200, body, headers };
    }
  }
}

/**
 * The per-watcher event encoder. Plain JSON events reuse the entry's cached
 * JSON (serialized once for all watchers); Table watches send one-row Tables
 * (column definitions only in the first event, as upstream).
 */
export function watchEncoder(
  rc: RenderContext,
  convert?: (obj: any) => any,
): {
  encode: (type: CacheEventType, e: CacheEntry) => WatchEventOut;
  bookmark: (rv: number, annotations?: Record<string, string>) => WatchEventOut;
} {
  let first = true;
  const wrap = (type: WatchEventOut['type'], object: unknown, objectJSON?: () => string): WatchEventOut => {
    let line: string | undefined;
    return {
      type,
      object,
      line: () => (line ??= `{"type":"${type}","object":${objectJSON ? objectJSON() : JSON.stringify(object)}}\n`),
    };
  };
  return {
    encode(type, e) {
      if (rc.form.kind === 'json' && !convert) return wrap(type, e.object, () => entryJSON(e));
      const obj = convert ? convert(e.object) : e.object;
      if (rc.form.kind === 'table') {
        const table = buildTable(rc.printer, [obj], {
          includeObject: parseIncludeObject(rc.query.get('includeObject') ?? ''),
          now: Date.now(),
          apiVersion: rc.form.apiVersion,
          typeMeta: rc.typeMeta,
          noHeaders: !first,
        });
        first = false;
        return wrap(type, table);
      }
      if (rc.form.kind === 'metadata') return wrap(type, partialMeta(obj, rc.form.apiVersion));
      return wrap(type, obj);
    },
    bookmark(rv, annotations) {
      const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
      if (annotations) metadata.annotations = annotations;
      return wrap('BOOKMARK', { kind: rc.typeMeta.kind, apiVersion: rc.typeMeta.apiVersion, metadata });
    },
  };
}
