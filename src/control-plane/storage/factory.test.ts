import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStorage, parseDatastoreEndpoint, type StorageConfig } from './factory.js';
import { isStorageError } from './interface.js';

const flags = { dataDir: '/var/lib/kubets' };

test('parseDatastoreEndpoint understands k3s-style endpoints', () => {
  const cases: [string | undefined, typeof flags & Record<string, string>, StorageConfig][] = [
    [undefined, flags, { type: 'sqlite', path: '/var/lib/kubets/db/state.db' }],
    ['', flags, { type: 'sqlite', path: '/var/lib/kubets/db/state.db' }],
    ['sqlite://', flags, { type: 'sqlite', path: '/var/lib/kubets/db/state.db' }],
    ['sqlite:///srv/k.db', flags, { type: 'sqlite', path: '/srv/k.db' }],
    ['sqlite://db/other.db?_journal=WAL&cache=shared', flags, { type: 'sqlite', path: '/var/lib/kubets/db/other.db' }],
    ['sqlite://:memory:', flags, { type: 'sqlite', path: ':memory:' }],
    [
      'etcd://10.0.0.1:2379,10.0.0.2:2379',
      flags,
      { type: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'] },
    ],
    [
      'etcd://e1:2379',
      { ...flags, caFile: '/ca.crt', certFile: '/c.crt', keyFile: '/c.key', prefix: '/kubets' },
      {
        type: 'etcd',
        endpoints: ['https://e1:2379'],
        tls: { ca: '/ca.crt', cert: '/c.crt', key: '/c.key' },
        prefix: '/kubets',
      },
    ],
    ['https://a:2379,https://b:2379', flags, { type: 'etcd', endpoints: ['https://a:2379', 'https://b:2379'] }],
    ['https://a:2379,b:2379', flags, { type: 'etcd', endpoints: ['https://a:2379', 'https://b:2379'] }],
    ['http://127.0.0.1:2379/', flags, { type: 'etcd', endpoints: ['http://127.0.0.1:2379'] }],
    ['http://[::1]:2379', flags, { type: 'etcd', endpoints: ['http://[::1]:2379'] }],
  ];
  for (const [endpoint, f, want] of cases) {
    assert.deepEqual(parseDatastoreEndpoint(endpoint, f), want, String(endpoint));
  }
});

test('parseDatastoreEndpoint rejects what it cannot serve, naming the endpoint', () => {
  for (const bad of [
    'mysql://user@tcp(db:3306)/k3s',
    'postgres://x',
    'etcd://',
    'https://a:2379,http://b:2379',
    'etcd://hostonly',
    'nonsense',
  ]) {
    assert.throws(
      () => parseDatastoreEndpoint(bad, flags),
      (err: unknown) => isStorageError(err, 'InvalidArgument') && err.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('openStorage opens sqlite, and fails fast with a clear error for an unreachable etcd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-factory-'));
  try {
    const s = await openStorage(parseDatastoreEndpoint('', { dataDir: dir }));
    try {
      assert.equal(s.backend, 'sqlite');
      assert.equal((await s.create('/a', Buffer.from('x'))).modRevision, 2);
    } finally {
      await s.dispose();
    }
    // Port 1 on loopback: nothing listens there.
    await assert.rejects(
      openStorage({
        type: 'etcd',
        endpoints: ['http://127.0.0.1:1'],
        compactionIntervalMs: 0,
        retryTimeoutMs: 1000,
      }).then(async (st) => st.dispose()),
      (err: unknown) =>
        isStorageError(err, 'Unavailable') && /cannot reach etcd at http:\/\/127\.0\.0\.1:1/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
