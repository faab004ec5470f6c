import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareKubeAwareVersions } from './group-order.js';
import { Scheme } from './scheme.js';
import type { ResourceInfo } from './types.js';

const scheme = Scheme.builtin();
const id = (r: ResourceInfo | undefined) => (r ? `${r.group || 'core'}/${r.version}/${r.plural}` : 'none');

function widget(version: string, extra: Partial<ResourceInfo> = {}): ResourceInfo {
  return {
    group: 'example.com',
    version,
    kind: 'Widget',
    listKind: 'WidgetList',
    plural: 'widgets',
    singular: 'widget',
    namespaced: true,
    shortNames: ['wd'],
    categories: ['all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [],
    ...extra,
  };
}

test('resolve: CLI names, case-insensitive, qualified forms', () => {
  const cases: [string, string[]][] = [
    ['po', ['core/v1/pods']],
    ['pods', ['core/v1/pods']],
    ['pod', ['core/v1/pods']],
    ['Pod', ['core/v1/pods']],
    ['PODS', ['core/v1/pods']],
    ['deploy', ['apps/v1/deployments']],
    ['Deployment', ['apps/v1/deployments']],
    ['deployments.apps', ['apps/v1/deployments']],
    ['deploy.apps', ['apps/v1/deployments']],
    ['deployments.v1.apps', ['apps/v1/deployments']],
    ['hpa', ['autoscaling/v2/horizontalpodautoscalers', 'autoscaling/v1/horizontalpodautoscalers']],
    ['hpa.v1.autoscaling', ['autoscaling/v1/horizontalpodautoscalers']],
    ['ev', ['core/v1/events', 'events.k8s.io/v1/events']],
    ['events.events.k8s.io', ['events.k8s.io/v1/events']],
    ['crd', ['apiextensions.k8s.io/v1/customresourcedefinitions']],
    ['crds', ['apiextensions.k8s.io/v1/customresourcedefinitions']],
    ['customresourcedefinition', ['apiextensions.k8s.io/v1/customresourcedefinitions']],
    ['endpoints', ['core/v1/endpoints']],
    ['svc', ['core/v1/services']],
    ['netpol', ['networking.k8s.io/v1/networkpolicies']],
    ['nosuchthing', []],
    ['pods.apps', []],
    ['deployments.v9.apps', []],
  ];
  for (const [input, want] of cases) assert.deepEqual(scheme.resolve(input).map(id), want, input);
});

test('short names take precedence over plural names, as kubectl expands them first', () => {
  const s = scheme.withResources([
    widget('v1', { plural: 'pods', singular: 'pod', kind: 'Pod', listKind: 'PodList', shortNames: [] }),
  ]);
  assert.deepEqual(s.resolve('pods').map(id), ['core/v1/pods', 'example.com/v1/pods']);
  const s2 = scheme.withResources([widget('v1', { shortNames: ['secrets'] })]);
  assert.deepEqual(s2.resolve('secrets').map(id), ['example.com/v1/widgets']);
});

test('lookups by GVK, GVR, group-resource and kind', () => {
  assert.equal(id(scheme.forGVK({ group: 'apps', version: 'v1', kind: 'Deployment' })), 'apps/v1/deployments');
  assert.equal(id(scheme.forGVK({ group: '', version: 'v1', kind: 'Pod' })), 'core/v1/pods');
  assert.equal(scheme.forGVK({ group: 'apps', version: 'v1', kind: 'Pod' }), undefined);
  assert.equal(id(scheme.forGVR('batch', 'v1', 'cronjobs')), 'batch/v1/cronjobs');
  assert.equal(scheme.forGVR('batch', 'v2', 'cronjobs'), undefined);
  assert.deepEqual(
    scheme.forGroupResource('autoscaling', 'horizontalpodautoscalers').map((r) => r.version),
    ['v2', 'v1'],
  );
  assert.equal(scheme.preferredForGroupResource('autoscaling', 'horizontalpodautoscalers')?.version, 'v2');
  assert.deepEqual(scheme.forGroupResource('apps', 'nothing'), []);
  assert.deepEqual(scheme.forKind('event').map(id), ['core/v1/events', 'events.k8s.io/v1/events']);
  assert.deepEqual(
    scheme.forKind('HORIZONTALPODAUTOSCALER').map((r) => r.version),
    ['v2', 'v1'],
  );
  assert.deepEqual(
    scheme.resourcesFor({ group: 'batch', version: 'v1' }).map((r) => r.plural),
    ['cronjobs', 'jobs'],
  );
});

test('forCategory lists preferred versions in discovery order', () => {
  assert.deepEqual(scheme.forCategory('all').map(id), [
    'core/v1/pods',
    'core/v1/replicationcontrollers',
    'core/v1/services',
    'apps/v1/daemonsets',
    'apps/v1/deployments',
    'apps/v1/replicasets',
    'apps/v1/statefulsets',
    'autoscaling/v2/horizontalpodautoscalers',
    'batch/v1/cronjobs',
    'batch/v1/jobs',
  ]);
  assert.deepEqual(scheme.forCategory('nope'), []);
  const s = scheme.withResources([widget('v1')]);
  assert.equal(id(s.forCategory('all').at(-1)), 'example.com/v1/widgets');
});

test('groups and group-versions follow kube-apiserver discovery order', () => {
  const groups = scheme.groups().map((g) => g.name);
  assert.deepEqual(groups, [
    '',
    'apiregistration.k8s.io',
    'apps',
    'events.k8s.io',
    'authentication.k8s.io',
    'authorization.k8s.io',
    'autoscaling',
    'batch',
    'certificates.k8s.io',
    'networking.k8s.io',
    'policy',
    'rbac.authorization.k8s.io',
    'storage.k8s.io',
    'admissionregistration.k8s.io',
    'apiextensions.k8s.io',
    'scheduling.k8s.io',
    'coordination.k8s.io',
    'node.k8s.io',
    'discovery.k8s.io',
    'flowcontrol.apiserver.k8s.io',
  ]);
  const gvs = scheme.groupVersions().map((gv) => (gv.group ? `${gv.group}/${gv.version}` : gv.version));
  assert.equal(gvs[0], 'v1');
  assert.deepEqual(gvs.slice(gvs.indexOf('autoscaling/v2'), gvs.indexOf('autoscaling/v2') + 2), [
    'autoscaling/v2',
    'autoscaling/v1',
  ]);
  assert.equal(scheme.preferredVersion('autoscaling'), 'v2');
  assert.equal(scheme.preferredVersion(''), 'v1');
  assert.equal(scheme.preferredVersion('nope.example.com'), undefined);
  assert.deepEqual(
    scheme.groups().find((g) => g.name === 'autoscaling'),
    {
      name: 'autoscaling',
      versions: ['v2', 'v1'],
      preferredVersion: 'v2',
    },
  );
});

test('withResources adds CRD groups after built-ins, versions in Kubernetes order', () => {
  const zeta = { ...widget('v1'), group: 'zeta.example.io' };
  const s = scheme.withResources([widget('v1alpha1'), widget('v1'), widget('v2beta1'), widget('v1beta2'), zeta]);
  const groups = s.groups();
  assert.deepEqual(
    groups.slice(-2).map((g) => g.name),
    ['example.com', 'zeta.example.io'],
  );
  assert.deepEqual(groups.find((g) => g.name === 'example.com')!.versions, ['v1', 'v2beta1', 'v1beta2', 'v1alpha1']);
  assert.equal(s.preferredVersion('example.com'), 'v1');
  assert.deepEqual(s.resolve('wd').map(id).slice(0, 2), ['example.com/v1/widgets', 'example.com/v2beta1/widgets']);
  assert.equal(id(s.resolve('widgets.zeta.example.io')[0]), 'zeta.example.io/v1/widgets');
  // The original scheme is untouched.
  assert.equal(scheme.preferredVersion('example.com'), undefined);
  assert.deepEqual(scheme.resolve('wd'), []);
});

test('withResources replaces a resource with the same group/version/plural; without removes', () => {
  const s1 = scheme.withResources([widget('v1')]);
  const s2 = s1.withResources([widget('v1', { shortNames: ['wdg'] })]);
  assert.equal(s2.resources().filter((r) => r.group === 'example.com').length, 1);
  assert.deepEqual(s2.resolve('wdg').map(id), ['example.com/v1/widgets']);
  assert.deepEqual(s2.resolve('wd'), []);
  const s3 = s2.without((r) => r.group === 'example.com');
  assert.deepEqual(s3.resolve('widgets'), []);
  assert.equal(s3.resources().length, scheme.resources().length);
});

test('constructor rejects duplicates', () => {
  assert.throws(() => new Scheme([widget('v1'), widget('v1')]), /duplicate resource widgets in example.com\/v1/);
  assert.throws(() => new Scheme([widget('v1'), widget('v1', { plural: 'gadgets' })]), /duplicate kind Widget/);
});

test('storage keys follow the upstream etcd layout', () => {
  const key = (group: string, version: string, plural: string, ns: string | undefined, name: string) =>
    scheme.storageKey(scheme.forGVR(group, version, plural)!, ns, name);
  const cases: [string, string][] = [
    [key('', 'v1', 'pods', 'default', 'web'), '/registry/pods/default/web'],
    [key('apps', 'v1', 'deployments', 'default', 'web'), '/registry/deployments/default/web'],
    [key('', 'v1', 'services', 'default', 'web'), '/registry/services/specs/default/web'],
    [key('', 'v1', 'endpoints', 'default', 'web'), '/registry/services/endpoints/default/web'],
    [key('', 'v1', 'nodes', undefined, 'n1'), '/registry/minions/n1'],
    [key('', 'v1', 'replicationcontrollers', 'kube-system', 'rc'), '/registry/controllers/kube-system/rc'],
    [key('', 'v1', 'namespaces', undefined, 'default'), '/registry/namespaces/default'],
    [key('networking.k8s.io', 'v1', 'ingresses', 'default', 'i'), '/registry/ingress/default/i'],
    [key('rbac.authorization.k8s.io', 'v1', 'clusterroles', undefined, 'admin'), '/registry/clusterroles/admin'],
    [key('autoscaling', 'v1', 'horizontalpodautoscalers', 'a', 'h'), '/registry/horizontalpodautoscalers/a/h'],
    [key('autoscaling', 'v2', 'horizontalpodautoscalers', 'a', 'h'), '/registry/horizontalpodautoscalers/a/h'],
    [key('events.k8s.io', 'v1', 'events', 'a', 'e'), '/registry/events/a/e'],
    [key('', 'v1', 'events', 'a', 'e'), '/registry/events/a/e'],
    [
      key('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', undefined, 'widgets.example.com'),
      '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com',
    ],
    [
      key('apiregistration.k8s.io', 'v1', 'apiservices', undefined, 'v1.apps'),
      '/registry/apiregistration.k8s.io/apiservices/v1.apps',
    ],
    [key('coordination.k8s.io', 'v1', 'leases', 'kube-node-lease', 'n1'), '/registry/leases/kube-node-lease/n1'],
    [scheme.storageKey(widget('v1'), 'ns1', 'w'), '/registry/example.com/widgets/ns1/w'],
    [scheme.storageKey(widget('v1', { namespaced: false }), undefined, 'w'), '/registry/example.com/widgets/w'],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
  const pods = scheme.forGVR('', 'v1', 'pods')!;
  assert.equal(scheme.storagePrefix(pods), '/registry/pods/');
  assert.equal(scheme.storagePrefix(pods, 'default'), '/registry/pods/default/');
  const nodes = scheme.forGVR('', 'v1', 'nodes')!;
  assert.equal(scheme.storagePrefix(nodes, 'ignored'), '/registry/minions/');
  assert.throws(() => scheme.storageKey(pods, undefined, 'web'), /namespace is required/);
  assert.throws(() => scheme.storageKey(pods, 'default', ''), /name is required/);
  // Namespace prefixes never match a longer namespace name.
  assert.ok(!scheme.storageKey(pods, 'default2', 'x').startsWith(scheme.storagePrefix(pods, 'default')));
});

test('storageResource names the stored form', () => {
  const ev = scheme.forGVR('events.k8s.io', 'v1', 'events')!;
  assert.equal(id(scheme.storageResource(ev)), 'core/v1/events');
  const hpa1 = scheme.forGVR('autoscaling', 'v1', 'horizontalpodautoscalers')!;
  assert.equal(id(scheme.storageResource(hpa1)), 'autoscaling/v2/horizontalpodautoscalers');
  const pods = scheme.forGVR('', 'v1', 'pods')!;
  assert.equal(scheme.storageResource(pods), pods);
});

test('Kubernetes-aware version order', () => {
  const versions = [
    'v1',
    'v11alpha2',
    'foo10',
    'v10beta3',
    'v2',
    'v1beta1',
    'v12alpha1',
    'foo1',
    'v3beta1',
    'v1beta2',
    'v1alpha1',
  ];
  assert.deepEqual([...versions].sort(compareKubeAwareVersions), [
    'v2',
    'v1',
    'v10beta3',
    'v3beta1',
    'v1beta2',
    'v1beta1',
    'v12alpha1',
    'v11alpha2',
    'v1alpha1',
    'foo1',
    'foo10',
  ]);
});
