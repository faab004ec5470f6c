import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { builtinResources } from './builtin-resources.js';
import type { ResourceInfo } from './types.js';

const all = builtinResources();
const gr = (r: ResourceInfo) => `${r.group || 'core'}/${r.plural}`;
const find = (group: string, version: string, plural: string) => {
  const r = all.find((x) => x.group === group && x.version === version && x.plural === plural);
  assert.ok(r, `missing ${group || 'core'}/${version} ${plural}`);
  return r;
};

test('every resource the task lists is served', () => {
  const expected: Record<string, string[]> = {
    '/v1': [
      'pods',
      'services',
      'endpoints',
      'nodes',
      'namespaces',
      'configmaps',
      'secrets',
      'serviceaccounts',
      'events',
      'persistentvolumes',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'resourcequotas',
      'limitranges',
      'podtemplates',
      'bindings',
      'componentstatuses',
    ],
    'apps/v1': ['deployments', 'replicasets', 'statefulsets', 'daemonsets', 'controllerrevisions'],
    'batch/v1': ['jobs', 'cronjobs'],
    'autoscaling/v1': ['horizontalpodautoscalers'],
    'autoscaling/v2': ['horizontalpodautoscalers'],
    'policy/v1': ['poddisruptionbudgets'],
    'rbac.authorization.k8s.io/v1': ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'],
    'coordination.k8s.io/v1': ['leases'],
    'discovery.k8s.io/v1': ['endpointslices'],
    'networking.k8s.io/v1': ['ingresses', 'ingressclasses', 'networkpolicies'],
    'events.k8s.io/v1': ['events'],
    'storage.k8s.io/v1': ['storageclasses', 'csidrivers', 'csinodes', 'volumeattachments'],
    'scheduling.k8s.io/v1': ['priorityclasses'],
    'node.k8s.io/v1': ['runtimeclasses'],
    'apiextensions.k8s.io/v1': ['customresourcedefinitions'],
    'admissionregistration.k8s.io/v1': [
      'mutatingwebhookconfigurations',
      'validatingwebhookconfigurations',
      'validatingadmissionpolicies',
      'validatingadmissionpolicybindings',
    ],
    'authentication.k8s.io/v1': ['tokenreviews', 'selfsubjectreviews'],
    'authorization.k8s.io/v1': [
      'subjectaccessreviews',
      'selfsubjectaccessreviews',
      'selfsubjectrulesreviews',
      'localsubjectaccessreviews',
    ],
    'certificates.k8s.io/v1': ['certificatesigningrequests'],
  };
  for (const [gv, plurals] of Object.entries(expected)) {
    const [group, version] = gv.split('/');
    for (const p of plurals) find(group!, version!, p);
  }
});

test('no duplicate plural or kind within a group-version', () => {
  const plurals = new Set<string>();
  const kinds = new Set<string>();
  for (const r of all) {
    const p = `${r.group}/${r.version}/${r.plural}`;
    const k = `${r.group}/${r.version}/${r.kind}`;
    assert.ok(!plurals.has(p), `duplicate ${p}`);
    assert.ok(!kinds.has(k), `duplicate ${k}`);
    plurals.add(p);
    kinds.add(k);
  }
});

test('names follow upstream conventions', () => {
  for (const r of all) {
    assert.equal(r.listKind, `${r.kind}List`, r.kind);
    assert.equal(r.singular, r.kind.toLowerCase(), r.kind);
    assert.match(r.plural, /^[a-z]+$/, r.plural);
    assert.ok(r.definition?.endsWith(`.${r.version}.${r.kind}`), `${r.kind}: ${r.definition}`);
    assert.deepEqual([...r.verbs].sort(), r.verbs, `${gr(r)} verbs sorted like discovery`);
  }
  assert.equal(find('apps', 'v1', 'deployments').definition, 'io.k8s.api.apps.v1.Deployment');
  assert.equal(
    find('autoscaling', 'v2', 'horizontalpodautoscalers').definition,
    'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  );
  assert.equal(find('rbac.authorization.k8s.io', 'v1', 'roles').definition, 'io.k8s.api.rbac.v1.Role');
  assert.equal(
    find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions').definition,
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  );
});

test('each kind exists in kubernetes-types at its group-version', () => {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('kubernetes-types/package.json'));
  const files = new Map<string, string>();
  for (const r of all) {
    if (r.group === 'apiregistration.k8s.io') continue; // kube-aggregator types are not in kubernetes-types
    const m = /^io\.k8s\.(?:api|apiextensions-apiserver\.pkg\.apis)\.([a-z]+)\.(v\d\w*)\.\w+$/.exec(r.definition ?? '');
    assert.ok(m, `${r.kind}: unexpected definition ${r.definition}`);
    const file = join(root, m[1]!, `${m[2]}.d.ts`);
    if (!files.has(file)) files.set(file, readFileSync(file, 'utf8'));
    const text = files.get(file)!;
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    const body = new RegExp(`export interface ${r.kind} \\{[^]*?apiVersion\\?: "${apiVersion.replace(/\./g, '\\.')}"`);
    assert.match(text, body, `${r.kind} in ${file}`);
  }
});

test('scale subresources are autoscaling/v1 Scale on exactly the upstream workloads', () => {
  const withScale = all.filter((r) => r.subresources.some((s) => s.name === 'scale')).map(gr);
  assert.deepEqual(withScale.sort(), [
    'apps/deployments',
    'apps/replicasets',
    'apps/statefulsets',
    'core/replicationcontrollers',
  ]);
  for (const r of all) {
    for (const s of r.subresources.filter((x) => x.name === 'scale')) {
      assert.deepEqual(s.kind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
      assert.deepEqual(s.verbs, ['get', 'patch', 'update']);
    }
  }
});

test('status subresources return the parent kind at the parent group-version', () => {
  for (const r of all) {
    for (const s of r.subresources.filter((x) => x.name === 'status')) {
      assert.deepEqual(s.kind, { group: r.group, version: r.version, kind: r.kind }, gr(r));
    }
  }
  const withStatus = new Set(all.filter((r) => r.subresources.some((s) => s.name === 'status')).map(gr));
  for (const name of [
    'core/pods',
    'core/nodes',
    'apps/deployments',
    'batch/jobs',
    'autoscaling/horizontalpodautoscalers',
  ]) {
    assert.ok(withStatus.has(name), name);
  }
  for (const name of [
    'core/configmaps',
    'core/secrets',
    'core/events',
    'apps/controllerrevisions',
    'rbac.authorization.k8s.io/roles',
  ]) {
    assert.ok(!withStatus.has(name), name);
  }
});

test('pod subresources match upstream v1.32 discovery', () => {
  const pods = find('', 'v1', 'pods');
  const view = pods.subresources.map((s) => [
    s.name,
    `${s.kind.group}/${s.kind.version}/${s.kind.kind}`,
    s.verbs.join(','),
  ]);
  assert.deepEqual(view, [
    ['attach', '/v1/PodAttachOptions', 'create,get'],
    ['binding', '/v1/Binding', 'create'],
    ['ephemeralcontainers', '/v1/Pod', 'get,patch,update'],
    ['eviction', 'policy/v1/Eviction', 'create'],
    ['exec', '/v1/PodExecOptions', 'create,get'],
    ['log', '/v1/Pod', 'get'],
    ['portforward', '/v1/PodPortForwardOptions', 'create,get'],
    ['proxy', '/v1/PodProxyOptions', 'create,delete,get,patch,update'],
    ['status', '/v1/Pod', 'get,patch,update'],
  ]);
  const names = (plural: string, group = '', version = 'v1') =>
    find(group, version, plural).subresources.map((s) => `${s.name}:${s.kind.group}/${s.kind.kind}`);
  assert.deepEqual(names('services'), ['proxy:/ServiceProxyOptions', 'status:/Service']);
  assert.deepEqual(names('nodes'), ['proxy:/NodeProxyOptions', 'status:/Node']);
  assert.deepEqual(names('namespaces'), ['finalize:/Namespace', 'status:/Namespace']);
  assert.deepEqual(names('serviceaccounts'), ['token:authentication.k8s.io/TokenRequest']);
  assert.deepEqual(names('certificatesigningrequests', 'certificates.k8s.io'), [
    'approval:certificates.k8s.io/CertificateSigningRequest',
    'status:certificates.k8s.io/CertificateSigningRequest',
  ]);
});

test('verbs of special resources', () => {
  const cases: [string, string, string, string[]][] = [
    ['', 'v1', 'bindings', ['create']],
    ['', 'v1', 'componentstatuses', ['get', 'list']],
    ['', 'v1', 'namespaces', ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']],
    ['', 'v1', 'events', ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']],
    ['authentication.k8s.io', 'v1', 'tokenreviews', ['create']],
    ['authentication.k8s.io', 'v1', 'selfsubjectreviews', ['create']],
    ['authorization.k8s.io', 'v1', 'subjectaccessreviews', ['create']],
    ['authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', ['create']],
    ['authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', ['create']],
    ['authorization.k8s.io', 'v1', 'localsubjectaccessreviews', ['create']],
  ];
  for (const [g, v, p, verbs] of cases) assert.deepEqual(find(g, v, p).verbs, verbs, p);
  assert.equal(find('authorization.k8s.io', 'v1', 'localsubjectaccessreviews').namespaced, true);
  assert.equal(find('authorization.k8s.io', 'v1', 'subjectaccessreviews').namespaced, false);
});

test('short names are unique per group-resource (except upstream`s shared `ev`)', () => {
  const owners = new Map<string, Set<string>>();
  for (const r of all) {
    for (const s of r.shortNames) {
      if (!owners.has(s)) owners.set(s, new Set());
      owners.get(s)!.add(gr(r));
    }
  }
  for (const [short, set] of owners) {
    if (short === 'ev') assert.deepEqual([...set].sort(), ['core/events', 'events.k8s.io/events']);
    else assert.equal(set.size, 1, `${short} -> ${[...set].join(', ')}`);
  }
  const expected: Record<string, string> = {
    po: 'core/pods',
    svc: 'core/services',
    ep: 'core/endpoints',
    no: 'core/nodes',
    ns: 'core/namespaces',
    cm: 'core/configmaps',
    sa: 'core/serviceaccounts',
    pv: 'core/persistentvolumes',
    pvc: 'core/persistentvolumeclaims',
    rc: 'core/replicationcontrollers',
    quota: 'core/resourcequotas',
    limits: 'core/limitranges',
    cs: 'core/componentstatuses',
    deploy: 'apps/deployments',
    rs: 'apps/replicasets',
    sts: 'apps/statefulsets',
    ds: 'apps/daemonsets',
    cj: 'batch/cronjobs',
    hpa: 'autoscaling/horizontalpodautoscalers',
    pdb: 'policy/poddisruptionbudgets',
    csr: 'certificates.k8s.io/certificatesigningrequests',
    crd: 'apiextensions.k8s.io/customresourcedefinitions',
    crds: 'apiextensions.k8s.io/customresourcedefinitions',
    netpol: 'networking.k8s.io/networkpolicies',
    ing: 'networking.k8s.io/ingresses',
    pc: 'scheduling.k8s.io/priorityclasses',
    sc: 'storage.k8s.io/storageclasses',
  };
  for (const [short, owner] of Object.entries(expected))
    assert.deepEqual([...(owners.get(short) ?? [])], [owner], short);
  // Resources upstream gives no short name.
  for (const [g, p] of [
    ['', 'secrets'],
    ['batch', 'jobs'],
    ['', 'podtemplates'],
    ['coordination.k8s.io', 'leases'],
  ] as const) {
    assert.deepEqual(find(g, 'v1', p).shortNames, [], p);
  }
});

test('categories match upstream', () => {
  const inCategory = (c: string) => [...new Set(all.filter((r) => r.categories.includes(c)).map(gr))].sort();
  assert.deepEqual(inCategory('all'), [
    'apps/daemonsets',
    'apps/deployments',
    'apps/replicasets',
    'apps/statefulsets',
    'autoscaling/horizontalpodautoscalers',
    'batch/cronjobs',
    'batch/jobs',
    'core/pods',
    'core/replicationcontrollers',
    'core/services',
  ]);
  assert.deepEqual(inCategory('api-extensions'), [
    'admissionregistration.k8s.io/mutatingwebhookconfigurations',
    'admissionregistration.k8s.io/validatingadmissionpolicies',
    'admissionregistration.k8s.io/validatingadmissionpolicybindings',
    'admissionregistration.k8s.io/validatingwebhookconfigurations',
    'apiextensions.k8s.io/customresourcedefinitions',
    'apiregistration.k8s.io/apiservices',
  ]);
  const categories = new Set(all.flatMap((r) => r.categories));
  assert.deepEqual([...categories].sort(), ['all', 'api-extensions']);
});

test('scope of representative resources', () => {
  const cluster = ['nodes', 'namespaces', 'persistentvolumes', 'componentstatuses'];
  for (const p of cluster) assert.equal(find('', 'v1', p).namespaced, false, p);
  for (const p of ['pods', 'services', 'bindings', 'events']) assert.equal(find('', 'v1', p).namespaced, true, p);
  assert.equal(find('storage.k8s.io', 'v1', 'csistoragecapacities').namespaced, true);
  assert.equal(find('rbac.authorization.k8s.io', 'v1', 'clusterroles').namespaced, false);
});

test('order is discovery order and each call returns fresh data', () => {
  const a = builtinResources();
  assert.equal(a[0]!.group, '');
  const groupsInOrder = [...new Set(a.map((r) => r.group))];
  assert.deepEqual(groupsInOrder.slice(0, 5), [
    '',
    'apiregistration.k8s.io',
    'apps',
    'events.k8s.io',
    'authentication.k8s.io',
  ]);
  const hpaVersions = a.filter((r) => r.plural === 'horizontalpodautoscalers').map((r) => r.version);
  assert.deepEqual(hpaVersions, ['v2', 'v1']);
  a[0]!.shortNames.push('mutated');
  a[0]!.subresources.splice(0);
  const b = builtinResources();
  assert.ok(!b[0]!.shortNames.includes('mutated'));
  assert.equal(b.length, a.length);
  assert.deepEqual(b.find((r) => r.plural === 'pods')!.subresources.length, 9);
});
