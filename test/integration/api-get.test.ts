import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import {
  KubectlProcess,
  kubectlFails,
  kubectlOk,
  rootCAConfigMap,
  runPod,
  tableHeader,
  tableRows,
} from './api-helpers.js';

/**
 * Acceptance: `kubectl get` in every output format, with label and field
 * selectors, across namespaces, chunked, and `get -w` seeing changes live.
 */

interface Item {
  kind?: string;
  apiVersion?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}
interface List {
  kind: string;
  apiVersion: string;
  items: Item[];
}

const ns = 'gets';

describe('kubectl get: output formats, selectors and watch', () => {
  let c: TestCluster;
  const ok = (args: string[]) => kubectlOk(c, args);
  const names = async (args: string[]) =>
    (await ok(['get', ...args, '-o', 'name']))
      .split('\n')
      .filter((l) => l !== '' && l !== `configmap/${rootCAConfigMap}`)
      .sort();

  before(async () => {
    c = await startTestCluster();
    await ok(['create', 'namespace', ns]);
    await ok(['create', 'namespace', 'other']);
    const manifests = [
      { name: 'alpha', labels: { app: 'web', tier: 'frontend' }, data: { k: 'v1' } },
      { name: 'beta', labels: { app: 'web', tier: 'backend' }, data: { k: 'v2', extra: 'x' } },
      { name: 'gamma', labels: { app: 'db' }, data: {} },
    ].map((m) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: m.name, labels: m.labels }, data: m.data }));
    await kubectlOk(c, ['apply', '-n', ns, '-f', '-'], { stdin: manifests.map((m) => JSON.stringify(m)).join('\n') });
    await ok(['create', 'configmap', 'elsewhere', '-n', 'other', '--from-literal=a=b']);
    await ok(['label', 'configmap', 'elsewhere', '-n', 'other', 'app=web']);
    await ok(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.27', '--replicas=2']);
    await ok(['create', 'service', 'clusterip', 'web', '-n', ns, '--tcp=80:8080']);
    // `solo` tells this pod from the ones the deployment's ReplicaSet creates.
    await runPod(c, 'pod-a', ns, ['--labels=app=web,solo=yes']);
    await ok(['create', 'secret', 'generic', 'opaque', '-n', ns, '--from-literal=a=b']);
    await ok([
      'create',
      'secret',
      'docker-registry',
      'pull',
      '-n',
      ns,
      '--docker-server=r.example',
      '--docker-username=u',
      '--docker-password=p',
    ]);
  });
  after(async () => {
    await c?.dispose();
  });

  test('default table output', async () => {
    const out = await ok(['get', 'configmaps', '-n', ns, '-l', 'app']);
    assert.deepEqual(tableHeader(out), ['NAME', 'DATA', 'AGE']);
    const rows = tableRows(out).map((r) => r.slice(0, 2));
    assert.deepEqual(rows, [
      ['alpha', '1'],
      ['beta', '2'],
      ['gamma', '0'],
    ]);
    const pods = await ok(['get', 'pods', '-n', ns]);
    assert.deepEqual(tableHeader(pods), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.match(pods, /^pod-a\s+0\/1\s+Pending\s+0\s+\S+$/m);
    const svc = await ok(['get', 'svc', 'web', '-n', ns]);
    assert.match(svc, /^web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+$/m);
    const secrets = await ok(['get', 'secrets', '-n', ns]);
    assert.match(secrets, /^opaque\s+Opaque\s+1\s+\S+$/m);
    assert.match(secrets, /^pull\s+kubernetes\.io\/dockerconfigjson\s+1\s+\S+$/m);
    const empty = await c.kubectl(['get', 'configmaps', '-n', 'other', '-l', 'app=none']);
    assert.equal(empty.code, 0);
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /^No resources found in other namespace\.$/m);
  });

  test('-o wide shows the priority-1 columns', async () => {
    const d = await ok(['get', 'deploy', 'web', '-n', ns, '-o', 'wide']);
    assert.deepEqual(tableHeader(d), [
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    // READY/UP-TO-DATE/AVAILABLE come from the deployment controller; the desired count is the spec's.
    assert.match(d, /^web\s+\d+\/2\s+\d+\s+\d+\s+\S+\s+nginx\s+nginx:1\.27\s+app=web$/m);
    const p = await ok(['get', 'pod', 'pod-a', '-n', ns, '-o', 'wide']);
    assert.deepEqual(tableHeader(p), [
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    assert.match(p, /^pod-a\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/m);
    const s = await ok(['get', 'svc', 'web', '-n', ns, '-o', 'wide']);
    assert.match(s, /^web\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\S+\s+app=web$/m);
  });

  test('-o yaml and -o json (single objects and lists)', async () => {
    const one = parseYaml(await ok(['get', 'cm', 'beta', '-n', ns, '-o', 'yaml'])) as Item & {
      metadata: { uid: string; resourceVersion: string; creationTimestamp: string };
    };
    assert.equal(one.kind, 'ConfigMap');
    assert.equal(one.apiVersion, 'v1');
    assert.deepEqual(one.data, { k: 'v2', extra: 'x' });
    assert.equal(one.metadata.namespace, ns);
    assert.match(one.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(one.metadata.resourceVersion, /^\d+$/);
    assert.match(one.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const list = parseYaml(await ok(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'yaml'])) as List;
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(
      list.items.map((i) => [i.kind, i.apiVersion, i.metadata.name]),
      [
        ['ConfigMap', 'v1', 'alpha'],
        ['ConfigMap', 'v1', 'beta'],
        ['ConfigMap', 'v1', 'gamma'],
      ],
    );
    const json = JSON.parse(await ok(['get', 'cm,deploy', '-n', ns, '-l', 'app', '-o', 'json'])) as List;
    assert.equal(json.kind, 'List');
    assert.deepEqual(
      json.items.map((i) => `${i.apiVersion}/${i.kind}/${i.metadata.name}`),
      ['v1/ConfigMap/alpha', 'v1/ConfigMap/beta', 'v1/ConfigMap/gamma', 'apps/v1/Deployment/web'],
    );
  });

  test('-o jsonpath, custom-columns and name', async () => {
    assert.equal(
      await ok(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'jsonpath={.items[*].metadata.name}']),
      'alpha beta gamma',
    );
    assert.equal(
      await ok([
        'get',
        'cm',
        '-n',
        ns,
        '-l',
        'app',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.data.k}{"\\n"}{end}',
      ]),
      'alpha=v1\nbeta=v2\ngamma=\n',
    );
    assert.equal(
      await ok(['get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']),
      'nginx:1.27',
    );
    const cols = await ok([
      'get',
      'cm',
      '-n',
      ns,
      '-l',
      'app',
      '-o',
      'custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,K:.data.k',
    ]);
    assert.deepEqual(tableHeader(cols), ['NAME', 'TIER', 'K']);
    assert.deepEqual(tableRows(cols), [
      ['alpha', 'frontend', 'v1'],
      ['beta', 'backend', 'v2'],
      ['gamma', '<none>', '<none>'],
    ]);
    const noHeaders = await ok([
      'get',
      'cm',
      '-n',
      ns,
      '-l',
      'app',
      '--no-headers',
      '-o',
      'custom-columns=N:.metadata.name',
    ]);
    assert.equal(noHeaders, 'alpha\nbeta\ngamma\n');
    assert.deepEqual(await names(['cm', '-n', ns]), ['configmap/alpha', 'configmap/beta', 'configmap/gamma']);
    assert.deepEqual(await names(['deploy,svc', '-n', ns]), ['deployment.apps/web', 'service/web']);
  });

  test('label selectors (-l): equality, inequality, set-based, existence', async () => {
    const cases: [string, string[]][] = [
      ['app=web', ['alpha', 'beta']],
      ['app==web', ['alpha', 'beta']],
      ['app!=web', ['gamma']],
      ['app=web,tier=backend', ['beta']],
      ['tier in (frontend,backend)', ['alpha', 'beta']],
      ['tier notin (frontend)', ['beta', 'gamma']],
      ['tier', ['alpha', 'beta']],
      ['!tier', ['gamma']],
      ['app=nothing', []],
    ];
    for (const [sel, want] of cases) {
      assert.deepEqual(
        await names(['cm', '-n', ns, '-l', sel]),
        want.map((n) => `configmap/${n}`),
        `-l '${sel}'`,
      );
    }
    const bad = await kubectlFails(c, ['get', 'cm', '-n', ns, '-l', 'a in (']);
    assert.match(bad.stderr, /unable to parse requirement|found '', expected/);
  });

  test('field selectors (--field-selector)', async () => {
    assert.deepEqual(await names(['cm', '-n', ns, '--field-selector', 'metadata.name=beta']), ['configmap/beta']);
    assert.deepEqual(await names(['cm', '-n', ns, '--field-selector', 'metadata.name!=beta']), [
      'configmap/alpha',
      'configmap/gamma',
    ]);
    assert.deepEqual(await names(['cm', '-A', '-l', 'app=web', '--field-selector', 'metadata.namespace=other']), [
      'configmap/elsewhere',
    ]);
    assert.deepEqual(await names(['cm', '-n', ns, '-l', 'app=web', '--field-selector', 'metadata.name!=alpha']), [
      'configmap/beta',
    ]);
    assert.deepEqual(await names(['pods', '-n', ns, '-l', 'solo', '--field-selector', 'status.phase=Pending']), [
      'pod/pod-a',
    ]);
    assert.deepEqual(await names(['pods', '-n', ns, '-l', 'solo', '--field-selector', 'status.phase=Running']), []);
    assert.deepEqual(await names(['pods', '-n', ns, '-l', 'solo', '--field-selector', 'spec.nodeName=']), [
      'pod/pod-a',
    ]);
    assert.deepEqual(await names(['secrets', '-n', ns, '--field-selector', 'type=kubernetes.io/dockerconfigjson']), [
      'secret/pull',
    ]);
    const bad = await kubectlFails(c, ['get', 'cm', '-n', ns, '--field-selector', 'data.k=v1']);
    assert.match(bad.stderr, /Error from server \(BadRequest\)/);
    assert.match(bad.stderr, /"data\.k" is not a known field selector: only "metadata\.name", "metadata\.namespace"/);
    const badPod = await kubectlFails(c, ['get', 'pods', '-n', ns, '--field-selector', 'spec.bogus=x']);
    assert.match(badPod.stderr, /field label not supported: spec\.bogus/);
  });

  test('-A, --show-labels, -L, --sort-by and --chunk-size', async () => {
    const all = await ok(['get', 'cm', '-A', '-l', 'app=web']);
    assert.deepEqual(tableHeader(all), ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      tableRows(all).map((r) => r.slice(0, 2)),
      [
        [ns, 'alpha'],
        [ns, 'beta'],
        ['other', 'elsewhere'],
      ],
    );
    const labels = await ok(['get', 'cm', 'alpha', '-n', ns, '--show-labels']);
    assert.match(labels, /^alpha\s+1\s+\S+\s+app=web,tier=frontend$/m);
    const col = await ok(['get', 'cm', '-n', ns, '-l', 'app', '-L', 'tier']);
    assert.deepEqual(tableHeader(col), ['NAME', 'DATA', 'AGE', 'TIER']);
    assert.match(col, /^gamma\s+0\s+\S+\s*$/m);
    const sorted = await ok(['get', 'cm', '-n', ns, '-l', 'app', '--sort-by=.data.k', '-o', 'name']);
    assert.equal(sorted, 'configmap/gamma\nconfigmap/alpha\nconfigmap/beta\n');
    const chunked = await ok(['get', 'cm', '-n', ns, '-l', 'app', '--chunk-size=1']);
    assert.deepEqual(tableHeader(chunked), ['NAME', 'DATA', 'AGE']);
    assert.deepEqual(
      tableRows(chunked).map((r) => r[0]),
      ['alpha', 'beta', 'gamma'],
    );
    const chunkedJson = JSON.parse(
      await ok(['get', 'cm', '-n', ns, '-l', 'app', '--chunk-size=2', '-o', 'json']),
    ) as List;
    assert.equal(chunkedJson.items.length, 3);
  });

  test('get -w prints the list, then every change', async () => {
    await ok(['create', 'namespace', 'watched']);
    await ok(['create', 'configmap', 'w0', '-n', 'watched']);
    const w = new KubectlProcess(c, ['get', 'configmaps', '-n', 'watched', '-w']);
    const ev = new KubectlProcess(c, ['get', 'configmaps', '-n', 'watched', '-w', '--output-watch-events']);
    const sel = new KubectlProcess(c, ['get', 'configmaps', '-n', 'watched', '-w', '-l', 'watch=me', '-o', 'name']);
    try {
      await w.waitForOutput('the initial list', (o) => /^w0\s+0\s+\S+$/m.test(o));
      await ev.waitForOutput('the initial ADDED', (o) => /^ADDED\s+w0\s+0\s+\S+$/m.test(o));
      // The -l watch has nothing to list; give it its first match before going on.
      await ok(['create', 'configmap', 'w-first', '-n', 'watched']);
      await ok(['label', 'configmap', 'w-first', '-n', 'watched', 'watch=me']);
      await sel.waitForOutput('the selected object', (o) => o.includes('configmap/w-first'));

      await ok(['create', 'configmap', 'w1', '-n', 'watched', '--from-literal=a=1']);
      await ok(['patch', 'configmap', 'w1', '-n', 'watched', '--type=merge', '-p', '{"data":{"b":"2"}}']);
      await ok(['delete', 'configmap', 'w1', '-n', 'watched']);
      await ok(['create', 'configmap', 'w2', '-n', 'watched', '--from-literal=x=y']);
      await ok(['label', 'configmap', 'w2', '-n', 'watched', 'watch=me']);

      await w.waitForOutput('w1 added, modified, deleted and w2', (o) => /^w2\s+1\s+\S+$/m.test(o));
      const lines = w.stdout.split('\n').filter((l) => /^w1\s/.test(l));
      assert.deepEqual(
        lines.map((l) => l.split(/\s+/)[1]),
        ['1', '2', '2'],
        `w1 seen as ADDED (1 key), MODIFIED (2 keys), DELETED:\n${w.stdout}`,
      );
      await ev.waitForOutput('the DELETED event', (o) => /^DELETED\s+w1\s/m.test(o));
      await ev.waitForOutput('w2', (o) => /^ADDED\s+w2\s/m.test(o));
      assert.deepEqual(
        ev.stdout
          .split('\n')
          .filter((l) => /^\w+\s+w1\s/.test(l))
          .map((l) => l.split(/\s+/)[0]),
        ['ADDED', 'MODIFIED', 'DELETED'],
        ev.stdout,
      );
      assert.deepEqual(tableHeader(ev.stdout), ['EVENT', 'NAME', 'DATA', 'AGE']);
      await sel.waitForOutput('w2 once it matches the selector', (o) => o.includes('configmap/w2'));
      assert.ok(!sel.stdout.includes('configmap/w1'), `w1 never matched the selector:\n${sel.stdout}`);
      assert.ok(!sel.stdout.includes('configmap/w0'), sel.stdout);
      for (const p of [w, ev, sel]) assert.ok(p.running, `get -w keeps watching: ${p.args.join(' ')}\n${p.stderr}`);
    } finally {
      await Promise.all([w.stop(), ev.stop(), sel.stop()]);
    }
  });

  test('get NAME -w follows one object', async () => {
    await ok(['create', 'configmap', 'single', '-n', 'watched', '--from-literal=a=1']);
    const w = new KubectlProcess(c, [
      'get',
      'configmap',
      'single',
      '-n',
      'watched',
      '-w',
      '-o',
      'jsonpath={.data}{"\\n"}',
    ]);
    try {
      await w.waitForOutput('the current object', (o) => o.includes('{"a":"1"}'));
      await ok(['create', 'configmap', 'unrelated', '-n', 'watched']);
      await ok(['patch', 'configmap', 'single', '-n', 'watched', '--type=merge', '-p', '{"data":{"a":"2"}}']);
      await w.waitForOutput('the modification', (o) => o.includes('{"a":"2"}'));
      assert.deepEqual(w.stdout.trim().split('\n'), ['{"a":"1"}', '{"a":"2"}'], 'only this object is printed');
    } finally {
      await w.stop();
    }
  });
});
