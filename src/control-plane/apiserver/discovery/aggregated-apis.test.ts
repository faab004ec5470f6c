import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinResources } from '../../../api/scheme/builtin-resources.js';
import { Scheme } from '../../../api/scheme/scheme.js';
import { buildDiscovery } from './discovery.js';
import { aggregatedResources, withAggregatedAPIs } from './aggregated-apis.js';

const scheme = new Scheme(builtinResources());
const base = buildDiscovery([...scheme.resources()], (g) => scheme.preferredVersion(g), '127.0.0.1:6443');
const remote = (group: string, version: string, gp: number, vp: number, stale = false) => ({
  group,
  version,
  groupPriorityMinimum: gp,
  versionPriority: vp,
  resources: [
    { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list'] },
    { name: 'flunders/status', namespaced: true, kind: 'Flunder', verbs: ['get'] },
  ],
  stale,
});

test('no aggregated APIs: the snapshot is returned as is', () => {
  assert.equal(withAggregatedAPIs(base, []), base);
});

test('aggregated group-versions are ordered by priority in /apis, /apis/<g> and aggregated discovery', () => {
  const merged = withAggregatedAPIs(base, [
    remote('wardle.example.com', 'v1alpha1', 1000, 15),
    remote('wardle.example.com', 'v1beta1', 1000, 20),
    // Above every built-in group.
    remote('aaa.example.com', 'v1', 100000, 1, true),
  ]);
  const apis = JSON.parse(merged.apis.json) as { groups: { name: string; versions: { version: string }[] }[] };
  const names = apis.groups.map((g) => g.name);
  assert.equal(names[0], 'aaa.example.com');
  const wardle = apis.groups.find((g) => g.name === 'wardle.example.com')!;
  assert.deepEqual(
    wardle.versions.map((v) => v.version),
    ['v1beta1', 'v1alpha1'],
  );
  // Built-ins keep their relative order.
  const before = (JSON.parse(base.apis.json) as { groups: { name: string }[] }).groups.map((g) => g.name);
  assert.deepEqual(
    names.filter((n) => before.includes(n)),
    before,
  );
  const groupDoc = JSON.parse(merged.groups.get('wardle.example.com')!.json) as {
    preferredVersion: { groupVersion: string };
  };
  assert.equal(groupDoc.preferredVersion.groupVersion, 'wardle.example.com/v1beta1');
  const agg = JSON.parse(merged.aggregatedApis.v2.json) as {
    apiVersion: string;
    items: { metadata: { name: string }; versions: { version: string; freshness: string; resources: unknown[] }[] }[];
  };
  assert.equal(agg.apiVersion, 'apidiscovery.k8s.io/v2');
  const aaa = agg.items.find((i) => i.metadata.name === 'aaa.example.com')!;
  assert.equal(aaa.versions[0]!.freshness, 'Stale');
  const w = agg.items.find((i) => i.metadata.name === 'wardle.example.com')!;
  assert.deepEqual(
    w.versions.map((v) => [v.version, v.freshness]),
    [
      ['v1beta1', 'Current'],
      ['v1alpha1', 'Current'],
    ],
  );
  // The core group and local per-version lists are untouched; ETags change with content.
  assert.equal(merged.aggregatedCore, base.aggregatedCore);
  assert.equal(merged.resourceLists, base.resourceLists);
  assert.notEqual(merged.apis.etag, base.apis.etag);
});

test('legacy resource lists become aggregated entries with nested subresources', () => {
  assert.deepEqual(aggregatedResources('wardle.example.com', 'v1alpha1', remote('g', 'v', 1, 1).resources), [
    {
      resource: 'flunders',
      responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' },
      scope: 'Namespaced',
      singularResource: 'flunder',
      verbs: ['get', 'list'],
      subresources: [
        {
          subresource: 'status',
          responseKind: { group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' },
          verbs: ['get'],
        },
      ],
    },
  ]);
});
