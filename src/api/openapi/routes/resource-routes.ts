/**
 * The REST routes kube-apiserver documents for the resources of one
 * group-version: the group-version root, collection and item paths (plus the
 * all-namespaces list for namespaced kinds), the deprecated `/watch/` paths, and
 * subresources (see `subresource-routes.ts`). Operation ids, descriptions,
 * actions and parameters follow apiserver's `endpoints/installer.go`.
 */
import type { GroupVersion, ResourceInfo } from '../../scheme/types.js';
import type { Definitions } from '../schema-types.js';
import { groupVersionPrefix, operationIdInfix, operationTag } from './naming.js';
import {
  createParams,
  deleteCollectionParams,
  deleteParams,
  listParams,
  nameParam,
  namespaceParam,
  patchParams,
  prettyParam,
  replaceParams,
} from './parameters.js';
import {
  accepted,
  builtinProduces,
  created,
  metaV1,
  ok,
  RouteContext,
  unauthorized,
  withArticle,
} from './route-context.js';
import type { BodySchema, OperationSpec, PathSpec } from './route-model.js';
import { addSubresourceRoutes } from './subresource-routes.js';
import { compareStrings } from '../stable-json.js';

export type AddOperation = (path: string, op: OperationSpec) => void;

/** Routes of `resources` belonging to `gv` (others are ignored), sorted by path. */
export function groupVersionRoutes(gv: GroupVersion, resources: ResourceInfo[], defs: Definitions): PathSpec[] {
  const prefix = groupVersionPrefix(gv);
  const infix = operationIdInfix(gv);
  const tag = operationTag(gv);
  const paths = new Map<string, OperationSpec[]>();
  const add: AddOperation = (path, op) => {
    const ops = paths.get(path) ?? [];
    ops.push(op);
    paths.set(path, ops);
  };

  add(`${prefix}/`, {
    method: 'get',
    operationId: `get${infix}APIResources`,
    description: 'get available resources',
    tag,
    params: [],
    produces: builtinProduces,
    responses: [ok({ definition: `${metaV1}.APIResourceList` }), unauthorized],
  });

  const own = resources.filter((r) => r.group === gv.group && r.version === gv.version);
  for (const r of own.sort((a, b) => compareStrings(a.plural, b.plural))) {
    addResourceRoutes(new RouteContext(r, defs, infix, tag), prefix, add);
  }

  return [...paths.keys()].sort().map((path) => ({ path, operations: paths.get(path)! }));
}

function addResourceRoutes(ctx: RouteContext, prefix: string, add: AddOperation): void {
  const r = ctx.resource;
  const kind = r.kind;
  const verbs = new Set<string>(r.verbs);
  const ns = r.namespaced ? 'Namespaced' : '';
  const base = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const item = `${base}/{name}`;
  const scope = r.namespaced ? [namespaceParam] : [];
  const common = [...scope, prettyParam];
  const itemCommon = [nameParam(kind), ...common];
  const status: BodySchema = { definition: `${metaV1}.Status` };
  const deleteBody = { schema: { definition: `${metaV1}.DeleteOptions` }, contentTypes: ['*/*'], required: false };
  const writeBody = { schema: ctx.object, contentTypes: ['*/*'], required: true };

  if (verbs.has('list')) {
    const list = {
      method: 'get',
      verb: 'list',
      description: `list or watch objects of kind ${kind}`,
      action: 'list',
    } as const;
    const listing = { produces: ctx.watchProduces, responses: [ok(ctx.list), unauthorized] };
    add(base, ctx.operation({ ...list, what: `${ns}${kind}`, params: [...common, ...listParams], ...listing }));
    if (r.namespaced) {
      const what = `${kind}ForAllNamespaces`;
      add(`${prefix}/${r.plural}`, ctx.operation({ ...list, what, params: [prettyParam, ...listParams], ...listing }));
    }
  }
  if (verbs.has('create')) {
    add(
      base,
      ctx.operation({
        method: 'post',
        verb: 'create',
        what: `${ns}${kind}`,
        description: `create ${withArticle(kind)}`,
        action: 'post',
        params: [...common, ...createParams],
        requestBody: writeBody,
        produces: ctx.produces,
        responses: [ok(ctx.object), created(ctx.object), accepted(ctx.object), unauthorized],
      }),
    );
  }
  if (verbs.has('deletecollection')) {
    add(
      base,
      ctx.operation({
        method: 'delete',
        verb: 'delete',
        what: `Collection${ns}${kind}`,
        description: `delete collection of ${kind}`,
        action: 'deletecollection',
        params: [...common, ...deleteCollectionParams],
        requestBody: deleteBody,
        produces: ctx.produces,
        responses: [ok(status), unauthorized],
      }),
    );
  }
  if (verbs.has('get')) {
    add(
      item,
      ctx.operation({
        method: 'get',
        verb: 'read',
        what: `${ns}${kind}`,
        description: `read the specified ${kind}`,
        action: 'get',
        params: itemCommon,
        produces: ctx.produces,
        responses: [ok(ctx.object), unauthorized],
      }),
    );
  }
  if (verbs.has('update')) {
    add(
      item,
      ctx.operation({
        method: 'put',
        verb: 'replace',
        what: `${ns}${kind}`,
        description: `replace the specified ${kind}`,
        action: 'put',
        params: [...itemCommon, ...replaceParams],
        requestBody: writeBody,
        produces: ctx.produces,
        responses: [ok(ctx.object), created(ctx.object), unauthorized],
      }),
    );
  }
  if (verbs.has('patch')) {
    add(
      item,
      ctx.operation({
        method: 'patch',
        verb: 'patch',
        what: `${ns}${kind}`,
        description: `partially update the specified ${kind}`,
        action: 'patch',
        params: [...itemCommon, ...patchParams],
        requestBody: { schema: { definition: `${metaV1}.Patch` }, contentTypes: ctx.patchContentTypes, required: true },
        produces: ctx.produces,
        responses: [ok(ctx.object), created(ctx.object), unauthorized],
      }),
    );
  }
  if (verbs.has('delete')) {
    add(
      item,
      ctx.operation({
        method: 'delete',
        verb: 'delete',
        what: `${ns}${kind}`,
        description: `delete ${withArticle(kind)}`,
        action: 'delete',
        params: [...itemCommon, ...deleteParams],
        requestBody: deleteBody,
        produces: ctx.produces,
        responses: [ok(status), accepted(status), unauthorized],
      }),
    );
  }
  if (verbs.has('watch')) addWatchRoutes(ctx, prefix, add);

  for (const sub of r.subresources) addSubresourceRoutes(ctx, item, sub, add);
}

/** The deprecated `/watch/` paths upstream still serves (watch is a list with `watch=true` now). */
function addWatchRoutes(ctx: RouteContext, prefix: string, add: AddOperation): void {
  const r = ctx.resource;
  const kind = r.kind;
  const ns = r.namespaced ? 'Namespaced' : '';
  const common = [...(r.namespaced ? [namespaceParam] : []), prettyParam];
  const base = r.namespaced ? `${prefix}/watch/namespaces/{namespace}/${r.plural}` : `${prefix}/watch/${r.plural}`;
  const deprecated = "deprecated: use the 'watch' parameter with a list operation instead";
  const watch = {
    method: 'get' as const,
    verb: 'watch',
    produces: ctx.watchProduces,
    responses: [ok({ definition: `${metaV1}.WatchEvent` }), unauthorized],
  };
  const listDescription = `watch individual changes to a list of ${kind}. ${deprecated}.`;

  add(
    base,
    ctx.operation({
      ...watch,
      what: `${ns}${kind}List`,
      description: listDescription,
      action: 'watchlist',
      params: [...common, ...listParams],
    }),
  );
  add(
    `${base}/{name}`,
    ctx.operation({
      ...watch,
      what: `${ns}${kind}`,
      description: `watch changes to an object of kind ${kind}. ${deprecated}, filtered to a single item with the 'fieldSelector' parameter.`,
      action: 'watch',
      params: [nameParam(kind), ...common, ...listParams],
    }),
  );
  if (r.namespaced) {
    add(
      `${prefix}/watch/${r.plural}`,
      ctx.operation({
        ...watch,
        what: `${kind}ListForAllNamespaces`,
        description: listDescription,
        action: 'watchlist',
        params: [prettyParam, ...listParams],
      }),
    );
  }
}
