import {
  fromStatus,
  groupResourceString,
  StatusError,
  type Status,
  type StatusReason,
} from '../api/errors/status-error.js';
import { headerValue, type TransportResponse } from './transport.js';

/** What a request addressed, for client-go's `(get pods web)` message suffix. */
export interface RequestTarget {
  method: string;
  group?: string;
  resource?: string;
  name?: string;
}

/** True for a metav1.Status body with `status: "Failure"` (client-go only trusts those). */
export function isFailureStatus(body: unknown): body is Partial<Status> {
  if (body === null || typeof body !== 'object') return false;
  const b = body as { kind?: unknown; status?: unknown };
  return b.kind === 'Status' && b.status === 'Failure';
}

/** A StatusError from a Status object (a response body or an ERROR watch event). */
export function statusErrorFrom(body: unknown, httpCode: number): StatusError | undefined {
  if (body === null || typeof body !== 'object' || (body as { kind?: unknown }).kind !== 'Status') return undefined;
  const s = body as Partial<Status>;
  if (s.status === 'Success') return undefined;
  return fromStatus({ ...s, code: s.code || httpCode });
}

/** Seconds from a `Retry-After` header holding an integer, as client-go reads it. */
export function retryAfterSeconds(res: TransportResponse): number | undefined {
  const v = headerValue(res.headers, 'retry-after');
  if (v === undefined || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

const genericMessages: Record<number, [StatusReason, string | undefined]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', undefined],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', undefined],
  415: ['UnsupportedMediaType', undefined],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

function bodyText(res: TransportResponse): string {
  if (res.type === 'bytes') return Buffer.from(res.body).toString('utf8').trim();
  if (res.type === 'object' && res.body !== undefined) {
    return typeof res.body === 'string' ? res.body.trim() : JSON.stringify(res.body);
  }
  return '';
}

/**
 * The error for a non-2xx response (client-go `transformResponse`): a Failure
 * Status body is rebuilt as is, so `isNotFound(err)` and friends work;
 * anything else becomes apimachinery's NewGenericServerResponse, whose
 * messages name the code and the request (`... (get pods web)`).
 */
export function errorFromResponse(res: TransportResponse, target: RequestTarget): StatusError {
  if (res.type === 'object') {
    const fromBody = statusErrorFrom(res.body, res.status);
    if (fromBody) return fromBody;
  }
  const code = res.status;
  const serverMessage = bodyText(res);
  let reason: StatusReason = '';
  let message = `the server responded with the status code ${code} but did not return more information`;
  if (code === 409) {
    reason = target.method === 'POST' ? 'AlreadyExists' : 'Conflict';
    message = 'the server reported a conflict';
  } else if (genericMessages[code]) {
    const [r, m] = genericMessages[code];
    reason = r;
    message = m ?? serverMessage;
  } else if (code >= 500) {
    reason = 'InternalError';
    message = `an error on the server (${JSON.stringify(serverMessage)}) has prevented the request from succeeding`;
  }
  const gr = target.resource ? groupResourceString({ group: target.group ?? '', resource: target.resource }) : '';
  const verb = target.method.toLowerCase();
  if (gr && target.name) message = `${message} (${verb} ${gr} ${target.name})`;
  else if (gr) message = `${message} (${verb} ${gr})`;
  const retryAfter = retryAfterSeconds(res);
  return new StatusError(code, reason, message, {
    group: target.group,
    kind: target.resource,
    name: target.name,
    causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }],
    ...(retryAfter ? { retryAfterSeconds: retryAfter } : {}),
  });
}
