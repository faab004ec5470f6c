import { validateLabels } from '../../../../api/validation/label-selector.js';
import { validateAnnotations } from '../../../../api/validation/object-meta.js';
import { aggregateMessage, FieldPath, type FieldError } from '../../../../api/validation/field-error.js';
import type { KubeObject } from '../../watch-cache/types.js';

/**
 * The ConversionReview exchange with a conversion webhook (upstream
 * `webhook_converter.go`): building the request, checking the answer, and
 * checking each converted object. Failures are plain Errors carrying
 * upstream's inner message; the caller adds the `conversion webhook for ...`
 * prefix.
 */

export type ReviewVersion = 'v1' | 'v1beta1';

const reviewGroup = 'apiextensions.k8s.io';

/** The first entry of `conversionReviewVersions` this server speaks, in the CRD's order (as upstream). */
export function chooseReviewVersion(versions: readonly string[] | undefined): ReviewVersion | undefined {
  for (const v of versions ?? []) if (v === 'v1' || v === 'v1beta1') return v;
  return undefined;
}

export function buildConversionReview(
  version: ReviewVersion,
  uid: string,
  desiredAPIVersion: string,
  objects: readonly KubeObject[],
): object {
  return {
    apiVersion: `${reviewGroup}/${version}`,
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion, objects },
  };
}

interface ReviewAnswer {
  apiVersion?: unknown;
  kind?: unknown;
  response?: {
    uid?: unknown;
    convertedObjects?: unknown;
    result?: { status?: unknown; message?: unknown };
  } | null;
}

/** Go's `%v` of a GroupVersionKind decoded from apiVersion/kind. */
export function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  return `${group}/${version}, Kind=${kind}`;
}

/** Validates the webhook's answer and returns its convertedObjects (not yet checked one by one). */
export function convertedObjectsOf(answer: unknown, version: ReviewVersion, expectedUID: string): unknown[] {
  const a = (answer && typeof answer === 'object' ? answer : {}) as ReviewAnswer;
  if (version === 'v1') {
    // v1beta1 answers were never checked for kind and uid; upstream keeps that leniency.
    const apiVersion = typeof a.apiVersion === 'string' ? a.apiVersion : '';
    const kind = typeof a.kind === 'string' ? a.kind : '';
    if (apiVersion !== `${reviewGroup}/v1` || kind !== 'ConversionReview')
      throw new Error(
        `expected webhook response of ${gvkString(`${reviewGroup}/v1`, 'ConversionReview')}, got ${gvkString(apiVersion, kind)}`,
      );
  }
  const r = a.response;
  if (!r || typeof r !== 'object') throw new Error('no response provided');
  if (version === 'v1') {
    const uid = typeof r.uid === 'string' ? r.uid : '';
    if (uid !== expectedUID)
      throw new Error(`expected response.uid=${JSON.stringify(expectedUID)}, got ${JSON.stringify(uid)}`);
  }
  const status = typeof r.result?.status === 'string' ? r.result.status : '';
  if (status !== 'Success') {
    const message = typeof r.result?.message === 'string' ? r.result.message : '';
    if (message) throw new Error(message);
    throw new Error(`response.result.status was '${status}', not 'Success'`);
  }
  return Array.isArray(r.convertedObjects) ? r.convertedObjects : [];
}

/** Go's `%T` of a value decoded from JSON into interface{} (as unstructured decodes it). */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    default:
      return 'map[string]interface {}';
  }
}

const metaOf = (o: KubeObject): Record<string, unknown> => (o.metadata ?? {}) as Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Kind, name, namespace and uid must survive conversion (upstream validateConvertedObject). */
export function validateConvertedObject(original: KubeObject, converted: KubeObject): void {
  const a = metaOf(original);
  const b = metaOf(converted);
  const pairs: [string, string, string][] = [
    ['kind', str(original.kind), str(converted.kind)],
    ['name', str(a.name), str(b.name)],
    ['namespace', str(a.namespace), str(b.namespace)],
    ['UID', str(a.uid), str(b.uid)],
  ];
  for (const [what, e, g] of pairs) if (e !== g) throw new Error(`must have the same ${what}: ${e} != ${g}`);
}

/**
 * The converted object with the original's metadata, except labels and
 * annotations, which the webhook may change (validated when it did).
 */
export function restoreObjectMeta(original: KubeObject, converted: Record<string, unknown>): KubeObject {
  if (!('metadata' in converted)) throw new Error('missing metadata in converted object');
  const response = converted.metadata;
  if (response === null || typeof response !== 'object' || Array.isArray(response))
    throw new Error(`invalid metadata of type ${goTypeName(response)} in converted object`);
  const meta: Record<string, unknown> = structuredClone(original.metadata ?? {});
  for (const field of ['labels', 'annotations'] as const) {
    const got = (response as Record<string, unknown>)[field];
    if (got === undefined || got === null) {
      delete meta[field];
      continue;
    }
    if (typeof got !== 'object' || Array.isArray(got))
      throw new Error(`invalid metadata.${field} of type ${goTypeName(got)} in converted object`);
    const before = (meta[field] ?? {}) as Record<string, unknown>;
    const entries = Object.entries(got as Record<string, unknown>);
    let changed = entries.length !== Object.keys(before).length;
    for (const [k, v] of entries) {
      if (typeof v !== 'string')
        throw new Error(`metadata.${field}[${k}] must be a string, but is ${goTypeName(v)} in converted object`);
      if (before[k] !== v) changed = true;
    }
    if (changed) {
      const m = got as Record<string, string>;
      const errs: FieldError[] =
        field === 'labels'
          ? validateLabels(m, FieldPath.of('metadata', 'labels'))
          : validateAnnotations(m, FieldPath.of('metadata', 'annotation'));
      if (errs.length > 0) throw new Error(aggregateMessage(errs));
    }
    meta[field] = { ...(got as Record<string, string>) };
  }
  return { ...converted, metadata: meta as KubeObject['metadata'] };
}
