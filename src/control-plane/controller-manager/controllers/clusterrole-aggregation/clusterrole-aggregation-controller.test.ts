import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { FakeClock } from '../../../../lib/clock.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { startControllerManager } from '../../controller-manager.js';
import { aggregateRules, clusterRoleAggregationController } from './clusterrole-aggregation-controller.js';

const role = (
  name: string,
  labels: Record<string, string>,
  rules: ClusterRole['rules'],
  aggregate?: string,
): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, labels },
  rules,
  ...(aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregate]: 'true' } }] } } : {}),
});

test('aggregateRules: union over selectors, roles by name, duplicates (nil == empty) dropped, itself excluded', () => {
  const agg = role('agg', { 'to-agg': 'true' }, [{ verbs: ['*'], resources: ['*'], apiGroups: ['*'] }], 'to-agg');
  const all = [
    agg,
    role('b', { 'to-agg': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
    role('a', { 'to-agg': 'true' }, [
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] },
    ]),
    role('c', {}, [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]),
  ];
  assert.deepEqual(
    aggregateRules(agg, all).map((r) => r.verbs.join()),
    ['list', 'get'],
  );
});

test('the controller applies the aggregated rules and follows label changes', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const g = 'rbac.authorization.k8s.io';
  fake.seed(g, 'clusterroles', role('agg', {}, [], 'to-agg'));
  fake.seed(
    g,
    'clusterroles',
    role('x', { 'to-agg': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
  );
  const cm = await startControllerManager({
    rest: fakeRestClient(fake, { clock }),
    controllers: [clusterRoleAggregationController],
    clock,
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  try {
    await settle();
    assert.deepEqual(
      (fake.get(g, 'clusterroles', '', 'agg') as ClusterRole).rules?.map((r) => r.resources?.join()),
      ['pods'],
    );
    const apply = fake.requests.find((r) => r.method === 'PATCH');
    assert.match(apply?.query ?? '', /fieldManager=clusterrole-aggregation-controller/);
    assert.match(apply?.query ?? '', /force=true/);
    fake.seed(
      g,
      'clusterroles',
      role('y', { 'to-agg': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }]),
    );
    await settle();
    assert.deepEqual(
      (fake.get(g, 'clusterroles', '', 'agg') as ClusterRole).rules?.map((r) => r.resources?.join()),
      ['pods', 'nodes'],
    );
    const writes = fake.requests.filter((r) => r.method === 'PATCH').length;
    await settle();
    assert.equal(fake.requests.filter((r) => r.method === 'PATCH').length, writes, 'no write when nothing changed');
  } finally {
    await cm.stop();
  }
});
