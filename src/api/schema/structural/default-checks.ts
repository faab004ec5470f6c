/**
 * Defaults must validate and be pruned (apiextensions-apiserver
 * `schema/defaulting/validation.go` ValidateDefaults, with requirePrunedDefaults
 * as for every CRD created today): each `default` is checked against the schema
 * it sits on — no fields the schema would prune, valid embedded TypeMeta and
 * ObjectMeta, and OpenAPI validation with errors under `<path>.default`.
 * additionalProperties are not followed: defaults are not allowed there.
 */
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import { validateEmbeddedResources } from './embedded-resource.js';
import { validateOpenAPI } from './openapi-validator.js';
import { prune } from './prune.js';
import { copyJSON, itemsSchema, jsonEqual, type SchemaProps } from './schema-props.js';

const metaFields = new Set(['metadata', 'apiVersion', 'kind']);

function check(
  path: FieldPath,
  s: SchemaProps,
  insideMeta: boolean,
  embeddedOverride: boolean,
  errs: FieldError[],
): void {
  const embedded = embeddedOverride || Boolean(s['x-kubernetes-embedded-resource']);
  if (embedded) insideMeta = false;
  if (s.default !== undefined) {
    const dp = path.child('default');
    if (insideMeta) {
      // Upstream validates metadata defaults through the surrounding object; the value itself must still validate.
      errs.push(...validateOpenAPI(s.default, s, dp));
    } else {
      const pruned = copyJSON(s.default);
      prune(pruned, s, embedded);
      if (!jsonEqual(pruned, s.default)) {
        errs.push(dp.invalid(s.default, 'must not have unknown fields'));
      }
      const metaErrs = validateEmbeddedResources(s.default, s, dp, embedded);
      if (metaErrs.length > 0) errs.push(...metaErrs);
      else errs.push(...validateOpenAPI(s.default, s, dp));
    }
  }
  const items = itemsSchema(s);
  if (items) check(path.child('items'), items, insideMeta, false, errs);
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    const subInsideMeta = insideMeta || (embedded && metaFields.has(k));
    check(path.child('properties').key(k), sub, subInsideMeta, false, errs);
  }
}

/** Errors of the `default` values in a structural `openAPIV3Schema` at `path` (the root is a resource root). */
export function defaultValueChecks(schema: SchemaProps, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  check(path, schema, false, true, errs);
  return errs;
}
