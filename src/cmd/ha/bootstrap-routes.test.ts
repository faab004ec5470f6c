import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiRequest, ApiResponse } from '../../control-plane/apiserver/types.js';
import { nullLogger } from '../../lib/log.js';
import {
  applyBootstrap,
  checkCriticalConfig,
  type ServerBootstrap,
  sharedTlsFiles,
  validateBootstrap,
} from './bootstrap-data.js';
import { bootstrapRoutes, cacertsPath, serverBootstrapPath } from './bootstrap-routes.js';

const pem = (s: string) => `-----BEGIN X-----\n${s}\n-----END X-----\n`;
const critical = { serviceCIDR: '10.43.0.0/16', clusterCIDR: '10.42.0.0/16', clusterDomain: 'cluster.local' };
const doc = (): ServerBootstrap => ({
  version: 1,
  files: Object.fromEntries(sharedTlsFiles.map((f) => [f, pem(f)])),
  critical,
  etcdMembers: [{ id: '1', name: 'a', peerURLs: ['https://10.0.0.1:2380'], clientURLs: [], isLearner: false }],
  encryptionConfig: 'kind: EncryptionConfiguration\n',
});

function request(path: string, authorization?: string, method = 'GET'): ApiRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    headers: authorization ? { authorization } : {},
    peer: { remoteAddress: '10.0.0.9' },
    signal: new AbortController().signal,
  };
}

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

test('bootstrap routes: CA for anyone, bootstrap data only for server:<password>', async () => {
  let served = 0;
  const route = bootstrapRoutes({
    caPEM: pem('ca'),
    password: 'pw',
    bootstrap: async () => {
      served++;
      return doc();
    },
    log: nullLogger,
  });
  const ca = (await route(request(cacertsPath))) as Extract<ApiResponse, { type: 'bytes' }>;
  assert.equal(ca.status, 200);
  assert.equal(ca.body, pem('ca'));
  assert.equal(route(request('/api/v1/namespaces')), undefined, 'other paths go to the API server');

  const denied: [string, string | undefined, string?][] = [
    ['no credentials', undefined],
    ['wrong password', basic('server:nope')],
    ['wrong user', basic('admin:pw')],
    ['no colon', basic('serverpw')],
    ['bearer instead of basic', 'Bearer pw'],
    ['right credentials, wrong method', basic('server:pw'), 'POST'],
  ];
  for (const [name, auth, method] of denied) {
    const res = (await route(request(serverBootstrapPath, auth, method))) as Extract<ApiResponse, { type: 'object' }>;
    assert.equal(res.status, 401, name);
    assert.equal((res.body as { reason: string }).reason, 'Unauthorized', name);
  }
  assert.equal(served, 0, 'nothing was collected for a rejected request');

  const ok = (await route(request(serverBootstrapPath, basic('server:pw')))) as Extract<
    ApiResponse,
    { type: 'object' }
  >;
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, doc());
});

test('validateBootstrap rejects documents without the shared files', () => {
  assert.deepEqual(validateBootstrap(JSON.parse(JSON.stringify(doc()))), doc());
  assert.throws(() => validateBootstrap({}), /no usable bootstrap data/);
  const partial = doc();
  delete partial.files['etcd/peer-ca.key'];
  assert.throws(() => validateBootstrap(partial), /lacks etcd\/peer-ca.key/);
});

test('checkCriticalConfig names the flag that differs', () => {
  checkCriticalConfig(critical, { ...critical });
  assert.throws(
    () => checkCriticalConfig(critical, { ...critical, serviceCIDR: '10.96.0.0/12' }),
    /critical configuration mismatch: the cluster uses --service-cidr 10.43.0.0\/16, this server 10.96.0.0\/12/,
  );
  assert.throws(() => checkCriticalConfig(critical, { ...critical, clusterDomain: 'x.local' }), /--cluster-domain/);
});

test('applyBootstrap writes the shared files 0600 and refuses another cluster’s data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-bootstrap-'));
  try {
    const tls = join(dir, 'server', 'tls');
    const out = applyBootstrap(doc(), tls, dir);
    for (const f of sharedTlsFiles) {
      assert.equal(readFileSync(join(tls, f), 'utf8'), pem(f));
      assert.equal(statSync(join(tls, f)).mode & 0o777, 0o600);
    }
    assert.equal(out.encryptionConfigPath, join(dir, 'server', 'cred', 'encryption-config.yaml'));
    assert.equal(readFileSync(out.encryptionConfigPath!, 'utf8'), 'kind: EncryptionConfiguration\n');
    applyBootstrap(doc(), tls, dir); // the same cluster again (a retried join) is fine

    const other = join(dir, 'other', 'server', 'tls');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'server-ca.crt'), pem('another CA'));
    assert.throws(() => applyBootstrap(doc(), other, join(dir, 'other')), /is the CA of another cluster/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
