import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { describeRun, eventually, fixturePath, getJson, kubectlFails, kubectlOk } from './api-helpers.js';

/**
 * Acceptance: client-side apply of a multi-document manifest (three-way merge),
 * server-side apply (managedFields, conflicts, force, field removal), and
 * `kubectl diff`, all with real kubectl against a fresh control plane.
 */

interface EnvVar {
  name: string;
  value?: string;
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { containerPort: number }[];
}
interface Obj {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    resourceVersion?: string;
    managedFields?: { manager: string; operation: string; time?: string; fieldsV1?: Record<string, unknown> }[];
  };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Deployment extends Obj {
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** The +/- lines of a unified diff, without the ---/+++ file headers. */
function changedLines(diff: string): string[] {
  return diff
    .split('\n')
    .filter((l) => (l.startsWith('+') || l.startsWith('-')) && !l.startsWith('+++') && !l.startsWith('---'));
}

describe('kubectl apply, apply --server-side and diff', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c?.dispose();
  });

  test('first apply of a multi-document manifest creates everything but the custom resource (CRD not mapped yet)', async () => {
    const args = ['apply', '-f', fixturePath('api-app.yaml')];
    const r = await c.kubectl(args);
    // Real kubectl maps every document before creating the CRD, so the Widget fails with exit code 1.
    assert.equal(r.code, 1, describeRun(args, r));
    for (const line of [
      'namespace/shop created',
      'configmap/shop-config created',
      'secret/shop-secret created',
      'deployment.apps/shop-web created',
      'service/shop-web created',
      'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created',
    ])
      assert.ok(r.stdout.split('\n').includes(line), `missing "${line}" in:\n${r.stdout}`);
    assert.match(r.stderr, /no matches for kind "Widget" in version "example\.com\/v1"/);

    const svc = await getJson<{
      spec: { clusterIP: string; ports: { port: number; targetPort: number; protocol: string }[] };
    }>(c, ['svc', '-n', 'shop', 'shop-web']);
    assert.match(svc.spec.clusterIP, /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(
      svc.spec.ports.map((p) => [p.port, p.targetPort, p.protocol]),
      [[80, 80, 'TCP']],
    );
    const cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'shop-config']);
    assert.deepEqual(cm.data, { color: 'blue', size: 'large' });
    const la = JSON.parse(cm.metadata.annotations?.[lastApplied] ?? '{}') as Obj;
    assert.deepEqual(la.data, { color: 'blue', size: 'large' }, 'last-applied-configuration stores the manifest');
    const secret = await getJson<{ data?: Record<string, string>; stringData?: unknown; type: string }>(c, [
      'secret',
      '-n',
      'shop',
      'shop-secret',
    ]);
    assert.equal(secret.type, 'Opaque');
    // stringData is write-only: the server folds it into data and never stores it.
    assert.equal(secret.stringData, undefined, `stringData stored: ${JSON.stringify(secret)}`);
    assert.equal(Buffer.from(secret.data?.password ?? '', 'base64').toString(), 's3cr3t', JSON.stringify(secret));
  });

  test('after the CRD is Established, applying again creates the custom resource and leaves the rest unchanged', async () => {
    await kubectlOk(c, ['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=60s']);
    const out = await kubectlOk(c, ['apply', '-f', fixturePath('api-app.yaml')]);
    const lines = out.trim().split('\n');
    assert.ok(lines.includes('widget.example.com/gadget created'), out);
    for (const unchanged of ['namespace/shop', 'configmap/shop-config', 'deployment.apps/shop-web', 'service/shop-web'])
      assert.ok(lines.includes(`${unchanged} unchanged`), `${unchanged} should be unchanged:\n${out}`);
    const w = await getJson<Obj>(c, ['widget', '-n', 'shop', 'gadget']);
    assert.deepEqual(w.spec, { size: 3, color: 'red' });
    const table = await kubectlOk(c, ['get', 'widgets', '-n', 'shop']);
    assert.match(table, /^NAME\s+SIZE\s+AGE$/m);
    assert.match(table, /^gadget\s+3\s+\S+$/m);
  });

  test('apply again with changes: the three-way merge drops removed fields and keeps what others added', async () => {
    // Changes made by other writers between the two applies must survive.
    await kubectlOk(c, ['set', 'env', '-n', 'shop', 'deployment/shop-web', '-c', 'web', 'EXTRA=kept']);
    await kubectlOk(c, ['label', '-n', 'shop', 'deployment/shop-web', 'owner=ops']);
    await kubectlOk(c, ['patch', '-n', 'shop', 'cm/shop-config', '--type=merge', '-p', '{"data":{"extra":"kept"}}']);
    const before = await getJson<Deployment>(c, ['deploy', '-n', 'shop', 'shop-web']);

    // (The Secret is left out: a manifest with stringData is "configured" on every apply upstream,
    // since the live object only has data.)
    const out = await kubectlOk(c, ['apply', '-f', fixturePath('api-app-v2.yaml')]);
    const lines = out.trim().split('\n');
    for (const l of [
      'configmap/shop-config configured',
      'deployment.apps/shop-web configured',
      'widget.example.com/gadget configured',
      'service/shop-web unchanged',
    ])
      assert.ok(lines.includes(l), `missing "${l}":\n${out}`);

    const d = await getJson<Deployment>(c, ['deploy', '-n', 'shop', 'shop-web']);
    assert.equal(d.spec.replicas, 3);
    const [web, sidecar] = d.spec.template.spec.containers;
    assert.equal(web.name, 'web');
    const env = Object.fromEntries((web.env ?? []).map((e) => [e.name, e.value]));
    assert.deepEqual(env, { MODE: 'staging', REGION: 'eu', EXTRA: 'kept' }, 'DEBUG removed, REGION and EXTRA kept');
    assert.deepEqual(web.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(sidecar?.name, 'sidecar', 'the second container is kept (merge by name)');
    assert.equal(d.metadata.labels?.owner, 'ops', 'label added by kubectl label is kept');
    assert.ok((d.metadata.generation ?? 0) > (before.metadata.generation ?? 0), 'generation bumps on spec change');
    const la = JSON.parse(d.metadata.annotations?.[lastApplied] ?? '{}') as Deployment;
    assert.deepEqual(
      la.spec.template.spec.containers[0].env?.map((e) => e.name),
      ['MODE', 'REGION'],
      'last-applied holds the new manifest',
    );

    const cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'shop-config']);
    assert.deepEqual(cm.data, { color: 'green', extra: 'kept' }, '"size" dropped from the manifest is removed');
    const w = await getJson<Obj>(c, ['widget', '-n', 'shop', 'gadget']);
    assert.deepEqual(w.spec, { size: 5, color: 'red' }, 'custom resources get a JSON merge patch');

    // Applying the same file again writes nothing. (kubectl still PATCHes the deployment with only a
    // $setElementOrder/env, because the live env has EXTRA, and prints "configured", as upstream does.)
    // The deployment controller may write status meanwhile, so the check is on what apply would touch:
    // generation and the time of the client-side-apply manager's managedFields entry.
    const csaTime = async () => {
      const o = await getJson<Deployment>(c, ['deploy', '-n', 'shop', 'shop-web', '--show-managed-fields']);
      return o.metadata.managedFields?.find((m) => m.manager === 'kubectl-client-side-apply')?.time;
    };
    const timeBefore = await csaTime();
    assert.ok(timeBefore, 'kubectl-client-side-apply owns fields');
    // managedFields times have one-second resolution: let the clock pass that second first.
    await eventually('the next second', async () => (Date.now() >= Date.parse(timeBefore) + 1000 ? true : undefined));
    const again = await kubectlOk(c, ['apply', '-f', fixturePath('api-app-v2.yaml')]);
    for (const l of ['configmap/shop-config unchanged', 'widget.example.com/gadget unchanged'])
      assert.ok(again.split('\n').includes(l), `missing "${l}":\n${again}`);
    const d2 = await getJson<Deployment>(c, ['deploy', '-n', 'shop', 'shop-web']);
    assert.equal(await csaTime(), timeBefore, 'a no-op patch does not write');
    assert.equal(d2.metadata.generation, d.metadata.generation);
  });

  test('apply --dry-run=server reports the change and persists nothing', async () => {
    const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  namespace: shop
data:
  color: yellow
`;
    const rvBefore = (await getJson<Obj>(c, ['cm', '-n', 'shop', 'shop-config'])).metadata.resourceVersion;
    const out = await kubectlOk(c, ['apply', '--dry-run=server', '-f', '-', '-o', 'jsonpath={.data.color}'], {
      stdin: manifest,
    });
    assert.equal(out, 'yellow', 'the response is the would-be object');
    const cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'shop-config']);
    assert.equal(cm.data?.color, 'green');
    assert.equal(cm.metadata.resourceVersion, rvBefore);
    const created = await kubectlOk(c, ['apply', '--dry-run=server', '-f', '-'], {
      stdin: manifest.replace('name: shop-config', 'name: not-there'),
    });
    assert.equal(created.trim(), 'configmap/not-there created (server dry run)');
    await kubectlFails(c, ['get', 'cm', '-n', 'shop', 'not-there']);
  });

  test('apply --server-side: create, managedFields, conflict, --force-conflicts, field removal', async () => {
    const manifest = (data: Record<string, string>) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'shop' }, data });
    let out = await kubectlOk(c, ['apply', '--server-side', '-f', '-'], {
      stdin: manifest({ a: '1', b: '2', c: '3' }),
    });
    assert.equal(out.trim(), 'configmap/ssa serverside-applied');
    let cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'ssa', '--show-managed-fields']);
    assert.deepEqual(cm.data, { a: '1', b: '2', c: '3' });
    const mine = cm.metadata.managedFields?.find((m) => m.manager === 'kubectl');
    assert.equal(mine?.operation, 'Apply');
    assert.deepEqual(mine?.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {}, 'f:c': {} } });
    assert.equal(cm.metadata.annotations?.[lastApplied], undefined, 'SSA does not write last-applied on create');

    // Another manager changing an owned field conflicts.
    const conflictArgs = ['apply', '--server-side', '--field-manager=other', '-f', '-'];
    const r = await kubectlFails(c, conflictArgs, { stdin: manifest({ b: '20' }) });
    assert.match(
      r.stderr,
      /Apply failed with 1 conflict: conflict with "kubectl": \.data\.b/,
      describeRun(conflictArgs, r),
    );
    assert.equal((await getJson<Obj>(c, ['cm', '-n', 'shop', 'ssa'])).data?.b, '2');

    out = await kubectlOk(c, [...conflictArgs, '--force-conflicts'], { stdin: manifest({ b: '20' }) });
    assert.equal(out.trim(), 'configmap/ssa serverside-applied');
    cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'ssa', '--show-managed-fields']);
    assert.equal(cm.data?.b, '20');
    const byManager = Object.fromEntries((cm.metadata.managedFields ?? []).map((m) => [m.manager, m.fieldsV1]));
    assert.deepEqual(byManager.other, { 'f:data': { 'f:b': {} } });
    assert.deepEqual(byManager.kubectl, { 'f:data': { 'f:a': {}, 'f:c': {} } }, 'ownership of b moved');

    // Dropping a field this manager owns alone removes it; b now belongs to "other" and stays.
    await kubectlOk(c, ['apply', '--server-side', '-f', '-'], { stdin: manifest({ a: '1' }) });
    cm = await getJson<Obj>(c, ['cm', '-n', 'shop', 'ssa']);
    assert.deepEqual(cm.data, { a: '1', b: '20' });

    // Server-side dry run changes nothing.
    out = await kubectlOk(c, ['apply', '--server-side', '--dry-run=server', '-f', '-', '-o', 'jsonpath={.data.a}'], {
      stdin: manifest({ a: 'dry' }),
    });
    assert.equal(out, 'dry');
    assert.equal((await getJson<Obj>(c, ['cm', '-n', 'shop', 'ssa'])).data?.a, '1');
  });

  test('apply --server-side takes over objects created by client-side apply', async () => {
    const out = await kubectlOk(c, ['apply', '--server-side', '-f', fixturePath('api-app-v2.yaml')]);
    for (const l of ['deployment.apps/shop-web serverside-applied', 'widget.example.com/gadget serverside-applied'])
      assert.ok(out.split('\n').includes(l), out);
    const d = await getJson<Deployment>(c, ['deploy', '-n', 'shop', 'shop-web', '--show-managed-fields']);
    const managers = (d.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(managers.includes('kubectl/Apply'), managers.join(', '));
    assert.equal(d.spec.replicas, 3);
    const env = Object.fromEntries((d.spec.template.spec.containers[0].env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.MODE, 'staging');
  });

  test('kubectl diff: no output for an unchanged manifest, exactly the changed lines otherwise', async () => {
    const cm = (color: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: diffed
  namespace: shop
data:
  color: ${color}
  shape: round
`;
    await kubectlOk(c, ['apply', '-f', '-'], { stdin: cm('red') });
    const same = await c.kubectl(['diff', '-f', '-'], { stdin: cm('red') });
    assert.equal(same.code, 0, describeRun(['diff'], same));
    assert.equal(same.stdout, '');

    const changed = await c.kubectl(['diff', '-f', '-'], { stdin: cm('blue') });
    assert.equal(changed.code, 1, `kubectl diff exits 1 when there are differences\n${describeRun(['diff'], changed)}`);
    assert.deepEqual(changedLines(changed.stdout), ['-  color: red', '+  color: blue'], changed.stdout);
    assert.equal((await getJson<Obj>(c, ['cm', '-n', 'shop', 'diffed'])).data?.color, 'red', 'diff changes nothing');

    const fresh = await c.kubectl(['diff', '-f', '-'], { stdin: cm('red').replace('name: diffed', 'name: brand-new') });
    assert.equal(fresh.code, 1, describeRun(['diff'], fresh));
    assert.match(fresh.stdout, /^\+ {2}name: brand-new$/m);
    assert.ok(
      changedLines(fresh.stdout).every((l) => l.startsWith('+')),
      `a new object is all additions:\n${fresh.stdout}`,
    );
    await kubectlFails(c, ['get', 'cm', '-n', 'shop', 'brand-new']);
  });

  test('kubectl diff against an object created without apply shows only the real change', async () => {
    await kubectlOk(c, ['create', 'configmap', 'plain', '-n', 'shop', '--from-literal=color=red']);
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: shop\ndata:\n  color: blue\n';
    const r = await c.kubectl(['diff', '-f', '-'], { stdin: manifest });
    assert.equal(r.code, 1, describeRun(['diff'], r));
    // kubectl's patch carries "annotations": {}; a Go apiserver drops the empty map when it encodes ObjectMeta.
    assert.deepEqual(changedLines(r.stdout), ['-  color: red', '+  color: blue'], r.stdout);
  });

  test('kubectl diff --server-side', async () => {
    const manifest = (a: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ssa-diff', namespace: 'shop' },
        data: { a },
      });
    await kubectlOk(c, ['apply', '--server-side', '-f', '-'], { stdin: manifest('1') });
    const r = await c.kubectl(['diff', '--server-side', '-f', '-'], { stdin: manifest('2') });
    assert.equal(r.code, 1, describeRun(['diff', '--server-side'], r));
    assert.deepEqual(changedLines(r.stdout), ['-  a: "1"', '+  a: "2"'], r.stdout);
  });
});
