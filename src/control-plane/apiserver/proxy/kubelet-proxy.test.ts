import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { StatusError } from '../../../api/errors/status-error.js';
import { proxyUpgrade } from './kubelet-proxy.js';

test('an unreachable kubelet rejects with "error dialing backend" and leaves the client open for the Status', async () => {
  // A port that was just free: nothing listens there.
  const srv = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const client = new PassThrough();
  const err = await proxyUpgrade(
    { certPEM: '', keyPEM: '' },
    { host: '127.0.0.1', port, nodeName: 'n1' },
    '/exec/default/p/c?command=true',
    'GET',
    {},
    client,
    Buffer.alloc(0),
  ).then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 500);
  assert.match(err.message, /^error dialing backend: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  assert.equal(client.destroyed, false);
});
