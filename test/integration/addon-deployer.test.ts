import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Event, Service } from 'kubernetes-types/core/v1.js';
import { ResourceClient, gvr, type KubeObject, type RestClient } from '../../src/client/index.js';
import { ManifestDeployer } from '../../src/addons/deployer/deployer.js';
import { recordLabel } from '../../src/addons/deployer/addon-record.js';
import { startAddons } from '../../src/cmd/addons.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

/**
 * Issue 11: the addon deployer against the real API server. Files dropped in
 * the manifests folder are applied (multi-document YAML, JSON Lists), edits
 * re-apply and prune, deleted objects come back at the resync, removed files
 * take their objects with them, a bad file is reported and does not stop the
 * others, `.skip` files are left alone; and `--disable coredns` removes the
 * DNS addon's objects.
 */
describe('addon deployer (real API server)', () => {
  let c: TestCluster;
  let rest: RestClient;
  let dir: string;
  let deployer: ManifestDeployer | undefined;

  before(async () => {
    c = await startTestCluster();
    rest = inProcessRest(
      c.cp.apiserver,
      { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
      'addon-deployer-test',
    );
    dir = mkdtempSync(join(tmpdir(), 'kbt-manifests-'));
  });
  after(async () => {
    await deployer?.dispose();
    await c?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (group: string, resource: string, ns?: string) =>
    new ResourceClient<KubeObject>(rest, gvr(group, 'v1', resource), ns);
  const exists = (group: string, resource: string, name: string, ns?: string) =>
    client(group, resource, ns)
      .get(name)
      .then(
        () => true,
        () => false,
      );
  const configMap = (name: string, ns = 'default') =>
    new ResourceClient<ConfigMap & KubeObject>(rest, gvr('', 'v1', 'configmaps'), ns).get(name);
  async function eventually(what: string, ok: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail(`timed out waiting for ${what}`);
  }
  const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
  const warnings = async (file: string) =>
    (await new ResourceClient<Event & KubeObject>(rest, gvr('', 'v1', 'events'), 'kube-system').list()).items.filter(
      (e) => e.involvedObject.name === `kubets-addon-${file}` && e.type === 'Warning',
    );

  test('apply, edit, resync, bad files, skip, removal', async () => {
    write(
      'app.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: demo}',
        'data: {color: blue}',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata: {name: demo-role, namespace: ignored-for-cluster-scoped}',
        'rules: []',
        '',
      ].join('\n'),
    );
    write(
      'list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'from-list', namespace: 'kube-system' } },
        ],
      }),
    );
    write('held.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n');
    write('held.yaml.skip', '');
    write('notes.txt', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\n');
    deployer = new ManifestDeployer({ rest, dir, source: 'test-deployer', pollMs: 25, resyncMs: 600 });
    const first = await deployer.start();
    assert.deepEqual(first.files, { 'app.yaml': 'applied', 'held.yaml': 'skipped', 'list.json': 'applied' });

    // Namespaced objects without a namespace land in default; field manager kubets-deploy, apply.
    const demo = await configMap('demo');
    assert.deepEqual(demo.data, { color: 'blue' });
    assert.ok(
      demo.metadata!.managedFields!.some((f) => f.manager === 'kubets-deploy' && f.operation === 'Apply'),
      JSON.stringify(demo.metadata!.managedFields),
    );
    assert.equal(await exists('rbac.authorization.k8s.io', 'clusterroles', 'demo-role'), true);
    assert.equal(await exists('', 'serviceaccounts', 'from-list', 'kube-system'), true);
    assert.equal(await exists('', 'configmaps', 'held', 'default'), false, '.skip');
    assert.equal(await exists('', 'configmaps', 'notes', 'default'), false, 'not a manifest name');
    const record = await configMap('kubets-addon-app.yaml', 'kube-system');
    assert.equal(record.metadata!.labels![recordLabel], 'true');
    assert.deepEqual(JSON.parse(record.data!.objects!), [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'demo', namespace: 'default' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'demo-role' },
    ]);

    // Edit: the ConfigMap changes, the ClusterRole is pruned, a new object appears.
    write(
      'app.yaml',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: demo}',
        'data: {color: green}',
        '---',
        'apiVersion: v1',
        'kind: ServiceAccount',
        'metadata: {name: demo-sa}',
        '',
      ].join('\n'),
    );
    await eventually('the edit applied', async () => (await configMap('demo')).data?.color === 'green');
    await eventually(
      'the ClusterRole pruned',
      async () => !(await exists('rbac.authorization.k8s.io', 'clusterroles', 'demo-role')),
    );
    assert.equal(await exists('', 'serviceaccounts', 'demo-sa', 'default'), true);

    // A deleted object comes back at the next resync.
    await client('', 'configmaps', 'default').delete('demo');
    assert.equal(await exists('', 'configmaps', 'demo', 'default'), false);
    await eventually('demo re-created', () => exists('', 'configmaps', 'demo', 'default'));

    // Bad files: reported once as Warning events; later files are still applied.
    write('bad.yaml', 'apiVersion: v1\nkind: [oops\n');
    write('broken.yaml', 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    write('later.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later, namespace: kube-system}\n');
    await eventually('later.yaml applied', () => exists('', 'configmaps', 'later', 'kube-system'));
    await eventually('events for the bad files', async () => (await warnings('broken.yaml')).length > 0);
    const bad = await warnings('bad.yaml');
    assert.equal(bad.length, 1);
    assert.equal(bad[0]!.reason, 'ApplyManifestFailed');
    assert.match(bad[0]!.message!, /^parsing bad\.yaml failed: bad\.yaml: error converting YAML to JSON/);
    const broken = await warnings('broken.yaml');
    assert.equal(broken[0]!.reason, 'ApplyManifestFailed');
    assert.match(broken[0]!.message!, /no matches for kind "Widget" in version "example\.com\/v1"/);
    // Retried every pass, reported once.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await warnings('broken.yaml')).length, 1);
    assert.equal((await warnings('bad.yaml')).length, 1);

    // Removing a file deletes its objects and its record; other files' objects stay.
    unlinkSync(join(dir, 'app.yaml'));
    await eventually('app.yaml objects deleted', async () => !(await exists('', 'configmaps', 'demo', 'default')));
    await eventually('demo-sa deleted', async () => !(await exists('', 'serviceaccounts', 'demo-sa', 'default')));
    await eventually(
      'record deleted',
      async () => !(await exists('', 'configmaps', 'kubets-addon-app.yaml', 'kube-system')),
    );
    assert.equal(await exists('', 'serviceaccounts', 'from-list', 'kube-system'), true);
    assert.equal(await exists('', 'configmaps', 'later', 'kube-system'), true);

    // Removing the .skip marker lets the file apply.
    unlinkSync(join(dir, 'held.yaml.skip'));
    await eventually('held.yaml applied', () => exists('', 'configmaps', 'held', 'default'));
    await deployer.dispose();
    deployer = undefined;
  });

  test('--disable coredns removes the DNS addon objects', async () => {
    const dnsObjects = async () =>
      [
        await exists('', 'serviceaccounts', 'coredns', 'kube-system'),
        await exists('rbac.authorization.k8s.io', 'clusterroles', 'system:coredns'),
        await exists('rbac.authorization.k8s.io', 'clusterrolebindings', 'system:coredns'),
        await exists('', 'services', 'kube-dns', 'kube-system'),
      ].join(',');
    const options = {
      // Loopback: the in-process DNS server does not start; its manifest is still deployed.
      listenIP: '127.0.0.1',
      nodeName: 'server-1',
      clusterDNS: '10.43.0.10',
      clusterDomain: 'cluster.local',
      dnsPort: 1053,
      deployer: { pollMs: 25 },
    };
    const enabled = await startAddons(c.cp, { ...options, disabled: new Set() }, () => undefined);
    try {
      assert.equal(enabled.manifestsDir, join(c.dir, 'server', 'manifests'));
      assert.equal(enabled.firstPass.files['coredns.yaml'], 'applied');
      assert.equal(await dnsObjects(), 'true,true,true,true');
      const svc = (await client('', 'services', 'kube-system').get('kube-dns')) as Service & KubeObject;
      assert.equal(svc.spec!.clusterIP, '10.43.0.10');
      assert.deepEqual(
        svc.spec!.ports!.map((p) => `${p.name}:${p.port}->${p.targetPort}`),
        ['dns:53->1053', 'dns-tcp:53->1053', 'metrics:9153->9153'],
      );
    } finally {
      await enabled.dispose();
    }
    const disabled = await startAddons(c.cp, { ...options, disabled: new Set(['coredns']) }, () => undefined);
    try {
      assert.equal(disabled.firstPass.files['coredns.yaml'], 'removed');
      assert.equal(existsSync(join(disabled.manifestsDir, 'coredns.yaml')), false);
      assert.equal(await dnsObjects(), 'false,false,false,false');
    } finally {
      await disabled.dispose();
    }
  });
});
