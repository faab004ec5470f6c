import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostPort } from './exchange.js';
import { defaultUpstreams, parseResolvConf } from './resolv-conf.js';

test('resolv.conf: nameservers in order, comments and scopes dropped, junk skipped', () => {
  const text = [
    '# generated',
    'search default.svc.cluster.local svc.cluster.local',
    'nameserver 192.0.2.53 ; trailing comment',
    'nameserver fe80::1%eth0',
    'nameserver not-an-ip',
    'options ndots:5',
    'nameserver 2001:DB8::35',
  ].join('\n');
  assert.deepEqual(parseResolvConf(text), ['192.0.2.53', 'fe80::1', '2001:db8::35']);
});

test('default upstreams: our own listeners excluded; a loopback stub replaced by its upstream list', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-resolv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'resolv.conf');
  const stub = join(dir, 'stub-resolv.conf');
  writeFileSync(conf, 'nameserver 192.0.2.1\nnameserver 192.0.2.2\n');
  assert.deepEqual(defaultUpstreams({ path: conf, exclude: [{ host: '192.0.2.2', port: 53 }] }), [
    { host: '192.0.2.1', port: 53 },
  ]);
  assert.deepEqual(defaultUpstreams({ path: conf, exclude: [{ host: '192.0.2.2', port: 1053 }] }).length, 2);
  writeFileSync(conf, 'nameserver 127.0.0.53\n');
  writeFileSync(stub, 'nameserver 192.0.2.9\n');
  assert.deepEqual(defaultUpstreams({ path: conf, stubUpstreamPath: stub }), [{ host: '192.0.2.9', port: 53 }]);
  assert.deepEqual(defaultUpstreams({ path: conf, stubUpstreamPath: join(dir, 'absent') }), [
    { host: '127.0.0.53', port: 53 },
  ]);
  // A wildcard listener on the same port is every local address, loopback included.
  assert.deepEqual(
    defaultUpstreams({ path: conf, stubUpstreamPath: join(dir, 'absent'), exclude: [{ host: '0.0.0.0', port: 53 }] }),
    [],
  );
  assert.deepEqual(defaultUpstreams({ path: join(dir, 'none') }), []);
});

test('host:port parsing', () => {
  assert.deepEqual(parseHostPort('192.0.2.1'), { host: '192.0.2.1', port: 53 });
  assert.deepEqual(parseHostPort('192.0.2.1:5353'), { host: '192.0.2.1', port: 5353 });
  assert.deepEqual(parseHostPort('[fd00::1]:5353'), { host: 'fd00::1', port: 5353 });
  assert.deepEqual(parseHostPort('fd00::1'), { host: 'fd00::1', port: 53 });
  assert.throws(() => parseHostPort('192.0.2.1:99999'));
});
