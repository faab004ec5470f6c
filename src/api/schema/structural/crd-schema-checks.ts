/**
 * The per-node checks CRD validation applies to every schema in
 * `openAPIV3Schema` (apiextensions `validation.go`
 * ValidateCustomResourceDefinitionOpenAPISchema and the v3 specStandardValidator),
 * for v1 CRDs created today: unsupported JSON-Schema keywords, property types,
 * defaults inside metadata, additionalProperties next to properties, and the
 * x-kubernetes-* extension rules (list types, map keys, map types, static checks
 * of x-kubernetes-validations). CEL rules are not compiled.
 */
import type { FieldError, FieldPath } from '../../validation/field-error.js';
import type { SchemaProps } from './schema-props.js';

interface Context {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
}

const openapiV3Types = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const metaFields = new Set(['metadata', 'kind', 'apiVersion']);
const supportedValidationReasons = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];
const hasNewlines = (s: string) => /[\n\r]/.test(s);
const nonEmpty = (o: object | undefined) => o !== undefined && Object.keys(o).length > 0;

/** specStandardValidatorV3.validate: keywords a CRD schema may not use. */
function standardChecks(s: SchemaProps, path: FieldPath, ctx: Context): FieldError[] {
  const errs: FieldError[] = [];
  if (s.type && !openapiV3Types.includes(s.type)) errs.push(path.child('type').notSupported(s.type, openapiV3Types));
  if (s.default !== undefined && !ctx.allowDefaults) {
    const reason = ctx.disallowDefaultsReason ? ` ${ctx.disallowDefaultsReason}` : '';
    errs.push(path.child('default').forbidden(`must not be set${reason}`));
  }
  if (s.id) errs.push(path.child('id').forbidden('id is not supported'));
  if (s.additionalItems !== undefined)
    errs.push(path.child('additionalItems').forbidden('additionalItems is not supported'));
  if (nonEmpty(s.patternProperties))
    errs.push(path.child('patternProperties').forbidden('patternProperties is not supported'));
  if (nonEmpty(s.definitions)) errs.push(path.child('definitions').forbidden('definitions is not supported'));
  if (s.dependencies !== undefined) errs.push(path.child('dependencies').forbidden('dependencies is not supported'));
  if (s.$ref !== undefined) errs.push(path.child('$ref').forbidden('$ref is not supported'));
  if (s.type === 'null')
    errs.push(path.child('type').forbidden('type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length > 0) {
    errs.push(path.child('items').forbidden('items must be a schema object and not an array'));
  }
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource']) {
    errs.push(path.child('x-kubernetes-embedded-resource').forbidden('must not be used inside of resource meta'));
  }
  return errs;
}

function typeRequirement(s: SchemaProps, path: FieldPath, want: string, why: string): FieldError[] {
  if (s.type === want) return [];
  const detail = `must be ${want} if ${why}`;
  return [s.type ? path.child('type').invalid(s.type, detail) : path.child('type').required(detail)];
}

function listTypeChecks(s: SchemaProps, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const listType = s['x-kubernetes-list-type'];
  const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
  const items = Array.isArray(s.items) ? undefined : s.items;

  if (s['x-kubernetes-map-type'] !== undefined) {
    errs.push(...typeRequirement(s, path, 'object', 'x-kubernetes-map-type is specified'));
    const mt = s['x-kubernetes-map-type'];
    if (mt !== 'atomic' && mt !== 'granular')
      errs.push(path.child('x-kubernetes-map-type').notSupported(mt, ['atomic', 'granular']));
  }
  if (listType !== undefined && s.type !== 'array') {
    errs.push(...typeRequirement(s, path, 'array', 'x-kubernetes-list-type is specified'));
  } else if (listType === 'set' && items) {
    const msg = 'must be atomic as item of a list with x-kubernetes-list-type=set';
    if (
      items.type === 'array' &&
      items['x-kubernetes-list-type'] !== undefined &&
      items['x-kubernetes-list-type'] !== 'atomic'
    ) {
      errs.push(path.child('items', 'x-kubernetes-list-type').invalid(items['x-kubernetes-list-type'], msg));
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      // Upstream reports the item's list type here (nil for objects), hence null.
      errs.push(path.child('items', 'x-kubernetes-map-type').invalid(items['x-kubernetes-list-type'] ?? null, msg));
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    errs.push(path.child('x-kubernetes-list-type').notSupported(listType, ['atomic', 'set', 'map']));
  }
  if (mapKeys.length > 0) {
    const detail = 'must be map if x-kubernetes-list-map-keys is non-empty';
    if (listType === undefined) errs.push(path.child('x-kubernetes-list-type').required(detail));
    else if (listType !== 'map') errs.push(path.child('x-kubernetes-list-type').invalid(listType, detail));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) {
      errs.push(
        path.child('x-kubernetes-list-map-keys').required('must not be empty if x-kubernetes-list-type is map'),
      );
    }
    if (s.items === undefined)
      errs.push(path.child('items').required('must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) {
      errs.push(
        path.child('items').invalid(s.items, 'must only have a single schema if x-kubernetes-list-type is map'),
      );
    }
    if (items && items.type !== 'object') {
      errs.push(
        path
          .child('items', 'type')
          .invalid(items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"),
      );
    }
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      for (const k of mapKeys) {
        const prop = items.properties?.[k];
        if (prop) {
          if (prop.type === 'array' || prop.type === 'object') {
            errs.push(
              path
                .child('items', 'properties')
                .key(k)
                .child('type')
                .invalid(items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"),
            );
          }
        } else {
          errs.push(
            path.child('x-kubernetes-list-map-keys').invalid(mapKeys, 'entries must all be names of item properties'),
          );
        }
        if (seen.has(k))
          errs.push(path.child('x-kubernetes-list-map-keys').invalid(mapKeys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  if (items && (listType === 'set' || listType === 'map')) {
    if (items.nullable)
      errs.push(
        path.child('items', 'nullable').forbidden(`cannot be nullable when x-kubernetes-list-type is ${listType}`),
      );
    if (listType === 'map') {
      const required = new Set(items.required ?? []);
      for (const k of mapKeys) {
        const prop = items.properties?.[k];
        if (!prop) continue;
        const p = path.child('items', 'properties').key(k);
        if (!required.has(k) && prop.default === undefined) {
          errs.push(
            p
              .child('default')
              .required(
                'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
              ),
          );
        }
        if (prop.nullable)
          errs.push(
            p.child('nullable').forbidden('this property is in x-kubernetes-list-map-keys, so it cannot be nullable'),
          );
      }
    }
  }
  return errs;
}

/** Static checks of x-kubernetes-validations rules (compilation needs CEL and is not done). */
function validationRuleChecks(s: SchemaProps, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const p = path.child('x-kubernetes-validations').index(i);
    const trimmedRule = (rule.rule ?? '').trim();
    const message = rule.message ?? '';
    const trimmedMsg = message.trim();
    if (trimmedRule.length === 0) errs.push(p.child('rule').required('rule is not specified'));
    else if (message.length > 0 && trimmedMsg.length === 0)
      errs.push(p.child('message').invalid(message, 'message must be non-empty if specified'));
    else if (hasNewlines(trimmedMsg))
      errs.push(p.child('message').invalid(message, 'message must not contain line breaks'));
    else if (hasNewlines(trimmedRule) && trimmedMsg.length === 0) {
      errs.push(p.child('message').required('message must be specified if rule contains line breaks'));
    }
    const msgExpr = rule.messageExpression ?? '';
    if (msgExpr.length > 0 && msgExpr.trim().length === 0) {
      errs.push(p.child('messageExpression').required('messageExpression must be non-empty if specified'));
    }
    if (rule.reason !== undefined && !supportedValidationReasons.includes(rule.reason)) {
      errs.push(p.child('reason').notSupported(rule.reason, supportedValidationReasons));
    }
    const fieldPath = rule.fieldPath ?? '';
    if (fieldPath.length > 0 && fieldPath.trim().length === 0) {
      errs.push(p.child('fieldPath').invalid(fieldPath, 'fieldPath must be non-empty if specified'));
    }
    if (hasNewlines(fieldPath))
      errs.push(p.child('fieldPath').invalid(fieldPath, 'fieldPath must not contain line breaks'));
  });
  return errs;
}

function check(s: SchemaProps | undefined, path: FieldPath, ctx: Context, isRoot: boolean, errs: FieldError[]): void {
  if (!s) return;
  errs.push(...standardChecks(s, path, ctx));
  if (s.uniqueItems) {
    errs.push(
      path
        .child('uniqueItems')
        .forbidden('uniqueItems cannot be set to true since the runtime complexity becomes quadratic'),
    );
  }
  if (s.additionalProperties !== undefined) {
    const ap = s.additionalProperties;
    if (nonEmpty(s.properties) && (ap === false || typeof ap === 'object')) {
      errs.push(
        path.child('additionalProperties').forbidden('additionalProperties and properties are mutual exclusive'),
      );
    }
    const sub = ctx.insideResourceMeta
      ? {
          ...ctx,
          allowDefaults: false,
          disallowDefaultsReason: 'inside additionalProperties applying to object metadata',
        }
      : ctx;
    if (typeof ap === 'object') check(ap, path.child('additionalProperties'), sub, false, errs);
  }
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    let sub = ctx;
    if ((isRoot || s['x-kubernetes-embedded-resource']) && metaFields.has(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${name}` };
    }
    check(prop, path.child('properties').key(name), sub, false, errs);
  }
  check(s.not, path.child('not'), ctx, false, errs);
  s.allOf?.forEach((x, i) => check(x, path.child('allOf').index(i), ctx, false, errs));
  s.oneOf?.forEach((x, i) => check(x, path.child('oneOf').index(i), ctx, false, errs));
  s.anyOf?.forEach((x, i) => check(x, path.child('anyOf').index(i), ctx, false, errs));
  for (const [name, d] of Object.entries(s.definitions ?? {}))
    check(d, path.child('definitions').key(name), ctx, false, errs);
  if (Array.isArray(s.items)) s.items.forEach((x, i) => check(x, path.child('items').index(i), ctx, false, errs));
  else check(s.items, path.child('items'), ctx, false, errs);
  for (const [name, d] of Object.entries(s.dependencies ?? {})) {
    if (!Array.isArray(d)) check(d, path.child('dependencies').key(name), ctx, false, errs);
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(path.child('x-kubernetes-preserve-unknown-fields').invalid(false, 'must be true or undefined'));
  }
  errs.push(...listTypeChecks(s, path));
  errs.push(...validationRuleChecks(s, path));
}

/** The OpenAPI-level errors of a version's `openAPIV3Schema` at `path`. */
export function crdSchemaChecks(schema: SchemaProps, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  check(schema, path, { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false }, true, errs);
  return errs;
}
