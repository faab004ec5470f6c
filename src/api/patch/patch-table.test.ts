import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Definitions } from '../openapi/schema-types.js';
import { openApiPatchSchema } from './openapi-patch-schema.js';
import { patchTable, type FieldPatchMeta } from './patch-table.js';
import { withPatchMetadata } from './with-patch-metadata.js';

const core = 'io.k8s.api.core.v1.';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

// The fields the task requires, with their upstream v1.32 metadata.
const required: [string, string, FieldPatchMeta][] = [
  [`${core}PodSpec`, 'containers', { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
  [`${core}PodSpec`, 'initContainers', { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
  [
    `${core}PodSpec`,
    'ephemeralContainers',
    { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  ],
  [
    `${core}PodSpec`,
    'volumes',
    { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  ],
  [
    `${core}PodSpec`,
    'imagePullSecrets',
    { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  ],
  [`${core}PodSpec`, 'hostAliases', { strategy: 'merge', mergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] }],
  [
    `${core}PodSpec`,
    'topologySpreadConstraints',
    { strategy: 'merge', mergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
  ],
  [
    `${core}PodSpec`,
    'resourceClaims',
    { strategy: 'merge,retainKeys', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  ],
  [`${core}PodSpec`, 'tolerations', { listType: 'atomic' }],
  [`${core}PodSpec`, 'nodeSelector', { mapType: 'atomic' }],
  [`${core}Container`, 'env', { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
  [
    `${core}Container`,
    'ports',
    { strategy: 'merge', mergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  ],
  [
    `${core}Container`,
    'volumeMounts',
    { strategy: 'merge', mergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
  ],
  [
    `${core}Container`,
    'volumeDevices',
    { strategy: 'merge', mergeKey: 'devicePath', listType: 'map', listMapKeys: ['devicePath'] },
  ],
  [`${core}Container`, 'args', { listType: 'atomic' }],
  [`${core}Container`, 'command', { listType: 'atomic' }],
  [`${core}EphemeralContainer`, 'env', { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
  [
    `${core}ServiceSpec`,
    'ports',
    { strategy: 'merge', mergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
  ],
  [`${core}PodStatus`, 'podIPs', { strategy: 'merge', mergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] }],
  [`${core}PodStatus`, 'conditions', { strategy: 'merge', mergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  [`${core}NodeStatus`, 'conditions', { strategy: 'merge', mergeKey: 'type', listType: 'map', listMapKeys: ['type'] }],
  [`${core}NodeStatus`, 'addresses', { strategy: 'merge', mergeKey: 'type', listType: 'atomic' }],
  [`${core}NodeSpec`, 'taints', { listType: 'atomic' }],
  [`${core}NodeSpec`, 'podCIDRs', { strategy: 'merge', listType: 'set' }],
  [`${core}ServiceAccount`, 'secrets', { strategy: 'merge', mergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
  [
    `${meta}ObjectMeta`,
    'ownerReferences',
    { strategy: 'merge', mergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },
  ],
  [`${meta}ObjectMeta`, 'finalizers', { strategy: 'merge', listType: 'set' }],
  ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', { strategy: 'retainKeys' }],
  [
    'io.k8s.api.apps.v1.DeploymentStatus',
    'conditions',
    { strategy: 'merge', mergeKey: 'type', listType: 'map', listMapKeys: ['type'] },
  ],
  ['io.k8s.api.policy.v1.PodDisruptionBudgetSpec', 'selector', { strategy: 'replace' }],
  ['io.k8s.api.batch.v1.JobStatus', 'conditions', { strategy: 'merge', mergeKey: 'type', listType: 'atomic' }],
];

for (const [def, field, want] of required) {
  test(`patch table: ${def.replace(/^io\.k8s\.(api|apimachinery\.pkg\.apis)\./, '')}.${field}`, () => {
    assert.deepStrictEqual({ ...patchTable[def]?.[field] }, want);
  });
}

test('patch table: entries are consistent', () => {
  const groups = new Set<string>();
  for (const [def, fields] of Object.entries(patchTable)) {
    assert.match(
      def,
      /^io\.k8s\.(api\.[a-z0-9.]+|apimachinery\.pkg\.apis\.meta|apiextensions-apiserver\.pkg\.apis\.apiextensions)\.v[0-9a-z]+\.[A-Z]\w+$/,
      def,
    );
    groups.add(def.replace(/\.[A-Z]\w+$/, ''));
    for (const [field, m] of Object.entries(fields)) {
      const where = `${def}.${field}`;
      assert.ok(Object.keys(m).length > 0, where);
      if (m.mergeKey) assert.ok(m.strategy?.includes('merge'), `${where}: a merge key needs the merge strategy`);
      if (m.strategy?.includes('merge') && m.listType) {
        // SMP merge lists must be keyed (or scalar sets) unless upstream explicitly made them atomic.
        assert.ok(['map', 'set', 'atomic'].includes(m.listType), where);
      }
      if (m.listType === 'map') {
        assert.ok(m.listMapKeys && m.listMapKeys.length > 0, `${where}: map lists need keys`);
        if (m.mergeKey) assert.ok(m.listMapKeys!.includes(m.mergeKey), `${where}: the merge key is a list map key`);
      } else {
        assert.equal(m.listMapKeys, undefined, where);
      }
      if (m.mapType) assert.equal(m.listType, undefined, where);
    }
  }
  for (const g of [
    'io.k8s.api.core.v1',
    'io.k8s.api.apps.v1',
    'io.k8s.api.batch.v1',
    'io.k8s.api.autoscaling.v2',
    'io.k8s.api.policy.v1',
    'io.k8s.api.rbac.v1',
    'io.k8s.api.discovery.v1',
    'io.k8s.api.networking.v1',
    'io.k8s.api.storage.v1',
    'io.k8s.api.node.v1',
    'io.k8s.api.admissionregistration.v1',
    'io.k8s.api.authentication.v1',
    'io.k8s.api.authorization.v1',
    'io.k8s.api.certificates.v1',
    'io.k8s.apimachinery.pkg.apis.meta.v1',
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  ]) {
    assert.ok(groups.has(g), `no entries for ${g}`);
  }
});

test('withPatchMetadata: writes the extensions onto matching properties without touching the input', () => {
  const definitions: Definitions = {
    [`${core}PodSpec`]: {
      type: 'object',
      properties: {
        containers: { type: 'array', items: { $ref: `#/definitions/${core}Container` } },
        tolerations: { type: 'array', items: {} },
        restartPolicy: { type: 'string' },
      },
    },
    'other.Type': { type: 'object' },
  };
  const snapshot = structuredClone(definitions);
  const out = withPatchMetadata(definitions);
  assert.deepStrictEqual(definitions, snapshot);
  assert.deepStrictEqual(out[`${core}PodSpec`]!.properties!.containers, {
    type: 'array',
    items: { $ref: `#/definitions/${core}Container` },
    'x-kubernetes-patch-strategy': 'merge',
    'x-kubernetes-patch-merge-key': 'name',
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  });
  assert.deepStrictEqual(out[`${core}PodSpec`]!.properties!.tolerations, {
    type: 'array',
    items: {},
    'x-kubernetes-list-type': 'atomic',
  });
  assert.deepStrictEqual(out[`${core}PodSpec`]!.properties!.restartPolicy, { type: 'string' });
  assert.equal(out['other.Type'], definitions['other.Type']);

  const lookup = openApiPatchSchema(out, `${core}PodSpec`).lookupSlice('containers');
  assert.deepStrictEqual(lookup.meta, { strategies: ['merge'], mergeKey: 'name' });
});
