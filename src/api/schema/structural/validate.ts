/**
 * Schema validation of a custom object, as the custom-resource strategy runs it
 * on create and update (apiextensions-apiserver `registry/customresource`):
 * OpenAPI v3 validation, then TypeMeta/ObjectMeta of nested embedded resources,
 * then set/map list uniqueness. The caller validates the root ObjectMeta
 * (NameIsDNSSubdomain, namespace scope) and runs pruning and defaulting first.
 * CEL `x-kubernetes-validations` rules are not evaluated.
 */
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { validateListSetsAndMaps } from './list-type.js';
import { validateOpenAPI } from './openapi-validator.js';
import type { SchemaProps } from './schema-props.js';

/**
 * FieldErrors for `obj` against the version's `openAPIV3Schema`. Without
 * `rootPath` errors carry kube-apiserver's paths (`spec.replicas`, and `<nil>`
 * for allOf/anyOf/oneOf/not summaries); with it, paths are nested below it.
 */
export function validateAgainstSchema(obj: unknown, schema: SchemaProps, rootPath?: FieldPath): FieldError[] {
  return [
    ...validateOpenAPI(obj, schema, rootPath),
    ...validateEmbeddedResources(obj, schema, rootPath),
    ...validateListSetsAndMaps(obj, schema, rootPath),
  ];
}
