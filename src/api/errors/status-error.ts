import { aggregateMessage, errorBody, type FieldError } from '../validation/field-error.js';

/**
 * The error catalog (DESIGN.md convention 7). A StatusError is a metav1.Status
 * with `status: "Failure"`; constructors reproduce kube-apiserver's reasons, codes,
 * details and messages (apimachinery `api/errors`), because kubectl prints them
 * verbatim as `Error from server (<reason>): <message>`. The HTTP edge turns any
 * other thrown value into an InternalError.
 */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The wire shape of metav1.Status. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** Resource + group, printed upstream as `deployments.apps` (or `pods` for core). */
export interface GroupResource {
  group: string;
  resource: string;
}
/** Kind + group, printed upstream as `Deployment.apps` (or `Pod`). */
export interface GroupKind {
  group: string;
  kind: string;
}

export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}
export function groupKindString(gk: GroupKind): string {
  return gk.group ? `${gk.kind}.${gk.group}` : gk.kind;
}

export class StatusError extends Error {
  override name = 'StatusError';
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): Status {
    const s: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details && Object.keys(this.details).length > 0) s.details = this.details;
    return s;
  }
}

const quote = (s: string) => JSON.stringify(s);

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError(401, 'Unauthorized', message);
}

/** `pods "web" is forbidden: <reason>` (or `pods is forbidden: ...` without a name). */
export function forbidden(gr: GroupResource, name: string, reason: string): StatusError {
  const what = groupResourceString(gr);
  const message = name ? `${what} ${quote(name)} is forbidden: ${reason}` : `${what} is forbidden: ${reason}`;
  return new StatusError(403, 'Forbidden', message, { name: name || undefined, group: gr.group, kind: gr.resource });
}

/** `deployments.apps "web" not found`; details.kind is the resource, as upstream. */
export function notFound(gr: GroupResource, name: string): StatusError {
  return new StatusError(404, 'NotFound', `${groupResourceString(gr)} ${quote(name)} not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** A 404 for a path that names no resource at all. */
export function pathNotFound(message = 'the server could not find the requested resource'): StatusError {
  return new StatusError(404, 'NotFound', message, {});
}

export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return new StatusError(409, 'AlreadyExists', `${groupResourceString(gr)} ${quote(name)} already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

export const objectModifiedMessage =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `Operation cannot be fulfilled on deployments.apps "web": <reason>`. */
export function conflict(
  gr: GroupResource,
  name: string,
  reason: string = objectModifiedMessage,
  causes?: StatusCause[],
): StatusError {
  return new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResourceString(gr)} ${quote(name)}: ${reason}`,
    {
      name,
      group: gr.group,
      kind: gr.resource,
      ...(causes ? { causes } : {}),
    },
  );
}

/** A 409 Conflict with a free-form message (server-side apply conflicts). */
export function conflictMessage(message: string, details?: StatusDetails): StatusError {
  return new StatusError(409, 'Conflict', message, details);
}

/** `Deployment.apps "web" is invalid: [a, b]` with one cause per field error. */
export function invalid(gk: GroupKind, name: string, errs: FieldError[]): StatusError {
  const causes = errs.map((e) => ({ reason: e.type, message: errorBody(e), field: e.field }));
  const base = `${groupKindString(gk)} ${quote(name)} is invalid`;
  const message = errs.length ? `${base}: ${aggregateMessage(errs)}` : base;
  return new StatusError(422, 'Invalid', message, { name, group: gk.group, kind: gk.kind, causes });
}

export function methodNotSupported(gr: GroupResource, action: string): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    `${action} is not supported on resources of kind ${quote(groupResourceString(gr))}`,
    { group: gr.group, kind: gr.resource },
  );
}

export function notAcceptable(message: string): StatusError {
  return new StatusError(406, 'NotAcceptable', message);
}

export function unsupportedMediaType(contentType: string, supported: string[]): StatusError {
  return new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`,
    { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] },
  );
}

export function requestEntityTooLarge(message: string): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** 410 Expired: a resourceVersion or continue token older than the compacted history. */
export function expired(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

/** 410 Gone (legacy reason). */
export function gone(message: string): StatusError {
  return new StatusError(410, 'Gone', message);
}

export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError(429, 'TooManyRequests', message, { retryAfterSeconds });
}

export function internalError(err: unknown): StatusError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
}

export function serviceUnavailable(message: string): StatusError {
  return new StatusError(503, 'ServiceUnavailable', message);
}

export function timeout(message: string, retryAfterSeconds = 0): StatusError {
  return new StatusError(504, 'Timeout', `Timeout: ${message}`, retryAfterSeconds ? { retryAfterSeconds } : {});
}

export function serverTimeout(gr: GroupResource, operation: string, retryAfterSeconds: number): StatusError {
  return new StatusError(
    500,
    'ServerTimeout',
    `The ${operation} operation against ${groupResourceString(gr)} could not be completed at this time, please try again.`,
    { group: gr.group, kind: gr.resource, retryAfterSeconds },
  );
}

/** Turns anything thrown into a StatusError (non-StatusErrors become InternalError). */
export function toStatusError(err: unknown): StatusError {
  return err instanceof StatusError ? err : internalError(err);
}

/** Rebuilds a StatusError from a Status body received over the wire (clients). */
export function fromStatus(s: Partial<Status> & { code?: number }): StatusError {
  return new StatusError(s.code ?? 500, (s.reason ?? '') as StatusReason, s.message ?? '', s.details);
}

const reasonOf = (err: unknown): StatusReason | undefined => (err instanceof StatusError ? err.reason : undefined);

export const isNotFound = (err: unknown) => reasonOf(err) === 'NotFound';
export const isAlreadyExists = (err: unknown) => reasonOf(err) === 'AlreadyExists';
export const isConflict = (err: unknown) => reasonOf(err) === 'Conflict';
export const isInvalid = (err: unknown) => reasonOf(err) === 'Invalid';
export const isForbidden = (err: unknown) => reasonOf(err) === 'Forbidden';
export const isUnauthorized = (err: unknown) => reasonOf(err) === 'Unauthorized';
export const isBadRequest = (err: unknown) => reasonOf(err) === 'BadRequest';
export const isTooManyRequests = (err: unknown) => reasonOf(err) === 'TooManyRequests';
export const isExpired = (err: unknown) => reasonOf(err) === 'Expired' || reasonOf(err) === 'Gone';
export const isServiceUnavailable = (err: unknown) => reasonOf(err) === 'ServiceUnavailable';
export const isInternalError = (err: unknown) => reasonOf(err) === 'InternalError';
