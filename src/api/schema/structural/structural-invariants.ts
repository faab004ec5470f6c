/**
 * What makes a schema structural (apiextensions-apiserver `schema/validation.go`
 * ValidateStructural, `complete.go`, and the conversion guards of `convert.go`):
 *
 * - every specified level has a `type` (unless int-or-string or
 *   preserve-unknown-fields), arrays have `items`, the root is an object without
 *   additionalProperties, embedded resources are objects;
 * - inside allOf/anyOf/oneOf/not only value validations appear (no type,
 *   default, description, extensions, metadata…), except the int-or-string
 *   `anyOf: [{type: integer}, {type: string}]` idiom;
 * - root metadata may only restrict name and generateName;
 * - fields named in root-level allOf/anyOf/oneOf/not are also specified outside.
 *
 * Errors are sorted by their printed text, as upstream sorts them.
 */
import { fieldErrorString, type FieldError, type FieldPath } from '../../validation/field-error.js';
import { compileGoPattern } from './go-regexp.js';
import type { SchemaProps } from './schema-props.js';

type Level = 'root' | 'item' | 'field';

const onlyType = (s: SchemaProps | undefined, type: string) =>
  s !== undefined && s.type === type && Object.entries(s).every(([k, v]) => k === 'type' || v === undefined);

function isIntOrStringAnyOf(anyOf: SchemaProps[] | undefined): boolean {
  return anyOf?.length === 2 && onlyType(anyOf[0], 'integer') && onlyType(anyOf[1], 'string');
}

/** Value-validation keywords of a node and of its junctors. */
function valueValidation(
  s: SchemaProps,
  path: FieldPath,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  lvl: Level,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!skipAnyOf) s.anyOf?.forEach((x, i) => errs.push(...nested(x, path.child('anyOf').index(i), false, false, lvl)));
  s.allOf?.forEach((x, i) =>
    errs.push(...nested(x, path.child('allOf').index(i), skipFirstAllOfAnyOf && i === 0, false, lvl)),
  );
  s.oneOf?.forEach((x, i) => errs.push(...nested(x, path.child('oneOf').index(i), false, false, lvl)));
  if (s.not) errs.push(...nested(s.not, path.child('not'), false, false, lvl));
  if (s.pattern) {
    const compiled = compileGoPattern(s.pattern);
    if (compiled.error) {
      errs.push(
        path.child('pattern').invalid(s.pattern, `must be a valid regular expression, but isn't: ${compiled.error}`),
      );
    }
  }
  return errs;
}

/** A schema under a logical junctor: only value validations are allowed. */
function nested(
  v: SchemaProps,
  path: FieldPath,
  skipAnyOf: boolean,
  skipAllOfAnyOf: boolean,
  lvl: Level,
): FieldError[] {
  const errs = valueValidation(v, path, skipAnyOf, skipAllOfAnyOf, lvl);
  if (v.items && !Array.isArray(v.items)) errs.push(...nested(v.items, path.child('items'), false, false, lvl));
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    errs.push(...nested(p, path.child('properties').key(k), false, false, 'field'));
  }
  const forbid = (field: string, detail: string) => errs.push(path.child(field).forbidden(detail));
  if (v.type) forbid('type', 'must be empty to be structural');
  if (typeof v.additionalProperties === 'object') forbid('additionalProperties', 'must be undefined to be structural');
  if (v.default !== undefined) forbid('default', 'must be undefined to be structural');
  if (v.title) forbid('title', 'must be empty to be structural');
  if (v.description) forbid('description', 'must be empty to be structural');
  if (v.nullable) forbid('nullable', 'must be false to be structural');
  if (v.externalDocs) forbid('externalDocs', 'must be undefined to be structural');
  if (v['x-kubernetes-preserve-unknown-fields'])
    forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  if (v['x-kubernetes-embedded-resource']) forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  if (v['x-kubernetes-int-or-string']) forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  if (v['x-kubernetes-list-map-keys']?.length) forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  if (v['x-kubernetes-list-type'] !== undefined) forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  if (v['x-kubernetes-map-type'] !== undefined) forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  if (v['x-kubernetes-validations']?.length) forbid('x-kubernetes-validations', 'must be empty to be structural');
  if (v.properties && 'metadata' in v.properties) {
    errs.push(path.child('properties').key('metadata').forbidden('must not be specified in a nested context'));
  }
  return errs;
}

/** Whether a JSONSchemaProps field holds a non-zero value (what a reflect.DeepEqual against zero would see). */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function metadataInvariants(m: SchemaProps, checkMetadata: boolean, lvl: Level, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (checkMetadata && m.type !== 'object') errs.push(path.child('type').invalid(m.type ?? '', 'must be object'));
  if (lvl === 'root') {
    const props = Object.keys(m.properties ?? {});
    const onlyNames = props.length > 0 && props.length <= 2 && props.every((k) => k === 'name' || k === 'generateName');
    const rest = Object.entries(m).filter(
      ([k, v]) =>
        k !== 'type' && k !== 'default' && !(k === 'properties' && (onlyNames || props.length === 0)) && isSet(v),
    );
    if (rest.length > 0) {
      errs.push(
        path.forbidden(
          'must not specify anything other than name and generateName, but metadata is implicitly specified',
        ),
      );
    }
  }
  return errs;
}

function invariants(s: SchemaProps, lvl: Level, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (s.type === 'array' && !items) errs.push(path.child('items').required('must be specified'));
  if (items) errs.push(...invariants(items, 'item', path.child('items')));
  for (const [k, p] of Object.entries(s.properties ?? {}))
    errs.push(...invariants(p, 'field', path.child('properties').key(k)));
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') errs.push(path.child('additionalProperties').forbidden('must not be used at the root'));
    if (typeof s.additionalProperties === 'object') {
      errs.push(...invariants(s.additionalProperties, 'field', path.child('additionalProperties')));
    }
  }
  const intOrString = Boolean(s['x-kubernetes-int-or-string']);
  const preserve = Boolean(s['x-kubernetes-preserve-unknown-fields']);
  const embedded = Boolean(s['x-kubernetes-embedded-resource']);
  if (intOrString && preserve) {
    errs.push(
      path
        .child('x-kubernetes-preserve-unknown-fields')
        .invalid(true, 'must be false if x-kubernetes-int-or-string is true'),
    );
  }
  if (intOrString && embedded) {
    errs.push(
      path.child('x-kubernetes-embedded-resource').invalid(true, 'must be false if x-kubernetes-int-or-string is true'),
    );
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = (s.allOf?.length ?? 0) >= 1 && isIntOrStringAnyOf(s.allOf![0]!.anyOf);
  errs.push(...valueValidation(s, path, skipAnyOf, skipFirstAllOfAnyOf, lvl));

  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    const detail = 'must be object if x-kubernetes-embedded-resource is true';
    errs.push(s.type ? path.child('type').invalid(s.type, detail) : path.child('type').required(detail));
  } else if (!s.type && !intOrString && !preserve) {
    const detail = {
      root: 'must not be empty at the root',
      item: 'must not be empty for specified array items',
      field: 'must not be empty for specified object fields',
    }[lvl];
    errs.push(path.child('type').required(detail));
  }
  if (embedded && s.additionalProperties !== undefined) {
    errs.push(
      path.child('additionalProperties').forbidden('must not be used if x-kubernetes-embedded-resource is set'),
    );
  }
  if (lvl === 'root' && s.type && s.type !== 'object')
    errs.push(path.child('type').invalid(s.type, 'must be object at the root'));
  for (const tm of ['kind', 'apiVersion']) {
    const p = s.properties?.[tm];
    if (p && checkMetadata && p.type !== 'string') {
      errs.push(
        path
          .child('properties')
          .key(tm)
          .child('type')
          .invalid(p.type ?? '', 'must be string'),
      );
    }
  }
  const meta = s.properties?.metadata;
  if (meta) errs.push(...metadataInvariants(meta, checkMetadata, lvl, path.child('properties').key('metadata')));
  if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
    errs.push(
      path
        .child('properties')
        .required(
          'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
        ),
    );
  }
  return errs;
}

function completeness(v: SchemaProps, s: SchemaProps | undefined, sPath: FieldPath, vPath: FieldPath): FieldError[] {
  if (!s) return [sPath.required(`because it is defined in ${vPath.toString()}`)];
  const errs: FieldError[] = [];
  if (v.not) errs.push(...nestedCompleteness(v.not, s, sPath, vPath.child('not')));
  v.allOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, vPath.child('allOf').index(i))));
  v.anyOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, vPath.child('anyOf').index(i))));
  v.oneOf?.forEach((x, i) => errs.push(...nestedCompleteness(x, s, sPath, vPath.child('oneOf').index(i))));
  return errs;
}

function nestedCompleteness(
  v: SchemaProps,
  s: SchemaProps | undefined,
  sPath: FieldPath,
  vPath: FieldPath,
): FieldError[] {
  if (!s) return [sPath.required(`because it is defined in ${vPath.toString()}`)];
  const errs = completeness(v, s, sPath, vPath);
  if (v.items && !Array.isArray(v.items)) {
    const sItems = Array.isArray(s.items) ? undefined : s.items;
    errs.push(...nestedCompleteness(v.items, sItems, sPath.child('items'), vPath.child('items')));
  }
  for (const [k, vf] of Object.entries(v.properties ?? {})) {
    const sf = s.properties?.[k];
    const sp = sPath.child('properties').key(k);
    const vp = vPath.child('properties').key(k);
    if (!sf) errs.push(sp.required(`because it is defined in ${vp.toString()}`));
    else errs.push(...nestedCompleteness(vf, sf, sp, vp));
  }
  return errs;
}

const byText = (a: FieldError, b: FieldError) =>
  Buffer.compare(Buffer.from(fieldErrorString(a)), Buffer.from(fieldErrorString(b)));

/** ValidateStructural: invariants plus completeness of the root's value validations, sorted. */
export function structuralInvariants(schema: SchemaProps, path: FieldPath): FieldError[] {
  const errs = [...invariants(schema, 'root', path), ...completeness(schema, schema, path, path)];
  return errs.sort(byText);
}

/**
 * NewStructural's refusal to convert: keywords a structural schema cannot hold.
 * Returns upstream's error text for the first one found, if any.
 */
export function structuralConversionError(s: SchemaProps | undefined): string | undefined {
  if (!s) return undefined;
  if (s.id) return "OpenAPIV3Schema 'id' is not supported";
  if (s.$schema) return "OpenAPIV3Schema 'schema' is not supported";
  if (s.$ref) return "OpenAPIV3Schema '$ref' is not supported";
  if (Object.keys(s.patternProperties ?? {}).length) return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (Object.keys(s.dependencies ?? {}).length) return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (Object.keys(s.definitions ?? {}).length) return "OpenAPIV3Schema 'definitions' is not supported";
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  }
  if (Array.isArray(s.items) && s.items.length > 0) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  const children: (SchemaProps | undefined)[] = [
    Array.isArray(s.items) ? undefined : s.items,
    typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined,
    s.not,
    ...(s.allOf ?? []),
    ...(s.anyOf ?? []),
    ...(s.oneOf ?? []),
    ...Object.values(s.properties ?? {}),
  ];
  for (const c of children) {
    const err = structuralConversionError(c);
    if (err) return err;
  }
  return undefined;
}
