/**
 * A version-neutral description of the REST routes of served resources, built
 * once by `resource-routes.ts` and rendered as OpenAPI v3 (`build-v3.ts`) or
 * Swagger 2.0 (`build-v2.ts`). Schemas are named by definition, never inlined.
 */
import type { GroupVersionKind } from '../../scheme/types.js';
import { compareStrings } from '../stable-json.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';

export interface ParamSpec {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'boolean' | 'integer';
  description: string;
  required?: boolean;
}

/** A definition name (`io.k8s.api.apps.v1.Deployment`) or an unnamed scalar/object body. */
export type BodySchema = { definition: string } | { type: 'string' | 'object' };

export interface ResponseSpec {
  code: '200' | '201' | '202' | '401';
  description: 'OK' | 'Created' | 'Accepted' | 'Unauthorized';
  schema?: BodySchema;
}

export interface OperationSpec {
  method: HttpMethod;
  operationId: string;
  description: string;
  tag: string;
  /** `x-kubernetes-action`: get, list, watch, watchlist, post, put, patch, delete, deletecollection, connect. */
  action?: string;
  gvk?: GroupVersionKind;
  /** Parameters of this operation; those shared by every operation of a path are hoisted by the renderers. */
  params: ParamSpec[];
  requestBody?: { schema: BodySchema; contentTypes: string[]; required: boolean };
  /** Response content types. */
  produces: string[];
  responses: ResponseSpec[];
}

export interface PathSpec {
  path: string;
  operations: OperationSpec[];
}

/**
 * The parameters every operation of `path` carries identically, sorted by name;
 * renderers move them to the path level as upstream does. `fieldValidation` is
 * never moved off a PATCH operation: kubectl decides whether the server validates
 * fields by looking for it among the PATCH operation's own parameters only.
 */
export function sharedParams(path: PathSpec): ParamSpec[] {
  const [first, ...rest] = path.operations;
  if (!first) return [];
  const hasPatch = path.operations.some((op) => op.method === 'patch');
  return first.params
    .filter((p) => !(hasPatch && p.name === 'fieldValidation'))
    .filter((p) => rest.every((op) => op.params.some((q) => sameParam(p, q))))
    .sort((a, b) => compareStrings(a.name, b.name));
}

function sameParam(a: ParamSpec, b: ParamSpec): boolean {
  return (
    a.name === b.name &&
    a.in === b.in &&
    a.type === b.type &&
    a.description === b.description &&
    a.required === b.required
  );
}
