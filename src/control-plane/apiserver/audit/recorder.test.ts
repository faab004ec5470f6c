import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { StatusError, unauthorized } from '../../../api/errors/status-error.js';
import { parseRequestInfo } from '../http/request-info.js';
import type { RequestContext } from '../types.js';
import { addAuditAnnotation } from './annotations.js';
import { eventLine, type AuditEvent } from './event.js';
import { parsePolicy } from './policy.js';
import { Auditor } from './recorder.js';

function ctx(method: string, path: string, query = '', headers: Record<string, string> = {}): RequestContext {
  const q = new URLSearchParams(query);
  const signal = new AbortController().signal;
  return {
    request: { method, path, query: q, headers, peer: { remoteAddress: '::ffff:127.0.0.1' }, signal },
    info: parseRequestInfo(method, path, q),
    user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    warnings: [],
    signal,
  };
}

const policy = parsePolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: RequestResponse
    resources: [{ group: "", resources: ["configmaps"] }]
    omitManagedFields: true
  - level: Metadata
    resources: [{ group: "apps" }]
    omitStages: ["RequestReceived"]
`);

function setup() {
  const events: AuditEvent[] = [];
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0, 123));
  const auditor = new Auditor({ policy, clock, backends: [{ processEvents: (...e) => events.push(...e) }] });
  return { events, clock, auditor };
}

test('a create at RequestResponse yields RequestReceived and ResponseComplete events', async () => {
  const { events, clock, auditor } = setup();
  const c = ctx('POST', '/api/v1/namespaces/default/configmaps', 'fieldManager=kubectl', {
    'user-agent': 'kubectl/v1.32.0',
    'x-forwarded-for': '10.0.0.7, 127.0.0.1',
    'audit-id': 'abc-123',
  });
  const audit = auditor.begin(c)!;
  assert.equal(audit.auditID, 'abc-123');
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm', managedFields: [{ manager: 'kubectl' }] },
    data: { a: '1' },
  };
  audit.setRequestObject(body);
  addAuditAnnotation(c, 'authorization.k8s.io/decision', 'allow');
  await clock.advance(5);
  audit.setResponseObject({ ...body, metadata: { ...body.metadata, uid: 'u1', resourceVersion: '7' } });
  audit.setObjectRef({ uid: 'u1', resourceVersion: '7' });
  audit.complete(201);
  audit.complete(201);
  assert.deepEqual(
    events.map((e) => e.stage),
    ['RequestReceived', 'ResponseComplete'],
  );
  const done = events[1]!;
  assert.equal(
    eventLine(done),
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: 'abc-123',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl',
      verb: 'create',
      user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      sourceIPs: ['10.0.0.7', '127.0.0.1'],
      userAgent: 'kubectl/v1.32.0',
      objectRef: { resource: 'configmaps', namespace: 'default', apiVersion: 'v1', uid: 'u1', resourceVersion: '7' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } },
      responseObject: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', uid: 'u1', resourceVersion: '7' },
        data: { a: '1' },
      },
      requestReceivedTimestamp: '2026-01-01T12:00:00.123000Z',
      stageTimestamp: '2026-01-01T12:00:00.128000Z',
      annotations: { 'authorization.k8s.io/decision': 'allow' },
    }) + '\n',
  );
  // The caller's object keeps its managed fields.
  assert.equal(body.metadata.managedFields.length, 1);
});

test('Metadata level drops bodies but keeps the failure status; omitted stages are skipped', () => {
  const { events, auditor } = setup();
  const audit = auditor.begin(ctx('DELETE', '/apis/apps/v1/namespaces/default/deployments/web'))!;
  audit.setRequestObject({ kind: 'DeleteOptions' });
  audit.setResponseObject({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: 'deployments.apps "web" not found',
    reason: 'NotFound',
    code: 404,
  });
  audit.complete(404);
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.stage, 'ResponseComplete');
  assert.equal(e.level, 'Metadata');
  assert.equal(e.requestObject, undefined);
  assert.equal(e.responseObject, undefined);
  assert.deepEqual(e.responseStatus, {
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "web" not found',
    reason: 'NotFound',
    code: 404,
  });
  assert.deepEqual(e.objectRef, {
    resource: 'deployments',
    namespace: 'default',
    name: 'web',
    apiGroup: 'apps',
    apiVersion: 'v1',
  });
});

test('level None records nothing; watches get ResponseStarted; panics are recorded', () => {
  const { events, auditor } = setup();
  assert.equal(auditor.begin(ctx('GET', '/api/v1/namespaces/default/pods')), undefined);
  const w = auditor.begin(ctx('GET', '/apis/apps/v1/deployments', 'watch=true'))!;
  w.responseStarted(200);
  w.complete(200);
  assert.deepEqual(
    events.map((e) => [e.stage, e.verb]),
    [
      ['ResponseStarted', 'watch'],
      ['ResponseComplete', 'watch'],
    ],
  );
  events.length = 0;
  const p = auditor.begin(ctx('GET', '/apis/apps/v1/deployments'))!;
  p.panic(new Error('boom'));
  p.complete(200);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.stage, 'Panic');
  assert.equal(events[0]!.responseStatus!.message, "APIServer panic'd: boom");
});

test('impersonation records the real user and the impersonated one', () => {
  const { events, auditor } = setup();
  const c = ctx('GET', '/apis/apps/v1/deployments');
  c.user = { username: 'bob', groups: ['devs'] };
  auditor.begin(c, { impersonator: { username: 'admin', groups: ['system:masters'] } })!.complete(200);
  assert.deepEqual(events[0]!.user, { username: 'admin', groups: ['system:masters'] });
  assert.deepEqual(events[0]!.impersonatedUser, { username: 'bob', groups: ['devs'] });
});

test('setImpersonatedUser after begin: the policy and `user` see the authenticated caller', () => {
  const { events, auditor } = setup();
  const c = ctx('GET', '/apis/apps/v1/deployments');
  const audit = auditor.begin(c)!;
  audit.setImpersonatedUser({ username: 'bob', groups: ['devs'] });
  audit.complete(200);
  assert.deepEqual(events[0]!.user, { username: 'admin', groups: ['system:masters', 'system:authenticated'] });
  assert.deepEqual(events[0]!.impersonatedUser, { username: 'bob', groups: ['devs'] });
});

test('fail() records the error Status as the response of ResponseComplete', () => {
  const { events, auditor } = setup();
  const audit = auditor.begin(ctx('GET', '/apis/apps/v1/namespaces/ns/deployments'))!;
  audit.fail(new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.'));
  assert.deepEqual(
    events.map((e) => [e.stage, e.responseStatus]),
    [
      [
        'ResponseComplete',
        {
          metadata: {},
          status: 'Failure',
          message: 'Too many requests, please try again later.',
          reason: 'TooManyRequests',
          code: 429,
        },
      ],
    ],
  );
});

test('failed authentication: one ResponseStarted event with an empty user, per the policy', () => {
  const p = parsePolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    users: ["admin"]
  - level: None
    userGroups: ["system:masters"]
  - level: Metadata
    resources: [{ group: "" }]
`);
  const cases: { name: string; policy: typeof p; path: string; want: number }[] = [
    { name: 'user-scoped None rules do not match an unknown user', policy: p, path: '/api/v1/pods', want: 1 },
    { name: 'no rule for the request: nothing', policy: p, path: '/apis/apps/v1/deployments', want: 0 },
    {
      name: 'ResponseStarted omitted: nothing',
      policy: { ...p, omitStages: ['ResponseStarted'] },
      path: '/api/v1/pods',
      want: 0,
    },
  ];
  for (const tc of cases) {
    const events: AuditEvent[] = [];
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const auditor = new Auditor({
      policy: tc.policy,
      clock,
      backends: [{ processEvents: (...e) => events.push(...e) }],
    });
    const c = ctx('GET', tc.path, '', { authorization: 'Bearer nope', 'audit-id': 'a1' });
    auditor.failedAuthentication(c.request, c.info, unauthorized().toStatus());
    assert.equal(events.length, tc.want, tc.name);
    if (!tc.want) continue;
    const line = JSON.parse(eventLine(events[0]!)) as Record<string, unknown>;
    assert.deepEqual(
      {
        stage: line.stage,
        user: line.user,
        verb: line.verb,
        auditID: line.auditID,
        objectRef: line.objectRef,
        responseStatus: line.responseStatus,
      },
      {
        stage: 'ResponseStarted',
        user: {},
        verb: 'list',
        auditID: 'a1',
        objectRef: { resource: 'pods', apiVersion: 'v1' },
        responseStatus: { metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 },
      },
      tc.name,
    );
  }
});
