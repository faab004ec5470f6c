import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { type Clock, realClock } from '../../../lib/clock.js';
import { toStatusError, type Status } from '../../../api/errors/status-error.js';
import type { RequestInfo } from '../http/request-info.js';
import type { ApiRequest, RequestContext, UserInfo } from '../types.js';
import { auditAnnotationsOf } from './annotations.js';
import { auditUser, microTime, type AuditEvent, type AuditObjectRef, type AuditResponseStatus } from './event.js';
import { levelLess, type AuditPolicy, type AuditStage } from './policy.js';
import { attributesOf, attributesOfInfo, PolicyRuleEvaluator, type RequestAuditConfig } from './policy-checker.js';

/** Where events go (the log writer; webhooks could be another). Must not block. */
export interface AuditBackend {
  processEvents(...events: AuditEvent[]): void;
}

export interface AuditorOptions {
  policy?: AuditPolicy;
  backends: AuditBackend[];
  clock?: Clock;
}

const maxUserAgentLength = 1024;

/**
 * Audits requests (upstream `endpoints/filters/audit.go`): `begin` decides
 * the level from the policy and emits `RequestReceived`; the handler records
 * the request/response objects; `complete` emits `ResponseComplete` with the
 * status and the annotations admission and authorization added. Long-running
 * requests (watches) also emit `ResponseStarted` when their headers go out.
 */
export class Auditor {
  readonly #evaluator: PolicyRuleEvaluator;
  readonly #backends: AuditBackend[];
  readonly #clock: Clock;

  constructor(opts: AuditorOptions) {
    this.#evaluator = new PolicyRuleEvaluator(opts.policy);
    this.#backends = opts.backends;
    this.#clock = opts.clock ?? realClock;
  }

  configFor(ctx: RequestContext): RequestAuditConfig {
    return this.#evaluator.evaluate(attributesOf(ctx));
  }

  /**
   * Starts the audit of an authenticated request; undefined when the policy
   * says `None`. As upstream's WithAudit (outside impersonation, flow control
   * and authorization), the policy sees the authenticated user, who is also
   * the event's `user`; `impersonator` is for callers that already swapped
   * `ctx.user` for the impersonated identity (prefer `setImpersonatedUser`).
   */
  begin(ctx: RequestContext, opts: { impersonator?: UserInfo; receivedAt?: number } = {}): RequestAudit | undefined {
    const attrs = attributesOf(ctx);
    if (opts.impersonator) attrs.user = opts.impersonator;
    const config = this.#evaluator.evaluate(attrs);
    if (config.level === 'None') return undefined;
    const received = opts.receivedAt ?? this.#clock.now();
    const event = newEvent(ctx.request, ctx.info, opts.impersonator ?? ctx.user, config, received);
    if (opts.impersonator) event.impersonatedUser = auditUser(ctx.user);
    const audit = new RequestAudit(ctx, event, config, this.#backends, this.#clock);
    audit.emit('RequestReceived');
    return audit;
  }

  /**
   * A request refused by authentication (upstream WithFailedAuthenticationAudit):
   * the policy is evaluated without a user, and the one event is
   * `ResponseStarted` with `user: {}` and the 401 Status that was sent.
   */
  failedAuthentication(req: ApiRequest, info: RequestInfo, status: Status, receivedAt?: number): void {
    const config = this.#evaluator.evaluate({ ...attributesOfInfo(info), user: undefined });
    if (config.level === 'None' || config.omitStages.includes('ResponseStarted')) return;
    const event = newEvent(req, info, undefined, config, receivedAt ?? this.#clock.now());
    event.stage = 'ResponseStarted';
    event.stageTimestamp = microTime(this.#clock.now());
    event.responseStatus = statusOf(status);
    for (const b of this.#backends) b.processEvents(event);
  }
}

/** The event as of RequestReceived: who, what, from where (upstream LogRequestMetadata). */
function newEvent(
  req: ApiRequest,
  info: RequestInfo,
  user: UserInfo | undefined,
  config: RequestAuditConfig,
  received: number,
): AuditEvent {
  const query = req.query.toString();
  let ua = req.headers['user-agent'] ?? '';
  if (ua.length > maxUserAgentLength) ua = `${ua.slice(0, maxUserAgentLength)}...TRUNCATED`;
  const event: AuditEvent = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: config.level,
    auditID: auditIDOfRequest(req),
    stage: 'RequestReceived',
    requestURI: query ? `${req.path}?${query}` : req.path,
    verb: info.verb,
    user: user ? auditUser(user) : {},
    sourceIPs: sourceIPsOfRequest(req),
    userAgent: ua || undefined,
    requestReceivedTimestamp: microTime(received),
    stageTimestamp: microTime(received),
  };
  if (info.isResourceRequest) {
    const ref: AuditObjectRef = { resource: info.resource };
    if (info.namespace) ref.namespace = info.namespace;
    if (info.name) ref.name = info.name;
    if (info.group) ref.apiGroup = info.group;
    if (info.version) ref.apiVersion = info.version;
    if (info.subresource) ref.subresource = info.subresource;
    event.objectRef = ref;
  }
  return event;
}

/** The bounded fields of a Status the event keeps (upstream AuditContext.LogResponseObject). */
function statusOf(status: {
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code?: number;
}): AuditResponseStatus {
  return {
    metadata: {},
    ...(status.status ? { status: status.status } : {}),
    ...(status.message ? { message: status.message } : {}),
    ...(status.reason ? { reason: status.reason } : {}),
    ...(status.details ? { details: status.details } : {}),
    ...(status.code ? { code: status.code } : {}),
  };
}

/** The per-request audit state. Methods after `complete`/`panic` are no-ops. */
export class RequestAudit {
  #done = false;
  constructor(
    private readonly ctx: RequestContext,
    private readonly event: AuditEvent,
    readonly config: RequestAuditConfig,
    private readonly backends: AuditBackend[],
    private readonly clock: Clock,
  ) {}

  get auditID(): string {
    return this.event.auditID;
  }
  get level() {
    return this.config.level;
  }

  /** Records the decoded request body (kept at Request level and above). */
  setRequestObject(obj: unknown): void {
    if (levelLess(this.config.level, 'Request')) return;
    this.event.requestObject = this.#prepare(obj);
  }

  /** Records the response body (kept at RequestResponse) and, for a Status, its fields. */
  setResponseObject(obj: unknown): void {
    const status = obj as (Parameters<typeof statusOf>[0] & { kind?: string }) | null;
    if (status && status.kind === 'Status') this.event.responseStatus = statusOf(status);
    if (levelLess(this.config.level, 'RequestResponse')) return;
    this.event.responseObject = this.#prepare(obj);
  }

  /** Adds the object's uid/resourceVersion to objectRef once known. */
  setObjectRef(extra: { uid?: string; resourceVersion?: string; name?: string }): void {
    if (!this.event.objectRef) return;
    Object.assign(this.event.objectRef, Object.fromEntries(Object.entries(extra).filter(([, v]) => v)));
  }

  /** Impersonation succeeded: the request now acts as `user` (upstream LogImpersonatedUser). */
  setImpersonatedUser(user: UserInfo): void {
    this.event.impersonatedUser = auditUser(user);
  }

  /** The request ended with an error: its Status is the response (ResponseComplete). */
  fail(err: unknown): void {
    const status = toStatusError(err).toStatus();
    this.setResponseObject(status);
    this.complete(status.code ?? 500);
  }

  /** Long-running requests: headers were sent. */
  responseStarted(code: number): void {
    if (this.#done) return;
    this.#setCode(code);
    this.emit('ResponseStarted');
  }

  complete(code: number): void {
    if (this.#done) return;
    this.#setCode(code);
    this.emit('ResponseComplete');
    this.#done = true;
  }

  /** The handler crashed: a Panic event with a 500 status. */
  panic(err: unknown): void {
    if (this.#done) return;
    const msg = err instanceof Error ? err.message : String(err);
    this.event.responseStatus = {
      metadata: {},
      status: 'Failure',
      message: `APIServer panic'd: ${msg}`,
      reason: 'InternalError',
      code: 500,
    };
    this.emit('Panic');
    this.#done = true;
  }

  #setCode(code: number): void {
    if (!this.event.responseStatus) this.event.responseStatus = { metadata: {}, code };
    else if (!this.event.responseStatus.code) this.event.responseStatus.code = code;
  }

  /** @internal Emits a copy of the event at `stage` unless the policy omits it. */
  emit(stage: AuditStage): void {
    if (this.config.omitStages.includes(stage)) return;
    const annotations = auditAnnotationsOf(this.ctx);
    const copy: AuditEvent = {
      ...this.event,
      stage,
      stageTimestamp: microTime(this.clock.now()),
      annotations: Object.keys(annotations).length ? annotations : undefined,
    };
    for (const b of this.backends) b.processEvents(copy);
  }

  #prepare(obj: unknown): unknown {
    return this.config.omitManagedFields ? withoutManagedFields(obj) : obj;
  }
}

/** The request's Audit-ID header if the client sent a usable one, else a new UUID (upstream WithAuditInit). */
export function auditIDOf(ctx: RequestContext): string {
  return auditIDOfRequest(ctx.request);
}

function auditIDOfRequest(req: ApiRequest): string {
  const h = req.headers['audit-id']?.trim();
  return h && h.length <= 256 ? h : randomUUID();
}

/** X-Forwarded-For, then X-Real-Ip, then the peer address, without repeats (utilnet.SourceIPs). */
export function sourceIPs(ctx: RequestContext): string[] {
  return sourceIPsOfRequest(ctx.request);
}

function sourceIPsOfRequest(req: ApiRequest): string[] {
  const out: string[] = [];
  const add = (ip: string | undefined) => {
    const v = ip?.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (v && isIP(v) && !out.includes(v)) out.push(v);
  };
  for (const part of (req.headers['x-forwarded-for'] ?? '').split(',')) add(part);
  add(req.headers['x-real-ip']);
  add(req.peer.remoteAddress);
  return out;
}

/** A copy without metadata.managedFields (lists: on every item). The input is not modified. */
export function withoutManagedFields(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return obj;
  const o = obj as { metadata?: Record<string, unknown>; items?: unknown[] };
  let out: Record<string, unknown> = o as Record<string, unknown>;
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _drop, ...meta } = o.metadata;
    out = { ...out, metadata: meta };
  }
  if (Array.isArray(o.items)) out = { ...out, items: o.items.map(withoutManagedFields) };
  return out;
}
