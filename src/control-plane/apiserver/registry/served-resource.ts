import { type ResourceInfo, groupVersionString } from '../../../api/scheme/types.js';
import type { PatchSchema } from '../../../api/patch/index.js';
import type { SchemaObject } from '../../../api/openapi/schema-types.js';
import type { FieldError } from '../../../api/validation/field-error.js';
import type { Printer } from '../printers/index.js';
import type { ApiResponse, RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';
import type { GenericStore } from './store.js';
import type { SubresourceStrategy } from './strategy.js';

/** Converts objects between a served version and the storage version of one group-resource. */
export interface Converter {
  /** True when served and stored objects are the same (no conversion work per object). */
  readonly identity: boolean;
  toServed(obj: KubeObject): KubeObject;
  toStorage(obj: KubeObject): KubeObject;
}

/** A subresource endpoint (`status`, `scale`, `binding`, `log`, ...). */
export interface SubresourceHandler {
  /** Writes through the generic store with this strategy (status-like subresources). */
  strategy?: SubresourceStrategy;
  get?(ctx: RequestContext, ns: string, name: string): Promise<ApiResponse>;
  /** POST (binding, eviction, token requests...). */
  create?(ctx: RequestContext, ns: string, name: string, body: KubeObject): Promise<ApiResponse>;
  /** PUT of the subresource's own kind (scale). */
  update?(ctx: RequestContext, ns: string, name: string, body: KubeObject): Promise<ApiResponse>;
  /** PATCH of the subresource's own kind (scale). */
  patch?(ctx: RequestContext, ns: string, name: string, mutate: (cur: KubeObject) => KubeObject): Promise<ApiResponse>;
  /** Streaming/proxy subresources (log, exec, attach, portforward, proxy). */
  connect?(ctx: RequestContext, ns: string, name: string, rest: string[]): Promise<ApiResponse>;
}

/**
 * One group/version/resource as served: its store (shared by all versions of
 * the group-resource), conversion to and from the storage version, Table
 * printer, patch schema and subresources.
 */
export interface ServedResource {
  info: ResourceInfo;
  store: GenericStore;
  converter: Converter;
  printer: Printer;
  /** Strategic-merge metadata; absent for custom resources (SMP -> 415). */
  patchSchema?: PatchSchema;
  /** OpenAPI definition name (built-ins) for unknown-field detection. */
  definition?: string;
  /** Custom resources validate/prune with their CRD schema instead. */
  custom?: {
    /** `old`: the stored object on updates (CEL transition rules). */
    validate(obj: KubeObject, old?: KubeObject): FieldError[];
    prune(obj: KubeObject): string[];
    defaults(obj: KubeObject): void;
  };
  /** A `Warning: 299` every response of this resource carries (deprecated CRD versions). */
  warning?: string;
  /** The CRD version's openAPIV3Schema (custom resources), for apply/field tracking. */
  customSchema?: SchemaObject;
  subresources: Map<string, SubresourceHandler>;
}

/** Identity conversion: the stored shape is the served shape; only apiVersion/kind differ. */
export function sameShapeConverter(served: ResourceInfo, storage: ResourceInfo): Converter {
  const servedAV = groupVersionString(served);
  const storageAV = groupVersionString(storage);
  return {
    identity: servedAV === storageAV && served.kind === storage.kind,
    toServed(obj) {
      if (obj.apiVersion === servedAV && obj.kind === served.kind) return obj;
      return { ...obj, apiVersion: servedAV, kind: served.kind };
    },
    toStorage(obj) {
      obj.apiVersion = storageAV;
      obj.kind = storage.kind;
      return obj;
    },
  };
}
