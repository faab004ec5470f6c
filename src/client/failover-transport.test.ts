import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.js';
import { FailoverTransport, normalizeServer } from './failover-transport.js';
import { TransportError, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

type Behaviour = 'ok' | 'refused' | 'reset' | 'tls' | 'status500';

function fakeTransports(behaviour: Record<string, Behaviour>) {
  const calls: string[] = [];
  const disposed: string[] = [];
  const transportFor = (server: string): Transport => ({
    kind: 'http',
    async roundTrip(req: TransportRequest): Promise<TransportResponse> {
      calls.push(`${req.method} ${server}`);
      switch (behaviour[server]) {
        case 'refused':
          throw new TransportError('connect ECONNREFUSED', 'ECONNREFUSED', true);
        case 'reset':
          throw new TransportError('socket hang up', 'ECONNRESET', false);
        case 'tls':
          throw new TransportError('self-signed certificate in chain', 'SELF_SIGNED_CERT_IN_CHAIN', false, {
            retryable: false,
          });
        case 'status500':
          return { type: 'object', status: 500, headers: {}, body: { server } };
        default:
          return { type: 'object', status: 200, headers: {}, body: { server } };
      }
    },
    dispose: () => void disposed.push(server),
  });
  return { calls, disposed, transportFor };
}

const A = 'https://a:6443';
const B = 'https://b:6443';
const C = 'https://c:6443';
const get = (t: FailoverTransport, method: TransportRequest['method'] = 'GET') =>
  t.roundTrip({ method, path: '/x' }).then((r) => (r as { body: { server: string } }).body.server);

test('which failures fail over: not-sent errors always, broken connections only for idempotent verbs, never TLS or HTTP errors', async () => {
  const cases: { behaviour: Behaviour; method: TransportRequest['method']; want: string | RegExp }[] = [
    { behaviour: 'refused', method: 'POST', want: B },
    { behaviour: 'reset', method: 'GET', want: B },
    { behaviour: 'reset', method: 'POST', want: /hang up/ },
    { behaviour: 'tls', method: 'GET', want: /self-signed/ },
    { behaviour: 'status500', method: 'GET', want: A },
  ];
  for (const c of cases) {
    const f = fakeTransports({ [A]: c.behaviour, [B]: 'ok' });
    const t = new FailoverTransport({ servers: [A, B], transportFor: f.transportFor, clock: new FakeClock() });
    if (typeof c.want === 'string') assert.equal(await get(t, c.method), c.want, `${c.behaviour} ${c.method}`);
    else await assert.rejects(get(t, c.method), c.want, `${c.behaviour} ${c.method}`);
  }
});

test('a failed server cools down, the working one stays preferred, and setServers keeps what it can', async () => {
  const clock = new FakeClock();
  const behaviour: Record<string, Behaviour> = { [A]: 'refused', [B]: 'ok', [C]: 'ok' };
  const f = fakeTransports(behaviour);
  const t = new FailoverTransport({ servers: [A, B], transportFor: f.transportFor, clock, cooldownMs: 1000 });
  assert.equal(await get(t), B);
  behaviour[A] = 'ok';
  assert.equal(await get(t), B, 'preferred server kept while it works');
  behaviour[B] = 'refused';
  assert.equal(await get(t), A, 'back to A once B fails');
  t.setServers([A, C, `${A}/`]);
  assert.deepEqual(t.servers, [A, C]);
  assert.deepEqual(f.disposed, [B]);
  assert.equal(t.current, A);
  await t.dispose();
  assert.deepEqual(f.disposed.sort(), [A, B, C]);
  assert.equal(normalizeServer('https://Host'), 'https://host:443');
});
