/**
 * What the route builders know about one resource while emitting its
 * operations: its GVK, definitions, content types and the operation naming of
 * its group-version. Shared by the resource and subresource route builders.
 */
import type { GroupVersionKind, ResourceInfo } from '../../scheme/types.js';
import { customResourceDefinitionName } from '../custom-resource-schema.js';
import type { Definitions } from '../schema-types.js';
import type { BodySchema, HttpMethod, OperationSpec, ParamSpec, ResponseSpec } from './route-model.js';

export const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const builtinProduces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const customProduces = ['application/json', 'application/yaml'];
const builtinWatchProduces = ['application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const customWatchProduces = ['application/json;stream=watch'];
const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];
/** kubectl only computes strategic merge patches for kinds it compiles in, so CRDs do not offer it. */
const strategicMergePatch = 'application/strategic-merge-patch+json';

export const ok = (schema?: BodySchema): ResponseSpec => ({ code: '200', description: 'OK', schema });
export const created = (schema: BodySchema): ResponseSpec => ({ code: '201', description: 'Created', schema });
export const accepted = (schema: BodySchema): ResponseSpec => ({ code: '202', description: 'Accepted', schema });
export const unauthorized: ResponseSpec = { code: '401', description: 'Unauthorized' };

/** The object and list definition names of a resource (custom resources use the CRD naming). */
export function resourceDefinitionNames(r: ResourceInfo): { object: string; list: string } {
  const object = r.definition ?? customResourceDefinitionName(r.group, r.version, r.kind);
  return { object, list: object.slice(0, object.lastIndexOf('.') + 1) + r.listKind };
}

/** One operation, named `<verb><GroupVersion><what>` as upstream's operationIds are. */
export interface OperationInput {
  method: HttpMethod;
  verb: string;
  what: string;
  description: string;
  action: string;
  params: ParamSpec[];
  produces: string[];
  responses: ResponseSpec[];
  requestBody?: OperationSpec['requestBody'];
  /** Defaults to the resource's GVK. */
  gvk?: GroupVersionKind;
}

export class RouteContext {
  readonly gvk: GroupVersionKind;
  readonly object: BodySchema;
  readonly list: BodySchema;
  /** Built-in kinds (with a generated definition) vs custom resources. */
  readonly builtin: boolean;
  readonly produces: string[];
  readonly watchProduces: string[];
  readonly patchContentTypes: string[];

  constructor(
    readonly resource: ResourceInfo,
    readonly defs: Definitions,
    /** `AppsV1`: follows the verb in operationIds. */
    readonly infix: string,
    readonly tag: string,
  ) {
    const r = resource;
    this.gvk = { group: r.group, version: r.version, kind: r.kind };
    const names = resourceDefinitionNames(r);
    // Create-only kinds (reviews) have no list kind; anything listable must have one.
    const listable = r.verbs.some((v) => v === 'list' || v === 'watch' || v === 'deletecollection');
    for (const n of listable ? [names.object, names.list] : [names.object]) {
      if (!defs[n]) throw new Error(`openapi: no definition ${n} for resource ${r.plural}.${r.group}/${r.version}`);
    }
    this.object = { definition: names.object };
    this.list = { definition: names.list };
    this.builtin = r.definition !== undefined;
    this.produces = this.builtin ? builtinProduces : customProduces;
    this.watchProduces = [...this.produces, ...(this.builtin ? builtinWatchProduces : customWatchProduces)];
    this.patchContentTypes = this.builtin ? [...patchContentTypes, strategicMergePatch] : patchContentTypes;
  }

  operation(input: OperationInput): OperationSpec {
    return {
      method: input.method,
      operationId: `${input.verb}${this.infix}${input.what}`,
      description: input.description,
      tag: this.tag,
      action: input.action,
      gvk: input.gvk ?? this.gvk,
      params: input.params,
      ...(input.requestBody ? { requestBody: input.requestBody } : {}),
      produces: input.produces,
      responses: input.responses,
    };
  }
}

/**
 * The article upstream's docs put before a kind: "an Ingress", "a Pod", and none
 * for plural-looking kinds ("create Endpoints").
 */
export function withArticle(kind: string): string {
  if (kind.endsWith('s') && !kind.endsWith('ss')) return kind;
  return `${/^[aeiou]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}
