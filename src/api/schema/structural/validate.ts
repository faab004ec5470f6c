/**
 * Schema validation of a custom object, as the custom-resource strategy runs it
 * on create and update (apiextensions-apiserver `registry/customresource`):
 * OpenAPI v3 validation, then TypeMeta/ObjectMeta of nested embedded resources,
 * then set/map list uniqueness. The caller validates the root ObjectMeta
 * (NameIsDNSSubdomain, namespace scope) and runs pruning and defaulting first.
 * Last, CEL `x-kubernetes-validations` rules — skipped, with upstream's
 * notice, when the object already has blocking (type/required/enum/size) errors.
 */
import { FieldPath, type FieldError } from '../../validation/field-error.js';
import { schemaHasRules, validateCelRules } from './cel-validation.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { validateListSetsAndMaps } from './list-type.js';
import { validateOpenAPI } from './openapi-validator.js';
import type { SchemaProps } from './schema-props.js';

/** Upstream hasBlockingErr: these schema failures make CEL rules meaningless. */
const blocking = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

/**
 * FieldErrors for `obj` against the version's `openAPIV3Schema`. Without
 * `rootPath` errors carry kube-apiserver's paths (`spec.replicas`, and `<nil>`
 * for allOf/anyOf/oneOf/not summaries); with it, paths are nested below it.
 * `oldObj` (updates) enables transition rules (`oldSelf`).
 */
export function validateAgainstSchema(
  obj: unknown,
  schema: SchemaProps,
  rootPath?: FieldPath,
  oldObj?: unknown,
): FieldError[] {
  const errs = [
    ...validateOpenAPI(obj, schema, rootPath),
    ...validateEmbeddedResources(obj, schema, rootPath),
    ...validateListSetsAndMaps(obj, schema, rootPath),
  ];
  if (!schemaHasRules(schema)) return errs;
  if (errs.some((e) => blocking.has(e.type))) {
    errs.push({
      type: 'FieldValueInvalid',
      field: '<nil>',
      badValue: null,
      detail:
        'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    });
    return errs;
  }
  errs.push(...validateCelRules(obj, schema, rootPath ?? FieldPath.root(''), oldObj));
  return errs;
}
