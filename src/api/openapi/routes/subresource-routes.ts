/**
 * Subresource routes below an item path: connect-style `exec`/`attach`/
 * `portforward`/`proxy` (every HTTP method allowed, a string response, options
 * as query parameters), `log` (a text stream), and the standard kind
 * subresources (`status`, `scale`, `binding`, `eviction`, `token`, `finalize`,
 * `ephemeralcontainers`, ...) whose verbs map to read/replace/patch/create.
 * The subresource's `kind` supplies the schema and `x-kubernetes-group-version-kind`.
 */
import type { SubresourceInfo } from '../../scheme/types.js';
import { definitionForGVK } from '../definitions.js';
import { title } from './naming.js';
import {
  connectParams,
  createParams,
  logParams,
  nameParam,
  namespaceParam,
  patchParams,
  pathParam,
  prettyParam,
  replaceParams,
} from './parameters.js';
import { accepted, created, metaV1, ok, type RouteContext, unauthorized, withArticle } from './route-context.js';
import type { BodySchema, HttpMethod, OperationSpec, ParamSpec } from './route-model.js';

const connectSubresources = new Set(['exec', 'attach', 'portforward', 'proxy']);
const logProduces = ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export function addSubresourceRoutes(
  ctx: RouteContext,
  item: string,
  sub: SubresourceInfo,
  add: (path: string, op: OperationSpec) => void,
): void {
  const r = ctx.resource;
  const path = `${item}/${sub.name}`;
  const what = `${r.namespaced ? 'Namespaced' : ''}${r.kind}${title(sub.name)}`;
  const verbs = new Set(sub.verbs);
  const gvk = sub.kind;
  const common = [nameParam(sub.kind.kind), ...(r.namespaced ? [namespaceParam] : [])];

  if (connectSubresources.has(sub.name)) {
    addConnectRoutes(ctx, path, what, sub, common, add);
    return;
  }

  const withPretty = [...common, prettyParam];
  if (sub.name === 'log') {
    add(
      path,
      ctx.operation({
        method: 'get',
        verb: 'read',
        what,
        description: `read log of the specified ${r.kind}`,
        action: 'get',
        gvk,
        params: [...withPretty, ...logParams],
        produces: logProduces,
        responses: [ok({ type: 'string' }), unauthorized],
      }),
    );
    return;
  }

  const body: BodySchema = { definition: subresourceDefinition(ctx, sub) };
  const writeBody = { schema: body, contentTypes: ['*/*'], required: true };
  if (verbs.has('get')) {
    add(
      path,
      ctx.operation({
        method: 'get',
        verb: 'read',
        what,
        description: `read ${sub.name} of the specified ${r.kind}`,
        action: 'get',
        gvk,
        params: withPretty,
        produces: ctx.produces,
        responses: [ok(body), unauthorized],
      }),
    );
  }
  if (verbs.has('create')) {
    add(
      path,
      ctx.operation({
        method: 'post',
        verb: 'create',
        what,
        description: `create ${sub.name} of ${withArticle(r.kind)}`,
        action: 'post',
        gvk,
        params: [...withPretty, ...createParams],
        requestBody: writeBody,
        produces: ctx.produces,
        responses: [ok(body), created(body), accepted(body), unauthorized],
      }),
    );
  }
  if (verbs.has('update')) {
    add(
      path,
      ctx.operation({
        method: 'put',
        verb: 'replace',
        what,
        description: `replace ${sub.name} of the specified ${r.kind}`,
        action: 'put',
        gvk,
        params: [...withPretty, ...replaceParams],
        requestBody: writeBody,
        produces: ctx.produces,
        responses: [ok(body), created(body), unauthorized],
      }),
    );
  }
  if (verbs.has('patch')) {
    add(
      path,
      ctx.operation({
        method: 'patch',
        verb: 'patch',
        what,
        description: `partially update ${sub.name} of the specified ${r.kind}`,
        action: 'patch',
        gvk,
        params: [...withPretty, ...patchParams],
        requestBody: { schema: { definition: `${metaV1}.Patch` }, contentTypes: ctx.patchContentTypes, required: true },
        produces: ctx.produces,
        responses: [ok(body), created(body), unauthorized],
      }),
    );
  }
}

/** One operation per allowed HTTP method; `proxy` also gets a `/{path}` twin and HEAD/OPTIONS. */
function addConnectRoutes(
  ctx: RouteContext,
  path: string,
  what: string,
  sub: SubresourceInfo,
  common: ParamSpec[],
  add: (path: string, op: OperationSpec) => void,
): void {
  const r = ctx.resource;
  const options = (r.group === '' && connectParams[`${r.kind}/${sub.name}`]) || [];
  const verbs = new Set(sub.verbs);
  const methods: HttpMethod[] = [];
  if (verbs.has('get')) methods.push('get');
  if (verbs.has('create')) methods.push('post');
  if (verbs.has('update')) methods.push('put');
  if (verbs.has('patch')) methods.push('patch');
  if (verbs.has('delete')) methods.push('delete');
  if (sub.name === 'proxy') methods.push('head', 'options');

  const connect = (method: HttpMethod, suffix: string, params: ParamSpec[]): OperationSpec =>
    ctx.operation({
      method,
      verb: 'connect',
      what: `${title(method)}${what}${suffix}`,
      description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`,
      action: 'connect',
      gvk: sub.kind,
      params,
      produces: ['*/*'],
      responses: [ok({ type: 'string' }), unauthorized],
    });
  for (const m of methods) add(path, connect(m, '', [...common, ...options]));
  if (sub.name === 'proxy') {
    const rest = options.filter((p) => p.name !== 'path');
    for (const m of methods) add(`${path}/{path}`, connect(m, 'WithPath', [...common, pathParam, ...rest]));
  }
}

/** The definition a subresource reads and writes: its kind's (e.g. Scale), else the parent's (e.g. status). */
function subresourceDefinition(ctx: RouteContext, sub: SubresourceInfo): string {
  const parent = (ctx.object as { definition: string }).definition;
  const k = sub.kind;
  if (k.group === ctx.gvk.group && k.version === ctx.gvk.version && k.kind === ctx.gvk.kind) return parent;
  const found = definitionForGVK(ctx.defs, k);
  if (!found) {
    throw new Error(
      `openapi: no definition for ${k.group}/${k.version} ${k.kind} (subresource ${ctx.resource.plural}/${sub.name})`,
    );
  }
  return found.name;
}
