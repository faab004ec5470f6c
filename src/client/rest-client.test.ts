import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  internalError,
  isAlreadyExists,
  isConflict,
  isExpired,
  isNotFound,
  serviceUnavailable,
  StatusError,
  tooManyRequests,
} from '../api/errors/status-error.js';
import { FakeClock } from '../lib/clock.js';
import { assertNoLeaks, startLeakTracking } from '../lib/disposable.js';
import { TokenBucket } from '../lib/rate-limiter.js';
import { InProcessTransport } from './inprocess-transport.js';
import { RestClient } from './rest-client.js';
import { typed, ResourceClient } from './resource-client.js';
import { gvr, resourcePath } from './resource-path.js';
import { errorFromResponse } from './response-error.js';
import { FakeApiServer, fakeRestClient } from './testing/fake-api-server.js';
import { TransportError, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

const podsGVR = gvr('', 'v1', 'pods');
const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

test('resourcePath builds core, group, namespaced and subresource paths', () => {
  const cases: [Parameters<typeof resourcePath>, string][] = [
    [[podsGVR, {}], '/api/v1/pods'],
    [[podsGVR, { namespace: 'ns' }], '/api/v1/namespaces/ns/pods'],
    [[podsGVR, { namespace: 'ns', name: 'web', subresource: 'status' }], '/api/v1/namespaces/ns/pods/web/status'],
    [
      [gvr('apps', 'v1', 'deployments'), { namespace: 'a', name: 'd', subresource: 'scale' }],
      '/apis/apps/v1/namespaces/a/deployments/d/scale',
    ],
    [[gvr('', 'v1', 'nodes'), { name: 'n1' }], '/api/v1/nodes/n1'],
    [
      [gvr('', 'v1', 'pods'), { namespace: 'a', name: 'p', subresource: 'proxy/x y' }],
      '/api/v1/namespaces/a/pods/p/proxy/x%20y',
    ],
  ];
  for (const [args, want] of cases) assert.equal(resourcePath(...args), want);
  assert.throws(() => resourcePath(podsGVR, { name: 'a/b' }), /may not contain '\/'/);
  assert.throws(() => resourcePath(podsGVR, { name: '..' }), /may not be '\.\.'/);
});

test('typed client: create, get, list with selectors, update, patch, delete against the fake', async () => {
  const fake = new FakeApiServer();
  const pods = typed<Pod>(fakeRestClient(fake), podsGVR, 'default');
  const created = await pods.create(pod('web', { app: 'web' }));
  assert.equal(created.metadata?.namespace, 'default');
  assert.ok(created.metadata?.uid);
  await pods.create(pod('db', { app: 'db' }));
  await assert.rejects(pods.create(pod('web')), (e) => isAlreadyExists(e));

  const got = await pods.get('web');
  assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  await assert.rejects(pods.get('nope'), (e) => isNotFound(e) && (e as Error).message === 'pods "nope" not found');

  const list = await pods.list({ labelSelector: 'app=db' });
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ['db'],
  );
  const byField = await pods.list({ fieldSelector: 'metadata.name=web' });
  assert.deepEqual(
    byField.items.map((p) => p.metadata?.name),
    ['web'],
  );

  // Returned objects are shared (frozen by the fake): clone before changing.
  const next = structuredClone(got);
  next.metadata!.labels = { app: 'web', tier: 'front' };
  const updated = await pods.update(next);
  assert.equal(updated.metadata?.labels?.tier, 'front');
  await assert.rejects(pods.update(next), (e) => isConflict(e), 'stale resourceVersion conflicts');

  const patched = await pods.patch(
    'web',
    'merge',
    { metadata: { labels: { patched: 'yes' } } },
    { fieldManager: 'test' },
  );
  assert.equal(patched.metadata?.labels?.patched, 'yes');
  const jsonPatched = await pods.patch('web', 'json', [{ op: 'remove', path: '/metadata/labels/tier' }]);
  assert.equal(jsonPatched.metadata?.labels?.tier, undefined);
  const last = fake.requests.at(-1)!;
  assert.equal(last.headers['content-type'], 'application/json-patch+json');

  await pods.delete('db', { propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'uid-2' } });
  const del = fake.requests.at(-1)!;
  assert.deepEqual(del.object, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    propagationPolicy: 'Foreground',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'uid-2' },
  });
  assert.equal(fake.get('', 'pods', 'default', 'db'), undefined);
  await assert.rejects(pods.delete('web', { preconditions: { uid: 'wrong' } }), (e) => isConflict(e));
});

test('apply requires a field manager and sends force and the apply content type', async () => {
  const fake = new FakeApiServer();
  const pods = typed<Pod>(fakeRestClient(fake), podsGVR);
  await assert.rejects(pods.patch('x', 'apply', {}), /fieldManager is required/);
  const p = pod('applied');
  p.metadata!.namespace = 'ns1';
  await pods.apply(p, { fieldManager: 'me', force: true });
  const req = fake.requests.at(-1)!;
  assert.equal(req.path, '/api/v1/namespaces/ns1/pods/applied');
  assert.equal(req.query, 'fieldManager=me&force=true');
  assert.equal(req.headers['content-type'], 'application/apply-patch+yaml');
  assert.ok(fake.get('', 'pods', 'ns1', 'applied'));
});

test('subresources: status update, binding/eviction/token create, scale get/update', async () => {
  const fake = new FakeApiServer();
  const rest = fakeRestClient(fake);
  const pods = typed<Pod>(rest, podsGVR, 'ns');
  const created = await pods.create(pod('p'));
  const withStatus = { ...structuredClone(created), status: { phase: 'Running' } };
  const updated = await pods.updateStatus(withStatus);
  assert.equal(updated.status?.phase, 'Running');
  assert.equal(fake.requests.at(-1)!.path, '/api/v1/namespaces/ns/pods/p/status');

  await pods.createSubresource('p', 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    target: { kind: 'Node', name: 'n1' },
  });
  assert.equal(fake.requests.at(-1)!.path, '/api/v1/namespaces/ns/pods/p/binding');
  await pods.createSubresource('p', 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p' } });
  assert.equal(fake.requests.at(-1)!.path, '/api/v1/namespaces/ns/pods/p/eviction');

  const deployments = new ResourceClient(rest, gvr('apps', 'v1', 'deployments'), 'ns');
  await deployments.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } });
  await deployments.getSubresource('d', 'scale');
  assert.equal(fake.requests.at(-1)!.path, '/apis/apps/v1/namespaces/ns/deployments/d/scale');
  await deployments.updateSubresource('d', 'scale', {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'd' },
  });
  assert.equal(fake.requests.at(-1)!.method, 'PUT');
});

test('watch yields events and bookmarks, throws an in-stream ERROR as a StatusError', async () => {
  startLeakTracking();
  const fake = new FakeApiServer();
  const pods = typed<Pod>(fakeRestClient(fake), podsGVR, 'default');
  await pods.create(pod('a'));
  const list = await pods.list();
  const w = await pods.watch({ resourceVersion: list.metadata!.resourceVersion, allowWatchBookmarks: true });
  assert.match(fake.requests.at(-1)!.query, /watch=true/);
  assert.match(fake.requests.at(-1)!.query, /allowWatchBookmarks=true/);
  await pods.create(pod('b'));
  fake.bookmark();
  await pods.delete('a');
  const seen: string[] = [];
  for await (const ev of w) {
    seen.push(`${ev.type}:${ev.object.metadata?.name ?? ev.object.metadata?.resourceVersion}`);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, ['ADDED:b', `BOOKMARK:${Number(list.metadata!.resourceVersion) + 1}`, 'DELETED:a']);
  assert.equal(w.closed, true);
  assert.equal(fake.openWatches, 0, 'breaking out of the loop closes the server stream');

  const w2 = await pods.watch({ resourceVersion: fake.resourceVersion });
  fake.expireWatches();
  await assert.rejects(w2.next(), (e) => isExpired(e) && (e as StatusError).code === 410);
  assertNoLeaks();
});

test('watch from a compacted resourceVersion fails with 410 before streaming', async () => {
  const fake = new FakeApiServer();
  const pods = typed<Pod>(fakeRestClient(fake), podsGVR, 'default');
  await pods.create(pod('a'));
  fake.compact();
  await assert.rejects(pods.watch({ resourceVersion: '1' }), (e) => isExpired(e));
});

function counting(fake: FakeApiServer) {
  return fake.requests.filter((r) => r.method !== 'POST').length;
}

test('retries 429 honouring Retry-After, for every verb', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rest = fakeRestClient(fake, { clock });
  const pods = typed<Pod>(rest, podsGVR, 'default');
  fake.failNext(2, (r) => r.method === 'POST', tooManyRequests('slow down', 3));
  let done = false;
  const p = pods.create(pod('x')).then((v) => ((done = true), v));
  await clock.advance(2999);
  assert.equal(done, false, 'waits the full Retry-After');
  assert.equal(fake.requests.length, 1);
  await clock.advance(1);
  assert.equal(fake.requests.length, 2);
  await clock.advance(3000);
  const created = await p;
  assert.equal(created.metadata?.name, 'x');
  assert.equal(fake.requests.length, 3);
});

test('retries 5xx for GET with backoff but not for POST; gives up after maxRetries', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rest = fakeRestClient(fake, { clock, maxRetries: 2, random: () => 0 });
  const pods = typed<Pod>(rest, podsGVR, 'default');
  fake.seed('', 'pods', { ...pod('x'), metadata: { name: 'x', namespace: 'default' } });

  fake.failNext(1, (r) => r.method === 'GET', internalError(new Error('boom')));
  const got = pods.get('x');
  await clock.advance(100);
  assert.equal((await got).metadata?.name, 'x');
  assert.equal(counting(fake), 2);

  fake.failNext(1, (r) => r.method === 'POST', internalError(new Error('boom')));
  await assert.rejects(pods.create(pod('y')), (e) => e instanceof StatusError && e.code === 500);

  fake.failNext(10, (r) => r.method === 'GET', serviceUnavailable('down'));
  const failing = assert.rejects(pods.get('x'), (e) => e instanceof StatusError && e.reason === 'ServiceUnavailable');
  await clock.advance(100 + 200);
  await failing;
  assert.equal(counting(fake), 2 + 3, 'first attempt plus two retries');
});

class FlakyTransport implements Transport {
  readonly kind = 'http';
  calls: TransportRequest[] = [];
  constructor(
    private readonly failures: TransportError[],
    private readonly inner: Transport,
  ) {}
  roundTrip(req: TransportRequest): Promise<TransportResponse> {
    this.calls.push(req);
    const f = this.failures.shift();
    return f ? Promise.reject(f) : this.inner.roundTrip(req);
  }
  dispose() {}
}

test('network errors: not-sent failures retry any verb at once, ambiguous ones only idempotent verbs', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const inner = new InProcessTransport({ handler: fake.handle, user: { username: 'u', groups: [] } });
  const refused = () => new TransportError('connect ECONNREFUSED', 'ECONNREFUSED', true);
  const reset = () => new TransportError('socket hang up', 'ECONNRESET', false);

  const t1 = new FlakyTransport([refused()], inner);
  const pods1 = typed<Pod>(new RestClient({ transport: t1, clock, rateLimiter: null }), podsGVR, 'default');
  await pods1.create(pod('a'));
  assert.equal(t1.calls.length, 2, 'POST retried after connection refused, without delay');

  const t2 = new FlakyTransport([reset()], inner);
  const pods2 = typed<Pod>(new RestClient({ transport: t2, clock, rateLimiter: null }), podsGVR, 'default');
  await assert.rejects(pods2.create(pod('b')), (e) => e instanceof TransportError && e.code === 'ECONNRESET');
  const t3 = new FlakyTransport([reset()], inner);
  const pods3 = typed<Pod>(
    new RestClient({ transport: t3, clock, rateLimiter: null, random: () => 0 }),
    podsGVR,
    'default',
  );
  const p = pods3.get('a');
  await clock.advance(100);
  assert.equal((await p).metadata?.name, 'a');
  assert.equal(t3.calls.length, 2);
});

test('client-side QPS limiting spaces requests with the injected clock', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rest = fakeRestClient(fake, { clock, rateLimiter: new TokenBucket(2, 2, clock) });
  const pods = typed<Pod>(rest, podsGVR, 'default');
  const calls = Array.from({ length: 5 }, (_, i) => pods.list({ limit: i + 1 }));
  await clock.advance(0);
  assert.equal(fake.requests.length, 2, 'burst of 2 goes at once');
  await clock.advance(500);
  assert.equal(fake.requests.length, 3, 'then one every 500 ms at 2 qps');
  await clock.advance(1000);
  assert.equal(fake.requests.length, 5);
  await Promise.all(calls);
});

test('per-request timeout aborts a hung call; the caller signal aborts too', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.intercept(
    (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
  );
  const rest = fakeRestClient(fake, { clock, timeoutMs: 1000 });
  const pods = typed<Pod>(rest, podsGVR, 'default');
  const p = assert.rejects(pods.get('x'), /client timeout after 1000ms/);
  await clock.advance(1000);
  await p;
  const ctrl = new AbortController();
  const q = assert.rejects(pods.get('x', { signal: ctrl.signal, timeoutMs: 0 }), /stop/);
  ctrl.abort(new Error('stop'));
  await q;
});

test('non-Status error bodies become client-go generic errors', () => {
  const cases: [number, string, string, string][] = [
    [404, 'GET', 'NotFound', 'the server could not find the requested resource (get pods web)'],
    [409, 'POST', 'AlreadyExists', 'the server reported a conflict (post pods web)'],
    [409, 'PUT', 'Conflict', 'the server reported a conflict (put pods web)'],
    [403, 'GET', 'Forbidden', 'nope (get pods web)'],
    [
      502,
      'GET',
      'InternalError',
      'an error on the server ("nope") has prevented the request from succeeding (get pods web)',
    ],
    [
      418,
      'GET',
      '',
      'the server responded with the status code 418 but did not return more information (get pods web)',
    ],
  ];
  for (const [status, method, reason, message] of cases) {
    const err = errorFromResponse(
      { type: 'bytes', status, headers: {}, contentType: 'text/plain', body: Buffer.from('nope') },
      { method, group: '', resource: 'pods', name: 'web' },
    );
    assert.equal(err.code, status);
    assert.equal(err.reason, reason);
    assert.equal(err.message, message);
  }
  const fromStatus = errorFromResponse(
    {
      type: 'object',
      status: 404,
      headers: {},
      body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'x', code: 404 },
    },
    { method: 'GET' },
  );
  assert.ok(isNotFound(fromStatus));
  assert.equal(fromStatus.message, 'x');
});

test('server warnings reach onWarning', async () => {
  const fake = new FakeApiServer();
  fake.intercept(() => ({
    type: 'object',
    status: 200,
    body: { kind: 'PodList', items: [] },
    headers: { warning: ['299 - "first, with comma"', '299 - "second \\"quoted\\""'] },
  }));
  const warnings: string[] = [];
  const pods = typed<Pod>(fakeRestClient(fake, { onWarning: (m) => warnings.push(m) }), podsGVR);
  await pods.list();
  assert.deepEqual(warnings, ['first, with comma', 'second "quoted"']);
});
