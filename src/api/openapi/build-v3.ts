/**
 * The OpenAPI 3.0 document of one group-version, as kube-apiserver serves it at
 * `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`: every route of
 * the group-version's resources and the closure of the schemas they use. kubectl
 * reads it for `explain`, client-side apply patch strategies, and to decide
 * whether the server validates fields (the PATCH operation's `fieldValidation`
 * parameter). Pure: same inputs, same document.
 */
import type { GroupVersion, ResourceInfo } from '../scheme/types.js';
import { groupVersionRoutes } from './routes/resource-routes.js';
import {
  type BodySchema,
  type OperationSpec,
  type ParamSpec,
  type PathSpec,
  sharedParams,
} from './routes/route-model.js';
import { componentsRefPrefix, definitionClosure, toV3Schema } from './schema-convert.js';
import type { Definitions } from './schema-types.js';
import { compareStrings } from './stable-json.js';

type Json = Record<string, unknown>;

export interface DocumentOptions {
  /** `info.version`; upstream's checked-in documents say `unversioned`. */
  version?: string;
}

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, Json>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

export const bearerTokenScheme = {
  description: 'Bearer Token authentication',
  in: 'header',
  name: 'authorization',
  type: 'apiKey',
};

/** `resources` outside `gv` are ignored; every `$ref` in the result resolves within it. */
export function buildOpenApiV3(
  gv: GroupVersion,
  resources: ResourceInfo[],
  defs: Definitions,
  opts: DocumentOptions = {},
): OpenApiV3Document {
  const routes = groupVersionRoutes(gv, resources, defs);
  const roots = new Set<string>();
  const paths: Record<string, Json> = {};
  for (const path of routes) paths[path.path] = renderPath(path, roots);

  const schemas: Record<string, Json> = {};
  for (const name of definitionClosure(defs, roots)) schemas[name] = toV3Schema(name, defs[name]);

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: opts.version ?? 'unversioned' },
    paths,
    components: { schemas, securitySchemes: { BearerToken: { ...bearerTokenScheme } } },
  };
}

function renderPath(path: PathSpec, roots: Set<string>): Json {
  const shared = sharedParams(path);
  const sharedNames = new Set(shared.map((p) => p.name));
  const item: Json = {};
  for (const op of path.operations) item[op.method] = renderOperation(op, sharedNames, roots);
  if (shared.length > 0) item.parameters = shared.map(renderParam);
  return item;
}

function renderOperation(op: OperationSpec, sharedNames: Set<string>, roots: Set<string>): Json {
  const out: Json = { description: op.description, operationId: op.operationId };
  const own = op.params.filter((p) => !sharedNames.has(p.name)).sort((a, b) => compareStrings(a.name, b.name));
  if (own.length > 0) out.parameters = own.map(renderParam);
  if (op.requestBody) {
    const schema = renderSchema(op.requestBody.schema, roots);
    out.requestBody = {
      content: Object.fromEntries([...op.requestBody.contentTypes].sort().map((ct) => [ct, { schema }])),
      ...(op.requestBody.required ? { required: true } : {}),
    };
  }
  const responses: Json = {};
  for (const r of op.responses) {
    const schema = r.schema ? renderSchema(r.schema, roots) : undefined;
    responses[r.code] = schema
      ? {
          content: Object.fromEntries([...op.produces].sort().map((ct) => [ct, { schema }])),
          description: r.description,
        }
      : { description: r.description };
  }
  out.responses = responses;
  out.tags = [op.tag];
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk)
    out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

function renderParam(p: ParamSpec): Json {
  return {
    description: p.description,
    in: p.in,
    name: p.name,
    ...(p.required ? { required: true } : {}),
    schema: { type: p.type, uniqueItems: true },
  };
}

function renderSchema(schema: BodySchema, roots: Set<string>): Json {
  if ('definition' in schema) {
    roots.add(schema.definition);
    return { $ref: componentsRefPrefix + schema.definition };
  }
  return { type: schema.type };
}
