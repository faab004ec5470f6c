import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InProcessRequest, InProcessResponse } from './inprocess-types.js';
import { InProcessTransport } from './inprocess-transport.js';
import { decodeJsonLines } from './json-lines.js';
import { TransportError } from './transport.js';

function transportWith(handler: (req: InProcessRequest) => Promise<InProcessResponse>) {
  return new InProcessTransport({
    handler,
    user: { username: 'system:kube-scheduler', groups: ['system:authenticated'] },
    userAgent: 'kubets-scheduler/v1.32.4 (linux/amd64) kubets',
  });
}

test('passes identity, headers and objects by reference; decodes pre-encoded bodies', async () => {
  const seen: InProcessRequest[] = [];
  const shared = { kind: 'Pod', metadata: { name: 'p' } };
  const t = transportWith(async (req) => {
    seen.push(req);
    return { type: 'object', status: 200, body: shared };
  });
  const body = { kind: 'Pod' };
  const res = await t.roundTrip({ method: 'POST', path: '/api/v1/namespaces/a/pods', body });
  assert.equal(res.type === 'object' && res.body, shared, 'no copy, no JSON round trip');
  assert.equal(seen[0]!.object, body);
  assert.deepEqual(seen[0]!.peer.inProcessUser, {
    username: 'system:kube-scheduler',
    groups: ['system:authenticated'],
  });
  assert.equal(seen[0]!.headers['user-agent'], 'kubets-scheduler/v1.32.4 (linux/amd64) kubets');
  assert.equal(seen[0]!.headers.accept, 'application/json');

  await t.roundTrip({
    method: 'PATCH',
    path: '/x',
    body: '{"a":1}',
    headers: { 'content-type': 'application/merge-patch+json' },
  });
  assert.deepEqual(seen[1]!.object, { a: 1 });
  await t.roundTrip({
    method: 'PATCH',
    path: '/x',
    body: 'kind: Pod\nmetadata:\n  name: y\n',
    headers: { 'content-type': 'application/apply-patch+yaml' },
  });
  assert.deepEqual(seen[2]!.object, { kind: 'Pod', metadata: { name: 'y' } });
});

test('JSON bytes responses become objects; other bytes stay bytes; redirects keep their location', async () => {
  const responses: InProcessResponse[] = [
    { type: 'bytes', status: 200, contentType: 'application/json', body: '{"kind":"APIVersions"}' },
    { type: 'bytes', status: 200, contentType: 'text/plain', body: 'log line\n' },
    { type: 'redirect', status: 302, location: '/openapi/v2' },
  ];
  const t = transportWith(async () => responses.shift()!);
  assert.deepEqual(await t.roundTrip({ method: 'GET', path: '/api' }), {
    type: 'object',
    status: 200,
    headers: {},
    body: { kind: 'APIVersions' },
  });
  const logs = await t.roundTrip({ method: 'GET', path: '/log', expect: 'bytes' });
  assert.equal(logs.type, 'bytes');
  assert.equal(logs.type === 'bytes' && Buffer.from(logs.body).toString(), 'log line\n');
  const r = await t.roundTrip({ method: 'GET', path: '/swagger' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, '/openapi/v2');
});

test('watches: the caller signal and dispose() close the server stream', async () => {
  const closed: string[] = [];
  const stream = (name: string) => ({
    next: () => new Promise<undefined>(() => undefined),
    close: () => closed.push(name),
  });
  let n = 0;
  const t = transportWith(async () => ({ type: 'watch', status: 200, stream: stream(`w${++n}`) }));
  const ctrl = new AbortController();
  const w1 = await t.roundTrip({ method: 'GET', path: '/w', expect: 'watch', signal: ctrl.signal });
  const w2 = await t.roundTrip({ method: 'GET', path: '/w', expect: 'watch' });
  assert.equal(w1.type, 'watch');
  ctrl.abort();
  assert.deepEqual(closed, ['w1']);
  t.dispose();
  assert.deepEqual(closed, ['w1', 'w2']);
  assert.equal(w2.type === 'watch' && (await w2.events.next()), undefined, 'a closed watch ends');
  await assert.rejects(t.roundTrip({ method: 'GET', path: '/w' }), (e) => e instanceof TransportError);
});

test('a handler that ignores the abort does not hold the caller', async () => {
  const t = transportWith(() => new Promise(() => undefined));
  const ctrl = new AbortController();
  const p = t.roundTrip({ method: 'GET', path: '/slow', signal: ctrl.signal });
  ctrl.abort(new Error('gave up'));
  await assert.rejects(p, /gave up/);
});

test('newline-delimited JSON: frames split anywhere, blank lines, a last line without newline, bad JSON', async () => {
  async function* chunks(...parts: string[]) {
    for (const p of parts) yield Buffer.from(p);
  }
  const out: unknown[] = [];
  for await (const v of decodeJsonLines(chunks('{"a"', ':1}\n\n{"b":', '"é"}\n{"c":3}'))) out.push(v);
  assert.deepEqual(out, [{ a: 1 }, { b: 'é' }, { c: 3 }]);
  await assert.rejects(
    (async () => {
      for await (const _ of decodeJsonLines(chunks('{"a":1}\n{nope}\n'))) void _;
    })(),
    (e) => e instanceof TransportError && e.code === 'ERR_WATCH_DECODE' && !e.retryable,
  );
});

test('hands the server a decoded path, as the HTTPS listener does', async () => {
  const paths: string[] = [];
  const t = transportWith(async (req) => {
    paths.push(req.path);
    return { type: 'object', status: 200, body: {} };
  });
  await t.roundTrip({ method: 'GET', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Anode' });
  assert.deepEqual(paths, ['/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node']);
});
