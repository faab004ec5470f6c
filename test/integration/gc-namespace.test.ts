import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

/** Polls `check` until it returns true (bounded), for asserting converged state without fixed sleeps. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('garbage collector and namespace controller', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ controllers: ['garbage-collector', 'namespace'] });
  });
  after(async () => {
    await c?.dispose();
  });

  async function ownerAndDependent(ns: string, owner: string, dep: string): Promise<void> {
    let r = await c.kubectl(['-n', ns, 'create', 'configmap', owner, '--from-literal=a=b']);
    assert.equal(r.code, 0, r.stderr);
    const uid = (await c.kubectl(['-n', ns, 'get', 'cm', owner, '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: dep,
        namespace: ns,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid, blockOwnerDeletion: true, controller: true },
        ],
      },
      data: { x: 'y' },
    });
    r = await c.kubectl(['apply', '-f', '-'], { stdin: manifest });
    assert.equal(r.code, 0, r.stderr);
  }

  const exists = async (ns: string, name: string) => (await c.kubectl(['-n', ns, 'get', 'cm', name])).code === 0;

  test('background deletion collects the dependent after the owner is gone', async () => {
    await ownerAndDependent('default', 'bg-owner', 'bg-dep');
    const r = await c.kubectl(['delete', 'cm', 'bg-owner', '--cascade=background']);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => !(await exists('default', 'bg-dep')), 'bg-dep to be collected');
  });

  test('foreground deletion removes the dependent before the owner', async () => {
    await ownerAndDependent('default', 'fg-owner', 'fg-dep');
    const r = await c.kubectl(['delete', 'cm', 'fg-owner', '--cascade=foreground', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await exists('default', 'fg-owner'), false);
    assert.equal(await exists('default', 'fg-dep'), false);
  });

  test('orphan deletion keeps the dependent and strips its owner reference', async () => {
    await ownerAndDependent('default', 'or-owner', 'or-dep');
    const r = await c.kubectl(['delete', 'cm', 'or-owner', '--cascade=orphan', '--timeout=60s']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await exists('default', 'or-owner'), false);
    const refs = await c.kubectl(['get', 'cm', 'or-dep', '-o', 'jsonpath={.metadata.ownerReferences}']);
    assert.equal(refs.code, 0, refs.stderr);
    assert.equal(refs.stdout, '');
  });

  test('deleting a namespace removes its content and then the namespace', async () => {
    let r = await c.kubectl(['create', 'namespace', 'doomed']);
    assert.equal(r.code, 0, r.stderr);
    for (let i = 0; i < 5; i++) {
      r = await c.kubectl(['-n', 'doomed', 'create', 'configmap', `cm${i}`, '--from-literal=a=b']);
      assert.equal(r.code, 0, r.stderr);
      r = await c.kubectl(['-n', 'doomed', 'create', 'secret', 'generic', `s${i}`, '--from-literal=a=b']);
      assert.equal(r.code, 0, r.stderr);
    }
    r = await c.kubectl(['-n', 'doomed', 'create', 'deployment', 'web', '--image=busybox']);
    assert.equal(r.code, 0, r.stderr);
    r = await c.kubectl(['delete', 'namespace', 'doomed', '--timeout=90s']);
    assert.equal(r.code, 0, r.stderr);
    const gone = await c.kubectl(['get', 'namespace', 'doomed']);
    assert.match(gone.stderr, /NotFound/);
  });
});
