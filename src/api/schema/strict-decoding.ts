/**
 * The messages of server-side field validation (`fieldValidation=Strict|Warn`),
 * worded as kube-apiserver words them:
 *
 * - each problem is `unknown field "spec.bogus"` or `duplicate field "x"`;
 * - Warn sends each as a `Warning: 299 - "<message>"` header;
 * - Strict fails with 400 BadRequest
 *   `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus", unknown field "x"`
 *   (apimachinery runtime.strictDecodingError joins with ", "; the prefix is the
 *   apiserver handlers' transformDecodeError).
 */
import { badRequest, type StatusError } from '../errors/status-error.js';
import { goQuote } from '../validation/field-error.js';

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

export function unknownFieldMessage(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

export function duplicateFieldMessage(path: string): string {
  return `duplicate field ${goQuote(path)}`;
}

/** `strict decoding error: a, b` */
export function strictDecodingErrorText(messages: readonly string[]): string {
  return `strict decoding error: ${messages.join(', ')}`;
}

/** The 400 a Strict request gets; `version` is the request's version only (`v1` for apps/v1). */
export function strictDecodingError(gvk: { kind: string; version: string }, messages: readonly string[]): StatusError {
  const { kind, version } = gvk;
  return badRequest(
    `${kind} in version ${goQuote(version)} cannot be handled as a ${kind}: ${strictDecodingErrorText(messages)}`,
  );
}

export interface CustomResourceStrictParts {
  /** Duplicated keys anywhere in the body (the unstructured decoder reports all of them). */
  duplicates?: readonly string[];
  /** Unknown fields of the root `metadata` (ObjectMeta strict decoding). */
  metadataUnknown?: readonly string[];
  /** Paths removed by `prune()` (already sorted). */
  pruned?: readonly string[];
  /** Unknown fields in `metadata` of embedded resources. */
  embeddedMetadataUnknown?: readonly string[];
}

/**
 * The strict-decoding messages for a custom resource, in kube-apiserver's order:
 * duplicates first, then unknown root metadata fields, pruned fields and unknown
 * embedded metadata fields.
 */
export function customResourceStrictIssues(parts: CustomResourceStrictParts): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (m: string) => {
    if (!seen.has(m)) {
      seen.add(m);
      out.push(m);
    }
  };
  for (const d of parts.duplicates ?? []) add(duplicateFieldMessage(d));
  for (const p of parts.metadataUnknown ?? []) add(unknownFieldMessage(p));
  for (const p of parts.pruned ?? []) add(unknownFieldMessage(p));
  for (const p of parts.embeddedMetadataUnknown ?? []) add(unknownFieldMessage(p));
  return out;
}

/**
 * What to do with the messages under a directive: `error` for Strict (when there
 * are any), `warnings` for Warn, nothing for Ignore.
 */
export function applyFieldValidation(
  directive: FieldValidationDirective,
  gvk: { kind: string; version: string },
  messages: readonly string[],
): { error?: StatusError; warnings: string[] } {
  if (messages.length === 0 || directive === 'Ignore') return { warnings: [] };
  if (directive === 'Strict') return { error: strictDecodingError(gvk, messages), warnings: [] };
  return { warnings: [...messages] };
}
