/**
 * The Swagger 2.0 document for everything served (`/openapi/v2`). kubectl falls
 * back to it when v3 is unavailable and always uses it to validate `kind: List`
 * manifests. Same routes as the v3 documents; parameters are inlined rather than
 * shared through `#/parameters/`, which clients treat alike. Pure.
 */
import type { ResourceInfo } from '../scheme/types.js';
import { type DocumentOptions, bearerTokenScheme } from './build-v3.js';
import { groupVersionRoutes } from './routes/resource-routes.js';
import {
  type BodySchema,
  type OperationSpec,
  type ParamSpec,
  type PathSpec,
  sharedParams,
} from './routes/route-model.js';
import { definitionClosure, toV2Schema } from './schema-convert.js';
import { definitionRefPrefix, type Definitions } from './schema-types.js';
import { compareStrings } from './stable-json.js';

type Json = Record<string, unknown>;

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, Json>;
  definitions: Record<string, Json>;
  securityDefinitions: Record<string, Json>;
  security: Record<string, string[]>[];
}

export function buildOpenApiV2(
  resources: ResourceInfo[],
  defs: Definitions,
  opts: DocumentOptions = {},
): SwaggerDocument {
  const gvs = new Map<string, { group: string; version: string }>();
  for (const r of resources) gvs.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });

  const roots = new Set<string>();
  const paths: Record<string, Json> = {};
  const all: PathSpec[] = [...gvs.values()].flatMap((gv) => groupVersionRoutes(gv, resources, defs));
  for (const path of all.sort((a, b) => compareStrings(a.path, b.path))) paths[path.path] = renderPath(path, roots);

  const definitions: Record<string, Json> = {};
  for (const name of definitionClosure(defs, roots)) definitions[name] = toV2Schema(defs[name]);

  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: opts.version ?? 'unversioned' },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { ...bearerTokenScheme } },
    security: [{ BearerToken: [] }],
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
  const out: Json = {};
  out.consumes = op.requestBody ? [...op.requestBody.contentTypes] : ['*/*'];
  out.description = op.description;
  out.operationId = op.operationId;
  const params: Json[] = op.params
    .filter((p) => !sharedNames.has(p.name))
    .sort((a, b) => compareStrings(a.name, b.name))
    .map(renderParam);
  if (op.requestBody) {
    params.unshift({
      in: 'body',
      name: 'body',
      ...(op.requestBody.required ? { required: true } : {}),
      schema: renderSchema(op.requestBody.schema, roots),
    });
  }
  if (params.length > 0) out.parameters = params;
  out.produces = [...op.produces];
  const responses: Json = {};
  for (const r of op.responses) {
    responses[r.code] = r.schema
      ? { description: r.description, schema: renderSchema(r.schema, roots) }
      : { description: r.description };
  }
  out.responses = responses;
  out.schemes = ['https'];
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
    type: p.type,
    uniqueItems: true,
  };
}

function renderSchema(schema: BodySchema, roots: Set<string>): Json {
  if ('definition' in schema) {
    roots.add(schema.definition);
    return { $ref: definitionRefPrefix + schema.definition };
  }
  return { type: schema.type };
}
