import { badRequest, methodNotSupported, notFound } from '../../api/errors/status-error.js';
import { chooseOutput, renderList, renderObject } from './endpoints/output.js';
import { printerFor } from './printers/index.js';
import type { ApiServerCore as ApiServer } from './api-server-core.js';
import type { ApiResponse, RequestContext } from './types.js';
import { decodeBody, objectMediaTypes } from '../../api/codec/media-type.js';
import { bindPod } from './endpoints/subresources/pod-binding.js';
import { serveReview } from './security/reviews.js';

function body(ctx: RequestContext, kind: string, apiVersion: string): Record<string, any> {
  const v =
    ctx.request.object ??
    (ctx.request.body
      ? decodeBody(ctx.request.body, ctx.request.headers['content-type'], {
          supported: objectMediaTypes,
          kind,
          apiVersion,
        }).value
      : undefined);
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`the body of the request must be a ${kind}`);
  return v as Record<string, any>;
}

/**
 * Resources with no storage: reviews answered from the caller's identity and
 * the authorizer, `componentstatuses`, and the legacy `bindings` resource.
 */
export async function serveVirtual(server: ApiServer, ctx: RequestContext): Promise<ApiResponse | undefined> {
  const { group, resource, verb, version } = ctx.info;
  const key = `${group}/${resource}`;
  if (server.reviews && (group === 'authorization.k8s.io' || key === 'authentication.k8s.io/tokenreviews')) {
    const kind = server.scheme.forGVR(group, version, resource)?.kind ?? 'Review';
    const out = await serveReview(ctx, server.reviews, verb === 'create' ? body(ctx, kind, `${group}/${version}`) : {});
    if (out) return out;
  }
  switch (key) {
    case 'authentication.k8s.io/selfsubjectreviews': {
      if (verb !== 'create') throw methodNotSupported({ group, resource }, verb);
      const b = body(ctx, 'SelfSubjectReview', `${group}/${version}`);
      const u = ctx.user;
      const userInfo: Record<string, unknown> = { username: u.username, groups: u.groups };
      if (u.uid) userInfo.uid = u.uid;
      if (u.extra && Object.keys(u.extra).length) userInfo.extra = u.extra;
      return {
        type: 'object',
        status: 201,
        body: {
          kind: 'SelfSubjectReview',
          apiVersion: `${group}/${version}`,
          metadata: { ...(b.metadata ?? {}), creationTimestamp: null },
          status: { userInfo },
        },
      };
    }
    case 'authorization.k8s.io/selfsubjectaccessreviews': {
      if (verb !== 'create') throw methodNotSupported({ group, resource }, verb);
      const b = body(ctx, 'SelfSubjectAccessReview', `${group}/${version}`);
      const decision: { allowed: boolean; reason?: string } = { allowed: true };
      const status: Record<string, unknown> = { allowed: decision.allowed };
      if (decision.reason) status.reason = decision.reason;
      return {
        type: 'object',
        status: 201,
        body: {
          kind: 'SelfSubjectAccessReview',
          apiVersion: `${group}/${version}`,
          metadata: { creationTimestamp: null },
          spec: b.spec ?? {},
          status,
        },
      };
    }
    case '/componentstatuses': {
      if (verb !== 'list' && verb !== 'get') throw methodNotSupported({ group, resource }, verb);
      const healthy = async () => {
        try {
          await server.opts.storage.currentRevision();
          return true;
        } catch {
          return false;
        }
      };
      const ok = await healthy();
      const item = (name: string) => ({
        kind: 'ComponentStatus',
        apiVersion: 'v1',
        metadata: { name, creationTimestamp: null },
        conditions: [{ type: 'Healthy', status: ok ? 'True' : 'False', message: ok ? 'ok' : 'datastore unreachable' }],
      });
      const names = ['controller-manager', 'scheduler', 'etcd-0'];
      const rc = {
        form: chooseOutput(ctx.request.headers.accept),
        query: ctx.request.query,
        printer: printerFor('', 'ComponentStatus'),
        now: server.clock.now(),
        typeMeta: { apiVersion: 'v1', kind: 'ComponentStatus' },
      };
      if (verb === 'get') {
        if (!names.includes(ctx.info.name)) throw notFound({ group: '', resource: 'componentstatuses' }, ctx.info.name);
        return renderObject(rc, item(ctx.info.name));
      }
      return renderList(rc, { items: names.map(item), resourceVersion: '' });
    }
    case '/bindings': {
      if (verb !== 'create') throw methodNotSupported({ group, resource }, verb);
      const pods = server.resource('', 'v1', 'pods')!;
      const b = body(ctx, 'Binding', 'v1');
      return bindPod(() => pods, server.deps)(ctx, ctx.info.namespace, String(b.metadata?.name ?? ''), b as never);
    }
    default:
      return undefined;
  }
}
