import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type RunResult, type TestCluster } from '../harness/control-plane.js';
import { eventually, getJson, kubectlOk } from './api-helpers.js';

/**
 * Acceptance: helm v3 against kubets with a chart made by `helm create`:
 * install, upgrade (a changed value), rollback, uninstall, with `helm list` /
 * `helm history` / `helm get values` and the chart's objects checked through
 * kubectl. No `--wait`: nothing runs pods yet.
 */

/** Free-form API objects read back in assertions (their shape is what is under test). */
type Json = Record<string, any>;

interface Release {
  name: string;
  namespace: string;
  revision: string;
  status: string;
  chart: string;
  app_version: string;
}
interface HistoryEntry {
  revision: number;
  status: string;
  chart: string;
  description: string;
}

const ns = 'charts';
const release = 'demo';
const selector = `app.kubernetes.io/instance=${release}`;

describe('helm install, upgrade, rollback, uninstall', () => {
  let c: TestCluster;
  let chart: string;
  const helm = async (args: string[]): Promise<string> => {
    const r: RunResult = await c.helm(args, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `helm ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  };
  const list = async (...extra: string[]) =>
    JSON.parse(await helm(['list', '-n', ns, '-o', 'json', ...extra])) as Release[];
  const history = async () => JSON.parse(await helm(['history', release, '-n', ns, '-o', 'json'])) as HistoryEntry[];
  const deployment = () => getJson<Json>(c, ['deployment', `${release}-mychart`, '-n', ns]);

  before(async () => {
    c = await startTestCluster();
    await kubectlOk(c, ['create', 'namespace', ns]);
    const r = await c.helm(['create', join(c.dir, 'mychart')]);
    assert.equal(r.code, 0, r.stderr);
    chart = join(c.dir, 'mychart');
  });
  after(async () => {
    await c?.dispose();
  });

  test('helm install creates the release and the chart objects', async () => {
    const out = await helm(['install', release, chart, '-n', ns]);
    assert.match(out, /^NAME: demo$/m);
    assert.match(out, /^STATUS: deployed$/m);
    assert.match(out, /^REVISION: 1$/m);
    const releases = await list();
    assert.deepEqual(
      releases.map((r) => [r.name, r.namespace, r.revision, r.status, r.chart, r.app_version]),
      [[release, ns, '1', 'deployed', 'mychart-0.1.0', '1.16.0']],
    );
    const names = (
      await kubectlOk(c, ['get', 'deployment,service,serviceaccount', '-n', ns, '-l', selector, '-o', 'name'])
    )
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(names, ['deployment.apps/demo-mychart', 'service/demo-mychart', 'serviceaccount/demo-mychart']);
    const d = await deployment();
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.16.0');
    assert.equal(d.metadata.annotations['meta.helm.sh/release-name'], release);
    assert.equal(d.metadata.labels['app.kubernetes.io/managed-by'], 'Helm');
    // helm keeps its release record in a Secret of type helm.sh/release.v1.
    const secrets = await getJson<{ items: Json[] }>(c, ['secrets', '-n', ns, '-l', 'owner=helm']);
    assert.deepEqual(
      secrets.items.map((s) => [s.metadata.name, s.type, s.metadata.labels.status]),
      [['sh.helm.release.v1.demo.v1', 'helm.sh/release.v1', 'deployed']],
    );
    const svc = await getJson<Json>(c, ['service', `${release}-mychart`, '-n', ns]);
    assert.deepEqual(
      svc.spec.ports.map((p: Json) => [p.name, p.port, p.targetPort]),
      [['http', 80, 'http']],
    );
  });

  test('helm upgrade with a changed value updates the objects', async () => {
    const out = await helm(['upgrade', release, chart, '-n', ns, '--set', 'replicaCount=3', '--set', 'image.tag=1.27']);
    assert.match(out, /Release "demo" has been upgraded\. Happy Helming!/);
    assert.match(out, /^REVISION: 2$/m);
    const d = await deployment();
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.deepEqual(JSON.parse(await helm(['get', 'values', release, '-n', ns, '-o', 'json'])), {
      replicaCount: 3,
      image: { tag: '1.27' },
    });
    assert.deepEqual(
      (await history()).map((h) => [h.revision, h.status, h.description]),
      [
        [1, 'superseded', 'Install complete'],
        [2, 'deployed', 'Upgrade complete'],
      ],
    );
  });

  test('helm rollback restores the first revision', async () => {
    assert.match(await helm(['rollback', release, '1', '-n', ns]), /Rollback was a success! Happy Helming!/);
    const d = await deployment();
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.16.0');
    assert.deepEqual(
      (await history()).map((h) => [h.revision, h.status, h.description]),
      [
        [1, 'superseded', 'Install complete'],
        [2, 'superseded', 'Upgrade complete'],
        [3, 'deployed', 'Rollback to 1'],
      ],
    );
    assert.equal((await list())[0]?.revision, '3');
    const status = await helm(['status', release, '-n', ns]);
    assert.match(status, /^STATUS: deployed$/m);
  });

  test('helm template | kubectl apply --dry-run=server accepts every rendered object', async () => {
    const rendered = await helm(['template', 'preview', chart, '-n', ns]);
    const out = await kubectlOk(c, ['apply', '--dry-run=server', '-n', ns, '-f', '-'], { stdin: rendered });
    for (const kind of ['serviceaccount/preview-mychart', 'service/preview-mychart', 'deployment.apps/preview-mychart'])
      assert.match(out, new RegExp(`^${kind.replace('.', '\\.')} created \\(server dry run\\)$`, 'm'));
  });

  test('helm uninstall removes the release and its objects', async () => {
    assert.match(await helm(['uninstall', release, '-n', ns]), /release "demo" uninstalled/);
    assert.deepEqual(await list('-a'), []);
    // Background deletion: the objects themselves are removed at once.
    await eventually('the chart objects to be gone', async () => {
      const left = await kubectlOk(c, [
        'get',
        'deployment,service,serviceaccount,secrets',
        '-n',
        ns,
        '-l',
        selector,
        '-o',
        'name',
      ]);
      return left.trim() === '' ? true : undefined;
    });
    assert.equal(await kubectlOk(c, ['get', 'secrets', '-n', ns, '-l', 'owner=helm', '-o', 'name']), '');
  });
});
