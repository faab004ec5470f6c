/**
 * Objects marked `x-kubernetes-embedded-resource` carry their own TypeMeta and
 * ObjectMeta. This is apiextensions-apiserver `schema/objectmeta/validation.go`:
 * apiVersion and kind are required and well-formed, metadata decodes as
 * ObjectMeta and passes ObjectMeta validation (path-segment names, a placeholder
 * name when none is set). The resource root itself is validated by the
 * apiserver's strategy, so only nested embedded resources are visited unless
 * `isResourceRoot` is set.
 */
import { FieldPath, type FieldError } from '../../validation/field-error.js';
import { isDNS1035Label, nameIsPathSegment } from '../../validation/names.js';
import { validateObjectMeta } from '../../validation/object-meta.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { additionalPropertiesSchema, isJSONObject, itemsSchema, jsonKind, type SchemaProps } from './schema-props.js';

/** Go's name for a JSON value's kind in encoding/json unmarshal errors. */
function goJSONKind(v: unknown): string {
  const k = jsonKind(v);
  if (k === 'integer') return 'number';
  if (k === 'boolean') return 'bool';
  return k;
}

const stringFields = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'selfLink'];
const stringMapFields = ['labels', 'annotations'];

/** The encoding/json error decoding `metadata` into ObjectMeta would give, for the fields that matter. */
export function objectMetaDecodeError(meta: unknown): string | undefined {
  if (meta === null || meta === undefined) return undefined;
  if (!isJSONObject(meta)) return `json: cannot unmarshal ${goJSONKind(meta)} into Go value of type v1.ObjectMeta`;
  const fieldErr = (field: string, v: unknown, goType: string) =>
    `json: cannot unmarshal ${goJSONKind(v)} into Go struct field ObjectMeta.${field} of type ${goType}`;
  for (const f of stringFields) {
    const v = meta[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return fieldErr(f, v, 'string');
  }
  for (const f of stringMapFields) {
    const v = meta[f];
    if (v === undefined || v === null) continue;
    if (!isJSONObject(v)) return fieldErr(f, v, 'map[string]string');
    for (const x of Object.values(v)) {
      if (x !== null && typeof x !== 'string') return fieldErr(f, x, 'string');
    }
  }
  const fin = meta.finalizers;
  if (fin !== undefined && fin !== null) {
    if (!Array.isArray(fin)) return fieldErr('finalizers', fin, '[]string');
    for (const x of fin) if (x !== null && typeof x !== 'string') return fieldErr('finalizers', x, 'string');
  }
  const gen = meta.generation;
  if (gen !== undefined && gen !== null && !Number.isInteger(gen)) return fieldErr('generation', gen, 'int64');
  return undefined;
}

/** schema.ParseGroupVersion's only failure: more than one slash. */
function parseGroupVersionError(gv: string): string | undefined {
  if (gv === '' || gv === '/') return undefined;
  return gv.split('/').length > 2 ? `unexpected GroupVersion string: ${gv}` : undefined;
}

function validateEmbedded(path: FieldPath, x: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (!('apiVersion' in x)) errs.push(path.child('apiVersion').required());
  if (!('kind' in x)) errs.push(path.child('kind').required());
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      const p = path.child(k);
      if (typeof v !== 'string') errs.push(p.invalid(v, 'must be a string'));
      else if (v === '') errs.push(p.invalid(v, 'must not be empty'));
      else {
        const err = parseGroupVersionError(v);
        if (err) errs.push(p.invalid(v, err));
      }
    } else if (k === 'kind') {
      const p = path.child(k);
      if (typeof v !== 'string') errs.push(p.invalid(v, 'must be a string'));
      else if (v === '') errs.push(p.invalid(v, 'must not be empty'));
      else {
        const msgs = isDNS1035Label(v.toLowerCase());
        if (msgs.length) errs.push(p.invalid(v, `may have mixed case, but should otherwise match: ${msgs.join(',')}`));
      }
    } else if (k === 'metadata') {
      const p = path.child(k);
      const err = objectMetaDecodeError(v);
      if (err) {
        errs.push(p.invalid(v, err));
        continue;
      }
      const meta = { ...((v ?? {}) as ObjectMeta) };
      if (!meta.name) meta.name = 'fakename';
      errs.push(...validateObjectMeta(meta, Boolean(meta.namespace), nameIsPathSegment, p));
    }
  }
  return errs;
}

function walk(path: FieldPath, x: unknown, s: SchemaProps | undefined, errs: FieldError[], embedded: boolean): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const items = itemsSchema(s);
    x.forEach((v, i) => walk(path.index(i), v, items, errs, Boolean(items?.['x-kubernetes-embedded-resource'])));
    return;
  }
  if (!isJSONObject(x)) return;
  if (embedded) errs.push(...validateEmbedded(path, x));
  const props = s.properties ?? {};
  const ap = s.additionalProperties;
  for (const [k, v] of Object.entries(x)) {
    const prop = props[k];
    if (prop) walk(path.child(k), v, prop, errs, Boolean(prop['x-kubernetes-embedded-resource']));
    else if (ap !== undefined) {
      const aps = additionalPropertiesSchema(s);
      walk(path.key(k), v, aps, errs, Boolean(aps?.['x-kubernetes-embedded-resource']));
    }
  }
}

/** TypeMeta/ObjectMeta errors of the embedded resources in `obj` (and of `obj` itself when `isResourceRoot`). */
export function validateEmbeddedResources(
  obj: unknown,
  schema: SchemaProps,
  rootPath: FieldPath = FieldPath.root(''),
  isResourceRoot = false,
): FieldError[] {
  const errs: FieldError[] = [];
  walk(rootPath, obj, schema, errs, isResourceRoot || Boolean(schema['x-kubernetes-embedded-resource']));
  return errs;
}

/** An embedded resource's `metadata` and where it is (`spec.template.metadata`). */
export interface EmbeddedObjectMeta {
  path: string;
  metadata: unknown;
}

/**
 * The `metadata` values of nested embedded resources, in document order, so the
 * apiserver can report their unknown fields (upstream's metadata coercion does
 * this with ObjectMeta strict decoding) and drop them.
 */
export function embeddedObjectMetas(
  obj: unknown,
  schema: SchemaProps,
  rootPath: FieldPath = FieldPath.root(''),
): EmbeddedObjectMeta[] {
  const out: EmbeddedObjectMeta[] = [];
  const visit = (path: FieldPath, x: unknown, s: SchemaProps | undefined) => {
    if (!s) return;
    if (Array.isArray(x)) {
      const items = itemsSchema(s);
      x.forEach((v, i) => visit(path.index(i), v, items));
      return;
    }
    if (!isJSONObject(x)) return;
    for (const [k, v] of Object.entries(x)) {
      if (s['x-kubernetes-embedded-resource'] && k === 'metadata' && isJSONObject(v)) {
        out.push({ path: path.child(k).toString(), metadata: v });
        continue;
      }
      const prop = s.properties?.[k];
      if (prop) visit(path.child(k), v, prop);
      else if (s.additionalProperties !== undefined) visit(path.key(k), v, additionalPropertiesSchema(s));
    }
  };
  visit(rootPath, obj, schema);
  return out;
}
