/**
 * The schema model shared by OpenAPI output, field validation, pruning and
 * strategic merge patch: OpenAPI v2 "definitions" (JSON Schema subset plus the
 * x-kubernetes-* extensions). References are `#/definitions/<name>` with upstream
 * definition names such as `io.k8s.api.core.v1.PodSpec`; v3 documents rewrite
 * them to `#/components/schemas/<name>`.
 */
export interface GVKExtension {
  group: string;
  version: string;
  kind: string;
}

export interface SchemaObject {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  additionalProperties?: SchemaObject | boolean;
  $ref?: string;
  enum?: unknown[];
  default?: unknown;
  // JSON Schema keywords that appear in CustomResourceDefinition schemas (v3 forms;
  // the v2 document drops nullable/oneOf/anyOf/not).
  title?: string;
  example?: unknown;
  nullable?: boolean;
  allOf?: SchemaObject[];
  anyOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  not?: SchemaObject;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-group-version-kind'?: GVKExtension[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-unions'?: unknown[];
  [extension: `x-${string}`]: unknown;
}

/** Definition name -> schema. */
export type Definitions = Record<string, SchemaObject>;

export const definitionRefPrefix = '#/definitions/';

/** `#/definitions/io.k8s.api.core.v1.Pod` -> `io.k8s.api.core.v1.Pod`. */
export function refName(ref: string): string {
  const i = ref.lastIndexOf('/');
  return i < 0 ? ref : ref.slice(i + 1);
}
