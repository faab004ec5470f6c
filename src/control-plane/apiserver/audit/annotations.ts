import type { RequestContext } from '../types.js';

/**
 * Audit annotations added while a request is handled (upstream
 * `Attributes.AddAnnotation`): admission plugins record decisions here —
 * `pod-security.kubernetes.io/enforce-policy`, webhook mutation notes — and
 * the audit recorder copies them into the request's audit event. Keyed by
 * the request context, so nothing has to be threaded through signatures and
 * nothing outlives the request.
 */
const byRequest = new WeakMap<RequestContext, Record<string, string>>();

/**
 * Adds `key: value`. As upstream, a key keeps its first value; a different
 * later value is refused (returns false) so one plugin cannot overwrite
 * another's note.
 */
export function addAuditAnnotation(ctx: RequestContext, key: string, value: string): boolean {
  let m = byRequest.get(ctx);
  if (!m) {
    m = {};
    byRequest.set(ctx, m);
  }
  if (key in m && m[key] !== value) return false;
  m[key] = value;
  return true;
}

/** A copy of the annotations recorded for the request (empty when none). */
export function auditAnnotationsOf(ctx: RequestContext): Record<string, string> {
  return { ...(byRequest.get(ctx) ?? {}) };
}
