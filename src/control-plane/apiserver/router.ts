import {
  internalError,
  methodNotSupported,
  pathNotFound,
  toStatusError,
  unauthorized,
} from '../../api/errors/status-error.js';
import { kubernetesVersion } from '../../api/version.js';
import { aggregatedVersionRequested, type DiscoveryDoc } from './discovery/discovery.js';
import { decodeObjectBody } from './endpoints/request-body.js';
import {
  patchSetsResourceVersion,
  handleDelete,
  handleDeleteCollection,
  handleCreate,
  handlePatch,
  handleUpdate,
} from './endpoints/resource-writes.js';
import { handleGet, handleList, handleWatch } from './endpoints/resource-reads.js';
import { parseRequestInfo } from './http/request-info.js';
import { serveHealth } from './routes/health.js';
import type { ApiServerCore as ApiServer } from './api-server-core.js';
import type { ApiRequest, ApiResponse, RequestContext } from './types.js';
import { addAuditAnnotation } from './audit/annotations.js';
import { decisionAnnotationKey, reasonAnnotationKey } from './audit/authorization-annotations.js';
import type { RequestAudit } from './audit/recorder.js';
import { impersonate } from './authn/impersonation.js';
import { attributesFrom } from './authz/types.js';
import { forbiddenError } from './authz/forbidden.js';
import { applyPatch, type JsonObject } from '../../api/patch/index.js';
import { decodeBody, patchMediaTypes } from '../../api/codec/media-type.js';
import type { KubeObject } from './watch-cache/types.js';
import { serveVirtual } from './virtual-resources.js';
import { aggregatorOf } from './aggregator/attach.js';

function discoveryResponse(req: ApiRequest, d: DiscoveryDoc, contentType = 'application/json'): ApiResponse {
  if (req.headers['if-none-match'] === d.etag)
    return { type: 'bytes', status: 304, contentType, body: '', headers: { Etag: d.etag } };
  return { type: 'bytes', status: 200, contentType, body: d.json, headers: { Etag: d.etag } };
}

function serveDiscovery(server: ApiServer, req: ApiRequest): ApiResponse | undefined {
  // Aggregated APIServices' group-versions are listed beside ours (their per-version lists are proxied).
  const d = aggregatorOf(server)?.discovery(server.discovery) ?? server.discovery;
  const p = req.path.replace(/\/+$/, '') || '/';
  if (p === '/api' || p === '/apis') {
    const agg = aggregatedVersionRequested(req.headers.accept);
    if (agg) {
      const doc = p === '/api' ? d.aggregatedCore[agg] : d.aggregatedApis[agg];
      return discoveryResponse(req, doc, `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`);
    }
    return discoveryResponse(req, p === '/api' ? d.api : d.apis);
  }
  let m = /^\/api\/([^/]+)$/.exec(p);
  if (m) {
    const doc = d.resourceLists.get(m[1]!);
    return doc ? discoveryResponse(req, doc) : undefined;
  }
  m = /^\/apis\/([^/]+)$/.exec(p);
  if (m) {
    const doc = d.groups.get(m[1]!);
    return doc ? discoveryResponse(req, doc) : undefined;
  }
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
  if (m) {
    const doc = d.resourceLists.get(`${m[1]}/${m[2]}`);
    return doc ? discoveryResponse(req, doc) : undefined;
  }
  return undefined;
}

/**
 * The request pipeline, in upstream's filter order: parse the request info,
 * authenticate, audit (everything past authentication, refusals included),
 * impersonate, flow control, authorize, then serve health/version/discovery/
 * OpenAPI or dispatch to a resource handler.
 */
export async function routeRequest(server: ApiServer, req: ApiRequest): Promise<ApiResponse> {
  const info = parseRequestInfo(req.method, req.path, req.query);
  let auth: Awaited<ReturnType<ApiServer['authenticator']['authenticate']>>;
  try {
    auth = await server.authenticator.authenticate(req);
    if (!auth) throw unauthorized();
  } catch (err) {
    server.auditor?.failedAuthentication(req, info, toStatusError(err).toStatus());
    throw err;
  }
  const ctx: RequestContext = { request: req, info, user: auth.user, warnings: [], signal: req.signal };
  const audit = server.auditor?.begin(ctx);
  try {
    const res = await authorizedAndServed(server, ctx, audit);
    if (audit) {
      if (res.type === 'watch' || res.type === 'stream') audit.responseStarted(res.status);
      audit.complete(res.status);
    }
    return res;
  } catch (err) {
    audit?.fail(err);
    throw err;
  }
}

/** Impersonation, flow control and authorization, then the handler (inside the flow-control seat). */
async function authorizedAndServed(
  server: ApiServer,
  ctx: RequestContext,
  audit: RequestAudit | undefined,
): Promise<ApiResponse> {
  const { request: req, info } = ctx;
  if (server.authorizer) {
    const user = await impersonate(req, ctx.user, server.authorizer);
    if (user !== ctx.user) {
      ctx.user = user;
      audit?.setImpersonatedUser(user);
    }
  }
  const serve = async (): Promise<ApiResponse> => {
    await authorize(server, ctx);
    const res = await dispatch(server, ctx);
    if (audit && res.type === 'object') audit.setResponseObject(res.body);
    return res;
  };
  const fc = server.flowControl?.classify(ctx, () => {
    const r = info.isResourceRequest ? server.resource(info.group, info.version, info.resource) : undefined;
    return r ? r.store.deps.cache.size : 0;
  });
  if (!fc) return serve();
  // Serialize inside the seat: for HTTP callers that is where the cost of a big LIST is.
  return fc.level.run(fc.flow, async () => encodeForWire(req, await serve()), fc.seats);
}

/**
 * Upstream WithAuthorization: the decision and the authorizer's reason are
 * audit annotations on allowed and forbidden requests alike.
 */
async function authorize(server: ApiServer, ctx: RequestContext): Promise<void> {
  if (!server.authorizer) return;
  const attrs = attributesFrom(ctx.info, ctx.user, ctx.request.query);
  let d: Awaited<ReturnType<NonNullable<ApiServer['authorizer']>['authorize']>>;
  try {
    d = await server.authorizer.authorize(attrs);
  } catch (err) {
    addAuditAnnotation(ctx, reasonAnnotationKey, 'internal error');
    throw internalError(err);
  }
  const allowed = d.decision === 'Allow';
  addAuditAnnotation(ctx, decisionAnnotationKey, allowed ? 'allow' : 'forbid');
  addAuditAnnotation(ctx, reasonAnnotationKey, d.reason);
  if (!allowed) throw forbiddenError(attrs, d.reason);
}

function encodeForWire(req: ApiRequest, res: ApiResponse): ApiResponse {
  if (res.type !== 'object' || req.peer.inProcessUser) return res;
  return {
    type: 'bytes',
    status: res.status,
    contentType: res.contentType ?? 'application/json',
    body: JSON.stringify(res.body),
    headers: res.headers,
  };
}

async function dispatch(server: ApiServer, ctx: RequestContext): Promise<ApiResponse> {
  const { request: req, info } = ctx;

  // Group-versions served by an extension API server (APIService with spec.service) go there first.
  const proxied = await aggregatorOf(server)?.proxy(ctx);
  if (proxied) return proxied;

  if (!info.isResourceRequest) {
    if (req.path === '/version' || req.path === '/version/')
      return { type: 'object', status: 200, body: kubernetesVersion };
    const health = await serveHealth(req.path, req.query, server.healthChecks);
    if (health) return health;
    const disc = serveDiscovery(server, req);
    if (disc) return disc;
    const oa = server.openapi.serve(req.path, req.query, req.headers.accept);
    if (oa) return oa;
    for (const route of server.extraRoutes) {
      const out = route(req);
      if (out) return out;
    }
    throw pathNotFound();
  }
  const virtual = await serveVirtual(server, ctx);
  if (virtual) return virtual;
  return withWarnings(ctx, await serveResource(server, ctx));
}

/**
 * Warnings gathered for the request (`Warning: 299` headers) on a response
 * whose handler did not add them itself — reads of deprecated CRD versions.
 */
function withWarnings(ctx: RequestContext, res: ApiResponse): ApiResponse {
  if (ctx.warnings.length === 0 || res.headers?.Warning !== undefined) return res;
  return { ...res, headers: { ...res.headers, Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) } };
}

async function serveResource(server: ApiServer, ctx: RequestContext): Promise<ApiResponse> {
  const info = ctx.info;
  const r = server.resource(info.group, info.version, info.resource);
  if (!r) throw pathNotFound();
  if (r.warning !== undefined && !ctx.warnings.includes(r.warning)) ctx.warnings.push(r.warning);
  const ns = r.info.namespaced ? info.namespace : '';
  // Namespaced objects need a namespace in the path (except list/watch across namespaces).
  // (A name taken from a metadata.name field selector on a cluster-wide list is not a path name.)
  if (r.info.namespaced && !ns && info.name && info.verb !== 'list' && info.verb !== 'watch') throw pathNotFound();
  if (!r.info.namespaced && info.namespace && r.info.plural !== 'namespaces') throw pathNotFound();
  const gr = { group: r.info.group, resource: r.info.plural };
  const verbs = r.info.verbs as string[];

  if (info.subresource) {
    const sub = r.subresources.get(info.subresource);
    if (!sub) throw pathNotFound();
    const name = info.name;
    switch (info.verb) {
      case 'get':
        if (sub.connect) return sub.connect(ctx, ns, name, info.parts.slice(3));
        if (sub.get) return sub.get(ctx, ns, name);
        return handleGet(ctx, r, server.deps, ns, name);
      case 'create': {
        if (sub.connect) return sub.connect(ctx, ns, name, info.parts.slice(3));
        if (!sub.create) throw methodNotSupported(gr, 'create');
        const subInfo = r.info.subresources.find((s) => s.name === info.subresource);
        const kind = subInfo?.kind.kind ?? r.info.kind;
        const apiVersion = subInfo
          ? subInfo.kind.group
            ? `${subInfo.kind.group}/${subInfo.kind.version}`
            : subInfo.kind.version
          : undefined;
        return sub.create(ctx, ns, name, decodeObjectBody(ctx, r, kind, apiVersion));
      }
      case 'update':
        // The proxy subresources forward PUT and PATCH bodies as they are.
        if (sub.connect && info.subresource === 'proxy') return sub.connect(ctx, ns, name, info.parts.slice(3));
        if (sub.update) return sub.update(ctx, ns, name, decodeObjectBody(ctx, r, 'Scale', 'autoscaling/v1'));
        if (!sub.strategy) throw methodNotSupported(gr, 'update');
        return handleUpdate(ctx, r, server.deps, ns, name, { name: info.subresource, handler: sub });
      case 'patch':
        if (sub.connect && info.subresource === 'proxy') return sub.connect(ctx, ns, name, info.parts.slice(3));
        if (sub.patch) {
          const ct = ctx.request.headers['content-type'] ?? '';
          const body =
            ctx.request.object ??
            decodeBody(ctx.request.body ?? new Uint8Array(), ct, { supported: patchMediaTypes.slice(0, 3) }).value;
          const raw =
            ctx.request.object !== undefined
              ? JSON.stringify(ctx.request.object)
              : (ctx.request.body ?? new Uint8Array());
          const conditional = patchSetsResourceVersion(raw, ct.split(';')[0]!.trim().toLowerCase(), undefined);
          return sub.patch(ctx, ns, name, (cur: KubeObject) => {
            const next = applyPatch(
              cur as unknown as JsonObject,
              body as never,
              ct,
              undefined,
            ) as unknown as KubeObject;
            if (!conditional) next.metadata = { ...next.metadata, resourceVersion: undefined };
            return next;
          });
        }
        if (!sub.strategy) throw methodNotSupported(gr, 'patch');
        return handlePatch(ctx, r, server.deps, ns, name, { name: info.subresource, handler: sub });
      default:
        if (sub.connect) return sub.connect(ctx, ns, name, info.parts.slice(3));
        throw methodNotSupported(gr, info.verb);
    }
  }

  if (!verbs.includes(info.verb)) throw methodNotSupported(gr, info.verb);
  switch (info.verb) {
    case 'get':
      return handleGet(ctx, r, server.deps, ns, info.name);
    case 'list':
      return handleList(ctx, r, server.deps, ns);
    case 'watch':
      return handleWatch(ctx, r, server.deps, ns);
    case 'create':
      if (info.name) throw methodNotSupported(gr, 'create');
      return handleCreate(ctx, r, server.deps, ns);
    case 'update':
      return handleUpdate(ctx, r, server.deps, ns, info.name);
    case 'patch':
      return handlePatch(ctx, r, server.deps, ns, info.name);
    case 'delete':
      return handleDelete(ctx, r, server.deps, ns, info.name);
    case 'deletecollection':
      return handleDeleteCollection(ctx, r, server.deps, ns);
    default:
      throw methodNotSupported(gr, info.verb);
  }
}
