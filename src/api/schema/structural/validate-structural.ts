/**
 * Validation of a CRD version's `openAPIV3Schema` at creation/update, in the
 * order kube-apiserver reports it (apiextensions `validation.go`
 * validateCustomResourceDefinitionValidation for a v1 CRD):
 *
 * 1. `nullable` is forbidden at the root;
 * 2. structural-schema errors (sorted), or — when the schema is structural —
 *    errors of its `default` values;
 * 3. per-node OpenAPI checks (forbidden keywords, list/map extensions, …);
 * 4. only when nothing else failed: why the schema cannot be made structural.
 *
 * Not covered: CEL compilation and cost of x-kubernetes-validations, and the
 * root-field restrictions that apply when the status subresource is enabled.
 */
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import { crdSchemaChecks } from './crd-schema-checks.js';
import { defaultValueChecks } from './default-checks.js';
import type { SchemaProps } from './schema-props.js';
import { structuralConversionError, structuralInvariants } from './structural-invariants.js';

/**
 * FieldErrors of `schema`, reported under `path` (the schema's own path, e.g.
 * `spec.versions[0].schema.openAPIV3Schema`).
 */
export function validateStructuralSchema(schema: SchemaProps, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (schema.nullable) errs.push(path.child('nullable').forbidden('nullable cannot be true at the root'));

  const conversionError = structuralConversionError(schema);
  if (!conversionError) {
    const structural = structuralInvariants(schema, path);
    errs.push(...(structural.length > 0 ? structural : defaultValueChecks(schema, path)));
  }
  errs.push(...crdSchemaChecks(schema, path));
  if (errs.length === 0 && conversionError) errs.push(path.invalid('', conversionError));
  return errs;
}
