import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  notFound,
  StatusError,
  type Status,
} from '../../api/errors/status-error.js';
import { applyJsonPatch, applyMergePatch, type JsonValue } from '../../api/patch/index.js';
import { fieldsOf } from '../../api/selectors/field-labels.js';
import { parseFieldSelector } from '../../api/selectors/field-selector.js';
import { parseLabelSelector } from '../../api/selectors/label-selector.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { InProcessRequest, InProcessResponse } from '../inprocess-types.js';
import { InProcessTransport } from '../inprocess-transport.js';
import { RestClient, type RestClientOptions } from '../rest-client.js';
import { FakeWatcher, type StoredEvent } from './fake-watcher.js';

export interface ParsedPath {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  subresource: string;
}

/** Splits `/api/v1/namespaces/ns/pods/web/status` (or `/apis/g/v/...`) into its parts. */
export function parseApiPath(path: string): ParsedPath {
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let rest: string[];
  if (segs[0] === 'api') rest = segs.slice(2);
  else if (segs[0] === 'apis') {
    group = segs[1] ?? '';
    rest = segs.slice(3);
  } else throw badRequest(`not an API path: ${path}`);
  const version = segs[0] === 'api' ? segs[1]! : segs[2]!;
  let namespace = '';
  const namespaceSub = rest.length === 3 && rest[0] === 'namespaces' && ['status', 'finalize'].includes(rest[2]!);
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSub) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  return { group, version, resource: rest[0] ?? '', namespace, name: rest[1] ?? '', subresource: rest[2] ?? '' };
}

type Obj = Record<string, any>;
export type Interceptor = (
  req: InProcessRequest,
) => InProcessResponse | undefined | Promise<InProcessResponse | undefined>;

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

const objectResponse = (status: number, body: unknown): InProcessResponse => ({ type: 'object', status, body });
const errorResponse = (err: StatusError): InProcessResponse => ({
  type: 'object',
  status: err.code,
  body: err.toStatus(),
  headers: err.details?.retryAfterSeconds ? { 'retry-after': String(err.details.retryAfterSeconds) } : undefined,
});

/**
 * A small in-memory API server for client tests, speaking the InProcessHandler
 * contract: objects in a Map, a global resourceVersion, watch with history
 * replay (and 410 once compacted), bookmarks, selectors, json/merge patches
 * (strategic and apply are treated as merge), optimistic concurrency, and
 * interceptors to inject failures. Stored objects are deep-frozen, so client
 * code that mutates a shared object fails loudly in tests.
 */
export class FakeApiServer {
  readonly requests: {
    method: string;
    path: string;
    query: string;
    headers: Record<string, string | undefined>;
    object?: unknown;
  }[] = [];
  private rv = 1;
  private uid = 0;
  private compactedRv = 0;
  private readonly objects = new Map<string, Obj>();
  private readonly history: StoredEvent[] = [];
  private readonly watchers = new Set<FakeWatcher>();
  private readonly interceptors: Interceptor[] = [];

  constructor(private readonly clock: Clock = realClock) {}

  /** The handler to give an InProcessTransport. */
  readonly handle = async (req: InProcessRequest): Promise<InProcessResponse> => {
    this.requests.push({
      method: req.method,
      path: req.path,
      query: req.query.toString(),
      headers: req.headers,
      object: req.object,
    });
    for (const i of [...this.interceptors]) {
      const res = await i(req);
      if (res) return res;
    }
    try {
      return this.serve(req);
    } catch (err) {
      if (err instanceof StatusError) return errorResponse(err);
      throw err;
    }
  };

  /** Adds an interceptor (runs before the store; return a response to short-circuit). Returns a remover. */
  intercept(fn: Interceptor): () => void {
    this.interceptors.push(fn);
    return () => {
      const i = this.interceptors.indexOf(fn);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  /** Fails the next `times` requests matching `match` with `err`. */
  failNext(times: number, match: (req: InProcessRequest) => boolean, err: StatusError): void {
    let left = times;
    const remove = this.intercept((req) => {
      if (left <= 0 || !match(req)) return undefined;
      if (--left === 0) remove();
      return errorResponse(err);
    });
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Stores `obj` as a create would (no request recorded); returns the stored object. */
  seed(group: string, resource: string, obj: Obj): Obj {
    return this.createObject({ group, resource, namespace: obj.metadata?.namespace ?? '' }, obj);
  }

  /** The stored object, or undefined. */
  get(group: string, resource: string, namespace: string, name: string): Obj | undefined {
    return this.objects.get(key(group, resource, namespace, name));
  }

  list(group: string, resource: string, namespace = ''): Obj[] {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(`${group}/${resource}/${namespace ? `${namespace}/` : ''}`))
      .map(([, v]) => v);
  }

  /** Forgets history: watches from an older resourceVersion now get 410 Expired. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Ends every open watch as a server-side timeout would. */
  closeWatches(): void {
    for (const w of [...this.watchers]) w.end();
  }

  /** Sends an in-stream ERROR 410 to every open watch and ends them (etcd compaction). */
  expireWatches(): void {
    const status = expired(`too old resource version: 1 (${this.rv})`).toStatus();
    for (const w of [...this.watchers]) w.push({ type: 'ERROR', object: status }, true);
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that asked for them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (w.bookmarks)
        w.push({
          type: 'BOOKMARK',
          object: { kind: w.kind, apiVersion: w.apiVersion, metadata: { resourceVersion: String(this.rv) } },
        });
    }
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  private serve(req: InProcessRequest): InProcessResponse {
    const p = parseApiPath(req.path);
    const gr = { group: p.group, resource: p.resource };
    const body = req.object as Obj | undefined;
    switch (req.method) {
      case 'GET': {
        if (p.name) {
          const obj = this.objects.get(key(p.group, p.resource, p.namespace, p.name));
          if (!obj) throw notFound(gr, p.name);
          return objectResponse(200, p.subresource ? { ...obj } : obj);
        }
        if (req.query.get('watch') === 'true') return this.watch(p, req);
        return objectResponse(200, this.listResponse(p, req.query));
      }
      case 'POST': {
        if (p.name && p.subresource) {
          if (!this.objects.has(key(p.group, p.resource, p.namespace, p.name))) throw notFound(gr, p.name);
          return objectResponse(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        if (!body) throw badRequest('no body');
        return objectResponse(201, this.createObject(p, body));
      }
      case 'PUT': {
        if (!body) throw badRequest('no body');
        const k = key(p.group, p.resource, p.namespace, p.name);
        const cur = this.objects.get(k);
        if (!cur) throw notFound(gr, p.name);
        const sentRv = body.metadata?.resourceVersion;
        if (sentRv && sentRv !== cur.metadata.resourceVersion) throw conflict(gr, p.name);
        const next = p.subresource === 'status' ? { ...cur, status: body.status } : { ...body, status: cur.status };
        return objectResponse(200, this.store(k, p, next, cur, 'MODIFIED'));
      }
      case 'PATCH': {
        const k = key(p.group, p.resource, p.namespace, p.name);
        const cur = this.objects.get(k);
        const ct = req.headers['content-type'] ?? '';
        if (!cur) {
          if (ct.includes('apply-patch')) return objectResponse(201, this.createObject(p, body!));
          throw notFound(gr, p.name);
        }
        const patched = ct.includes('json-patch')
          ? applyJsonPatch(cur as JsonValue, req.object as JsonValue)
          : applyMergePatch(cur as JsonValue, req.object as JsonValue);
        return objectResponse(200, this.store(k, p, patched as Obj, cur, 'MODIFIED'));
      }
      case 'DELETE': {
        if (!p.name) {
          for (const obj of this.list(p.group, p.resource, p.namespace)) {
            this.remove(key(p.group, p.resource, obj.metadata.namespace ?? '', obj.metadata.name), p);
          }
          return objectResponse(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
        }
        const k = key(p.group, p.resource, p.namespace, p.name);
        const cur = this.objects.get(k);
        if (!cur) throw notFound(gr, p.name);
        const pre = body?.preconditions as { uid?: string; resourceVersion?: string } | undefined;
        if (pre?.uid && pre.uid !== cur.metadata.uid)
          throw conflict(gr, p.name, 'Precondition failed: UID in precondition');
        if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) throw conflict(gr, p.name);
        return objectResponse(200, this.remove(k, p));
      }
      default:
        throw badRequest(`unsupported method ${req.method}`);
    }
  }

  private createObject(p: Pick<ParsedPath, 'group' | 'resource' | 'namespace'>, body: Obj): Obj {
    const meta = { ...(body.metadata ?? {}) };
    if (!meta.name && meta.generateName)
      meta.name = `${meta.generateName}${(++this.uid).toString(36).padStart(5, 'x')}`;
    if (!meta.name) throw badRequest('name or generateName is required');
    if (p.namespace) meta.namespace = p.namespace;
    const k = key(p.group, p.resource, p.namespace, meta.name);
    if (this.objects.has(k)) throw alreadyExists({ group: p.group, resource: p.resource }, meta.name);
    meta.uid = `uid-${++this.uid}`;
    meta.creationTimestamp = new Date(Math.floor(this.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    return this.store(k, p, { ...body, metadata: meta }, undefined, 'ADDED');
  }

  private store(
    k: string,
    p: Pick<ParsedPath, 'group' | 'resource'>,
    obj: Obj,
    _old: Obj | undefined,
    type: 'ADDED' | 'MODIFIED',
  ): Obj {
    const stored = deepFreeze({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
    this.objects.set(k, stored);
    this.emit({ rv: this.rv, type, group: p.group, resource: p.resource, object: stored });
    return stored;
  }

  private remove(k: string, p: Pick<ParsedPath, 'group' | 'resource'>): Obj {
    const cur = this.objects.get(k)!;
    this.objects.delete(k);
    const gone = deepFreeze({ ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } });
    this.emit({ rv: this.rv, type: 'DELETED', group: p.group, resource: p.resource, object: gone });
    return gone;
  }

  private emit(ev: StoredEvent): void {
    this.history.push(ev);
    for (const w of this.watchers) w.offer(ev);
  }

  private matcher(
    p: ParsedPath,
    q: URLSearchParams,
  ): (ev: { group: string; resource: string; object: Obj }) => boolean {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
    return (ev) =>
      ev.group === p.group &&
      ev.resource === p.resource &&
      (!p.namespace || ev.object.metadata?.namespace === p.namespace) &&
      labels.matches(ev.object.metadata?.labels) &&
      fields.matches(fieldsOf(p.group, p.resource, ev.object));
  }

  private listResponse(p: ParsedPath, q: URLSearchParams): Obj {
    const match = this.matcher(p, q);
    const all = this.list(p.group, p.resource, p.namespace)
      .filter((object) => match({ group: p.group, resource: p.resource, object }))
      .sort((a, b) =>
        (a.metadata.namespace + '/' + a.metadata.name).localeCompare(b.metadata.namespace + '/' + b.metadata.name),
      );
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    let start = 0;
    if (cont) {
      const [rv, offset] = cont.split(':').map(Number);
      if (rv! < this.compactedRv)
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      start = offset!;
    }
    const rvParam = q.get('resourceVersion');
    if (rvParam && rvParam !== '0' && Number(rvParam) < this.compactedRv && q.get('resourceVersionMatch') === 'Exact') {
      throw expired(`too old resource version: ${rvParam} (${this.rv})`);
    }
    const page = limit > 0 && q.get('resourceVersion') !== '0' ? all.slice(start, start + limit) : all.slice(start);
    const next = start + page.length;
    const metadata: Obj = { resourceVersion: String(this.rv) };
    if (limit > 0 && next < all.length && q.get('resourceVersion') !== '0') metadata.continue = `${this.rv}:${next}`;
    const kind = page[0]?.kind ? `${page[0].kind}List` : 'List';
    return { kind, apiVersion: p.group ? `${p.group}/${p.version}` : p.version, metadata, items: page };
  }

  private watch(p: ParsedPath, req: InProcessRequest): InProcessResponse {
    const q = req.query;
    const match = this.matcher(p, q);
    const rvParam = q.get('resourceVersion') ?? '';
    const apiVersion = p.group ? `${p.group}/${p.version}` : p.version;
    const w = new FakeWatcher(match, q.get('allowWatchBookmarks') === 'true', apiVersion, () =>
      this.watchers.delete(w),
    );
    if (rvParam === '' || rvParam === '0') {
      for (const object of this.list(p.group, p.resource, p.namespace)) {
        w.offer({
          rv: Number(object.metadata.resourceVersion),
          type: 'ADDED',
          group: p.group,
          resource: p.resource,
          object,
        });
      }
    } else {
      const from = Number(rvParam);
      if (from < this.compactedRv) {
        const status: Status = expired(`too old resource version: ${rvParam} (${this.compactedRv})`).toStatus();
        return objectResponse(410, status);
      }
      for (const ev of this.history) if (ev.rv > from) w.offer(ev);
    }
    this.watchers.add(w);
    req.signal.addEventListener('abort', () => w.end(), { once: true });
    return { type: 'watch', status: 200, stream: w };
  }
}

function key(group: string, resource: string, namespace: string, name: string): string {
  return `${group}/${resource}/${namespace ? `${namespace}/` : ''}${name}`;
}

/** A RestClient talking to `fake` in process, without rate limiting. */
export function fakeRestClient(fake: FakeApiServer, opts: Partial<RestClientOptions> = {}): RestClient {
  const transport = new InProcessTransport({
    handler: fake.handle,
    user: { username: 'test-admin', groups: ['system:masters'] },
    userAgent: 'client-test/v1.32.4 (linux/amd64) kubets',
  });
  return new RestClient({ transport, rateLimiter: null, ...opts });
}
