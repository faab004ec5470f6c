import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { componentUsers, inProcessRest, serviceAccountUser } from '../../src/cmd/in-process.js';
import { ResourceClient, type KubeObject, type RestClient } from '../../src/client/index.js';
import {
  startControllerManager,
  type RunningControllerManager,
} from '../../src/control-plane/controller-manager/controller-manager.js';
import { allControllers } from '../../src/control-plane/controller-manager/registry.js';
import {
  PodGCController,
  podGCController,
} from '../../src/control-plane/controller-manager/controllers/pod-gc/pod-gc-controller.js';
import { isNotFound } from '../../src/api/errors/status-error.js';

async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const gvr = (group: string, resource: string) => ({ group, version: 'v1', resource });
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * Pod GC (with a 300 ms period and 1 s quarantine instead of 20 s / 40 s),
 * the token cleaner and ClusterRole aggregation against the real API, each
 * writing as its own ServiceAccount under RBAC.
 */
describe('pod GC, token cleaner and ClusterRole aggregation controllers', () => {
  let c: TestCluster;
  let rest: RestClient;
  let cm: RunningControllerManager;
  let pods: ResourceClient<Pod & KubeObject>;

  before(async () => {
    c = await startTestCluster({ controllers: [] });
    const api = c.cp.apiserver;
    const fastPodGC = {
      ...podGCController,
      start: (ctx: Parameters<typeof podGCController.start>[0]) =>
        new PodGCController(ctx, { gcCheckPeriodMs: 300, quarantineMs: 1000 }).start(),
    };
    cm = await startControllerManager({
      rest: inProcessRest(api, componentUsers.controllerManager, 'kube-controller-manager'),
      restFor: (sa) => inProcessRest(api, serviceAccountUser(sa), 'kube-controller-manager'),
      controllers: [...allControllers().filter((d) => d.name !== 'pod-gc'), fastPodGC],
      enabled: ['pod-gc', 'token-cleaner', 'clusterrole-aggregation', 'serviceaccount'],
      config: { terminatedPodGCThreshold: 2 },
    });
    rest = inProcessRest(api, { username: 'test-admin', groups: ['system:masters'] }, 'test');
    pods = new ResourceClient(rest, gvr('', 'pods'), 'default');
    await eventually(
      () => new ResourceClient(rest, gvr('', 'serviceaccounts'), 'default').get('default').then(Boolean),
      'the default ServiceAccount',
    );
    await new ResourceClient(rest, gvr('', 'nodes')).create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'real' },
    } as never);
  });
  after(async () => {
    await cm?.stop();
    await c?.dispose();
  });

  const exists = (name: string) =>
    pods.get(name).then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );

  async function pod(name: string, node: string, phase: string) {
    await pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: node, automountServiceAccountToken: false, containers: [{ name: 'app', image: 'busybox' }] },
    } as never);
    const p = await pods.get(name);
    await pods.updateStatus({ ...p, status: { ...p.status, phase } } as never);
  }

  test('terminated pods beyond the threshold are deleted oldest first; orphans of missing nodes go', async () => {
    await pod('done-0', 'real', 'Succeeded');
    await pod('done-1', 'real', 'Failed');
    await pod('done-2', 'real', 'Succeeded');
    await pod('done-3', 'real', 'Succeeded');
    await pod('running', 'real', 'Running');
    await pod('orphan', 'ghost', 'Running');
    await eventually(
      async () => !(await exists('done-0')) && !(await exists('done-1')),
      'the two oldest terminated pods to go',
    );
    assert.equal(await exists('done-2'), true);
    assert.equal(await exists('done-3'), true);
    await eventually(async () => !(await exists('orphan')), 'the pod on a missing node to go');
    assert.equal(await exists('running'), true);
  });

  test('expired bootstrap token secrets are deleted when they expire', async () => {
    const secrets = new ResourceClient<Secret & KubeObject>(rest, gvr('', 'secrets'), 'kube-system');
    const token = (id: string, expiration?: string) =>
      secrets.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `bootstrap-token-${id}` },
        type: 'bootstrap.kubernetes.io/token',
        data: {
          'token-id': b64(id),
          'token-secret': b64('0123456789abcdef'),
          ...(expiration ? { expiration: b64(expiration) } : {}),
        },
      } as never);
    const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await token('abc001', iso(Date.now() - 60_000));
    await token('abc002', iso(Date.now() + 2_000));
    await token('abc003');
    const gone = (id: string) =>
      secrets.get(`bootstrap-token-${id}`).then(
        () => false,
        (err) => isNotFound(err),
      );
    await eventually(() => gone('abc001'), 'the expired token to be deleted');
    assert.equal(await gone('abc002'), false, 'a token is kept until it expires');
    await eventually(() => gone('abc002'), 'the token to be deleted once expired', 15_000);
    assert.equal(await gone('abc003'), false, 'tokens without expiration are kept');
  });

  test('an aggregated ClusterRole carries the union of the rules of the roles it selects', async () => {
    const label = 'rbac.example.com/aggregate-to-monitoring';
    const apply = async (obj: unknown) => {
      const r = await c.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(obj) });
      assert.equal(r.code, 0, r.stderr);
    };
    const role = (name: string, labels: Record<string, string>, rules: ClusterRole['rules']) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules,
    });
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'monitoring' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [label]: 'true' } }] },
    });
    await apply(
      role('monitoring-pods', { [label]: 'true' }, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
    );
    await apply(
      role('monitoring-nodes', { [label]: 'true' }, [
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ]),
    );
    await apply(role('unrelated', {}, [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]));
    const rulesOf = async () => {
      const r = await c.kubectl(['get', 'clusterrole', 'monitoring', '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return ((JSON.parse(r.stdout) as ClusterRole).rules ?? []).map((x) => `${x.resources?.join()}:${x.verbs.join()}`);
    };
    await eventually(async () => (await rulesOf()).length === 2, 'aggregated rules');
    assert.deepEqual(await rulesOf(), ['nodes:get', 'pods:get,list']);
    // Unlabelling a role takes its rules away again.
    const r = await c.kubectl(['label', 'clusterrole', 'monitoring-nodes', `${label}-`]);
    assert.equal(r.code, 0, r.stderr);
    await eventually(async () => (await rulesOf()).join() === 'pods:get,list', 'rules of the unlabelled role to go');
  });
});
