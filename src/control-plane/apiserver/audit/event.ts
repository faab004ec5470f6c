import type { UserInfo } from '../types.js';
import type { AuditLevel, AuditStage } from './policy.js';

/**
 * `audit.k8s.io/v1` Event, with fields in upstream's order so lines read the
 * same as kube-apiserver's audit log.
 */
export interface AuditUser {
  /** Absent for requests that failed authentication (`user: {}`). */
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code?: number;
}

export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** metav1.MicroTime: RFC 3339 in UTC with microseconds. */
export function microTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  const micros = Math.min(999, Math.round((ms - Math.floor(ms)) * 1000));
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

export function auditUser(u: UserInfo): AuditUser {
  const out: AuditUser = { username: u.username };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length) out.extra = u.extra;
  return out;
}

/**
 * The event as written: fields in upstream's order, empty optional fields
 * omitted (Go's omitempty).
 */
export function orderedEvent(e: AuditEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: e.kind,
    apiVersion: e.apiVersion,
    level: e.level,
    auditID: e.auditID,
    stage: e.stage,
    requestURI: e.requestURI,
    verb: e.verb,
    user: e.user,
  };
  if (e.impersonatedUser) out.impersonatedUser = e.impersonatedUser;
  if (e.sourceIPs?.length) out.sourceIPs = e.sourceIPs;
  if (e.userAgent) out.userAgent = e.userAgent;
  if (e.objectRef) out.objectRef = e.objectRef;
  if (e.responseStatus) out.responseStatus = e.responseStatus;
  if (e.requestObject !== undefined) out.requestObject = e.requestObject;
  if (e.responseObject !== undefined) out.responseObject = e.responseObject;
  out.requestReceivedTimestamp = e.requestReceivedTimestamp;
  out.stageTimestamp = e.stageTimestamp;
  if (e.annotations && Object.keys(e.annotations).length) out.annotations = e.annotations;
  return out;
}

/** One JSON line, as the log backend writes it. */
export function eventLine(e: AuditEvent): string {
  return `${JSON.stringify(orderedEvent(e))}\n`;
}
