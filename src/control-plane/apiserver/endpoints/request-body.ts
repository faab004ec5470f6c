import { badRequest } from '../../../api/errors/status-error.js';
import { decodeBody, objectMediaTypes } from '../../../api/codec/media-type.js';
import { groupVersionString } from '../../../api/scheme/types.js';
import { jsonClone } from '../fieldmanager/go-json.js';
import type { RequestContext } from '../types.js';
import type { ServedResource } from '../registry/served-resource.js';
import type { KubeObject } from '../watch-cache/types.js';

/**
 * Decodes the body of a create/update into an object of the served kind:
 * JSON, YAML or protobuf (typed kubectl commands), or an in-process object.
 * A body whose apiVersion/kind names another type is rejected, as upstream.
 */
export function decodeObjectBody(
  ctx: RequestContext,
  r: ServedResource,
  kind = r.info.kind,
  apiVersion = groupVersionString(r.info),
): KubeObject {
  const req = ctx.request;
  let value: unknown;
  if (req.object !== undefined) value = jsonClone(req.object);
  else {
    if (!req.body || req.body.length === 0) throw badRequest('the body of the request was empty');
    value = decodeBody(req.body, req.headers['content-type'], { supported: objectMediaTypes, kind, apiVersion }).value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind})`);
  }
  const obj = value as KubeObject;
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (obj.kind !== undefined && obj.kind !== kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind})`);
  }
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw badRequest(
      `${kind} in version "${apiVersion.split('/').pop()}" cannot be handled as a ${kind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata} into Go struct field ${kind}.metadata of type v1.ObjectMeta`,
    );
  }
  return obj;
}

/** DeleteOptions from the body (JSON or protobuf) or, when there is none, from query parameters. */
export function decodeDeleteOptions(ctx: RequestContext): Record<string, unknown> {
  const req = ctx.request;
  let body: Record<string, unknown> = {};
  if (req.object !== undefined && req.object !== null) body = jsonClone(req.object) as Record<string, unknown>;
  else if (req.body && req.body.length > 0) {
    const v = decodeBody(req.body, req.headers['content-type'], {
      supported: objectMediaTypes,
      kind: 'DeleteOptions',
      apiVersion: 'meta.k8s.io/v1',
    }).value;
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw badRequest('the body of the request must be a DeleteOptions object');
    body = v as Record<string, unknown>;
  }
  const q = req.query;
  const out: Record<string, unknown> = { ...body };
  if (out.gracePeriodSeconds === undefined && q.has('gracePeriodSeconds'))
    out.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
  if (out.propagationPolicy === undefined && q.has('propagationPolicy'))
    out.propagationPolicy = q.get('propagationPolicy');
  if (out.orphanDependents === undefined && q.has('orphanDependents'))
    out.orphanDependents = q.get('orphanDependents') === 'true';
  if (out.dryRun === undefined && q.getAll('dryRun').length) out.dryRun = q.getAll('dryRun');
  return out;
}
