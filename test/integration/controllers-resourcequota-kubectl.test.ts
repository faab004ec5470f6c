import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceQuota, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { gvr, type ResourceClient, typed } from '../../src/client/index.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { adminRest, eventually } from '../harness/sim.js';

describe('resourcequota controller', () => {
  let c: TestCluster;
  let quotas: ResourceClient<ResourceQuota>;

  before(async () => {
    c = await startTestCluster({ controllers: ['serviceaccount', 'resourcequota'] });
    const rest = adminRest(c);
    quotas = typed<ResourceQuota>(rest, gvr('', 'v1', 'resourcequotas'), 'default');
    // ServiceAccount admission needs the namespace's default ServiceAccount before pods can be created.
    const sas = typed<ServiceAccount>(rest, gvr('', 'v1', 'serviceaccounts'), 'default');
    await eventually(() => sas.get('default').catch(() => undefined), 'the default ServiceAccount');
  });
  after(async () => {
    await c?.dispose();
  });

  const run = (args: string[]) => c.kubectl(args, { timeoutMs: 60_000 });
  async function kubectl(...args: string[]): Promise<string> {
    const r = await run(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const used = async (name: string) => (await quotas.get(name)).status?.used;

  test('kubectl create quota --hard=pods=2: the third pod is refused until a deletion frees the slot', async () => {
    await kubectl('create', 'quota', 'q', '--hard=pods=2');
    const synced = await eventually(async () => {
      const q = await quotas.get('q');
      return q.status?.used ? q : undefined;
    }, 'the quota status');
    assert.deepEqual(synced.status, { hard: { pods: '2' }, used: { pods: '0' } });

    await kubectl('run', 'p1', '--image=busybox', '--restart=Never');
    await kubectl('run', 'p2', '--image=busybox', '--restart=Never');
    // Admission charged both creations.
    assert.deepEqual(await used('q'), { pods: '2' });
    const refused = await run(['run', 'p3', '--image=busybox', '--restart=Never']);
    assert.notEqual(refused.code, 0);
    assert.equal(
      refused.stderr.trim(),
      'Error from server (Forbidden): pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
    );

    await kubectl('delete', 'pod', 'p1');
    await eventually(async () => (await used('q'))?.pods === '1', 'the controller to give back the deleted pod');
    await kubectl('run', 'p3', '--image=busybox', '--restart=Never');
    assert.deepEqual(await used('q'), { pods: '2' });
    const table = await kubectl('get', 'quota', 'q', '--no-headers');
    assert.match(table, /^q\s+\S+\s+pods: 2\/2\s*$/m);
  });

  test('compute and object-count quotas are recounted from the namespace contents', async () => {
    await kubectl('create', 'namespace', 'counted');
    const sas = typed<ServiceAccount>(adminRest(c), gvr('', 'v1', 'serviceaccounts'), 'counted');
    await eventually(() => sas.get('default').catch(() => undefined), 'the default ServiceAccount in counted');
    await kubectl('-n', 'counted', 'create', 'configmap', 'a', '--from-literal=k=v');
    await kubectl('-n', 'counted', 'create', 'deployment', 'd', '--image=busybox', '--replicas=0');
    await kubectl(
      '-n',
      'counted',
      'create',
      'quota',
      'mixed',
      '--hard=count/configmaps=5,configmaps=5,count/deployments.apps=3,requests.cpu=1,limits.memory=1Gi',
    );
    const inCounted = typed<ResourceQuota>(adminRest(c), gvr('', 'v1', 'resourcequotas'), 'counted');
    // kube-root-ca.crt is not published here (that controller is off): only the one ConfigMap counts.
    const q = await eventually(async () => {
      const x = await inCounted.get('mixed');
      return x.status?.used ? x : undefined;
    }, 'the mixed quota status');
    assert.deepEqual(q.status?.used, {
      configmaps: '1',
      'count/configmaps': '1',
      'count/deployments.apps': '1',
      'limits.memory': '0',
      'requests.cpu': '0',
    });
    // A pod without the required requests/limits is refused by admission with upstream's message.
    const r = await run(['-n', 'counted', 'run', 'nolimits', '--image=busybox', '--restart=Never']);
    assert.match(
      r.stderr,
      /pods "nolimits" is forbidden: failed quota: mixed: must specify limits\.memory for: nolimits; requests\.cpu for: nolimits/,
    );
    await kubectl('-n', 'counted', 'delete', 'configmap', 'a');
    await eventually(
      async () => (await inCounted.get('mixed')).status?.used?.configmaps === '0',
      'the deleted ConfigMap to be given back',
    );
  });
});
