import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

describe('kubectl basics against kubets server', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ controllers: [] });
  });
  after(async () => {
    await c?.dispose();
  });

  test('version reports the 1.32 server', async () => {
    const r = await c.kubectl(['version', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout);
    assert.equal(v.serverVersion.major, '1');
    assert.equal(v.serverVersion.minor, '32');
  });

  test('system namespaces and the kubernetes service exist', async () => {
    const ns = await c.kubectl(['get', 'ns', '-o', 'name']);
    assert.equal(ns.code, 0, ns.stderr);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      assert.match(ns.stdout, new RegExp(`namespace/${n}\\b`));
    const svc = await c.kubectl(['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
    assert.equal(svc.stdout, '10.43.0.1');
  });

  test('api-resources and api-versions list the built-in groups', async () => {
    const r = await c.kubectl(['api-resources']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    assert.match(r.stdout, /pods\s+po\s+v1\s+true\s+Pod/);
    const v = await c.kubectl(['api-versions']);
    for (const gv of ['apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'autoscaling/v2', 'v1'])
      assert.match(v.stdout, new RegExp(`^${gv.replace('/', '\\/')}$`, 'm'));
  });

  test('create (protobuf), get formats, selectors, scale, label, delete', async () => {
    let r = await c.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2']);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'deploy', 'web', '-o', 'wide']);
    assert.match(r.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/m);
    assert.match(r.stdout, /web\s+0\/2\s+0\s+0\s+\S+\s+nginx\s+nginx:1\.27\s+app=web/);
    r = await c.kubectl(['scale', 'deploy/web', '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']);
    assert.equal(r.stdout, '3 2');
    r = await c.kubectl(['label', 'deploy', 'web', 'tier=frontend']);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'deploy', '-l', 'tier=frontend', '-o', 'name']);
    assert.equal(r.stdout.trim(), 'deployment.apps/web');
    r = await c.kubectl(['get', 'deploy', '-l', 'tier!=frontend', '-o', 'name']);
    assert.equal(r.stdout.trim(), '');
    r = await c.kubectl([
      'get',
      'deploy',
      '--field-selector',
      'metadata.name=web',
      '-o',
      'custom-columns=N:.metadata.name,R:.spec.replicas',
      '--no-headers',
    ]);
    assert.match(r.stdout, /web\s+3/);
    r = await c.kubectl(['delete', 'deploy', 'web']);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['get', 'deploy', 'web']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Error from server \(NotFound\): deployments\.apps "web" not found/);
  });
});
