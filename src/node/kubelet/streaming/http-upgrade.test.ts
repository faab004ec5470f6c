import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  goList,
  headerHasToken,
  headerTokens,
  isTrueParam,
  negotiateProtocol,
  streamProtocolHandshake,
} from './http-upgrade.js';

const req = (headers: Record<string, string | string[]>) => ({ headers });

test('header tokens are split on commas across repeated lines', () => {
  const r = req({ 'x-stream-protocol-version': 'v4.channel.k8s.io, v3.channel.k8s.io,,  channel.k8s.io ' });
  assert.deepEqual(headerTokens(r, 'X-Stream-Protocol-Version'), [
    'v4.channel.k8s.io',
    'v3.channel.k8s.io',
    'channel.k8s.io',
  ]);
  assert.deepEqual(headerTokens(req({ a: ['x, y', 'z'] }), 'a'), ['x', 'y', 'z']);
  assert.deepEqual(headerTokens(req({}), 'a'), []);
  assert.equal(headerHasToken(req({ connection: 'keep-alive, Upgrade' }), 'connection', 'upgrade'), true);
  assert.equal(headerHasToken(req({ connection: 'keep-alive' }), 'connection', 'upgrade'), false);
});

test('negotiation follows the client order', () => {
  assert.equal(negotiateProtocol(['b', 'a'], ['a', 'b']), 'b');
  assert.equal(negotiateProtocol(['c'], ['a', 'b']), '');
  assert.equal(goList(['a', 'b']), '[a b]');
});

test('httpstream.Handshake outcomes', () => {
  assert.deepEqual(
    streamProtocolHandshake(req({ 'x-stream-protocol-version': 'v5.channel.k8s.io, v4.channel.k8s.io' }), [
      'v4.channel.k8s.io',
    ]),
    {
      ok: true,
      protocol: 'v4.channel.k8s.io',
    },
  );
  assert.deepEqual(streamProtocolHandshake(req({}), ['v4.channel.k8s.io']), {
    ok: false,
    status: 400,
    message: 'unable to upgrade: X-Stream-Protocol-Version is required',
    headers: {},
  });
  assert.deepEqual(streamProtocolHandshake(req({ 'x-stream-protocol-version': 'v9' }), ['a', 'b']), {
    ok: false,
    status: 403,
    message: 'unable to upgrade: unable to negotiate protocol: client supports [v9], server accepts [a b]',
    headers: { 'X-Accepted-Stream-Protocol-Versions': ['a', 'b'] },
  });
});

test('boolean query values follow Go strconv.ParseBool truths', () => {
  for (const v of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(isTrueParam(v), true, v);
  for (const v of ['0', 'false', 'yes', '', null, undefined]) assert.equal(isTrueParam(v), false, String(v));
});
