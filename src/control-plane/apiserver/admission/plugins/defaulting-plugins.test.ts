import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PersistentVolumeClaim, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { DefaultTolerationSeconds } from './default-toleration-seconds.js';
import { TaintNodesByCondition } from './taint-nodes-by-condition.js';
import { DefaultStorageClass } from './default-storage-class.js';
import { attrs } from './testing.js';

test('DefaultTolerationSeconds adds both NoExecute tolerations unless already tolerated', () => {
  const plugin = new DefaultTolerationSeconds();
  const cases: [Toleration[] | undefined, string[]][] = [
    [undefined, ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']],
    [
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }],
      ['node.kubernetes.io/unreachable'],
    ],
    [[{ operator: 'Exists' }], []],
    [[{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }], ['node.kubernetes.io/not-ready']],
    [
      [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }],
      ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'],
    ],
  ];
  for (const [tolerations, added] of cases) {
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: { containers: [], tolerations: tolerations ? [...tolerations] : undefined },
    };
    const a = attrs({ resource: 'pods', object: pod });
    assert.ok(plugin.handles(a));
    plugin.admit(a);
    const after = pod.spec!.tolerations ?? [];
    const extra = after.slice((tolerations ?? []).length);
    assert.deepEqual(
      extra.map((t) => t.key),
      added,
      JSON.stringify(tolerations),
    );
    for (const t of extra)
      assert.deepEqual(t, { key: t.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
});

test('TaintNodesByCondition taints new nodes not-ready:NoSchedule once', () => {
  const plugin = new TaintNodesByCondition();
  const node: Node = {
    metadata: { name: 'n1' },
    spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] },
  };
  const a = attrs({ resource: 'nodes', object: node });
  assert.ok(plugin.handles(a));
  plugin.admit(a);
  plugin.admit(a);
  assert.deepEqual(node.spec!.taints, [
    { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
  ]);
  assert.equal(plugin.handles(attrs({ resource: 'nodes', operation: 'UPDATE', name: 'n1', object: node })), false);
});

test('DefaultStorageClass picks the newest default class for claims without a class', async () => {
  const sc = (name: string, created: string, isDefault: boolean): StorageClass => ({
    metadata: {
      name,
      creationTimestamp: created,
      annotations: isDefault ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {},
    },
    provisioner: 'x',
  });
  const plugin = new DefaultStorageClass({
    listStorageClasses: () => [
      sc('old', '2025-01-01T00:00:00Z', true),
      sc('new', '2025-06-01T00:00:00Z', true),
      sc('fast', '2026-01-01T00:00:00Z', false),
    ],
  });
  const claim = (
    spec: Partial<PersistentVolumeClaim['spec']> = {},
    annotations?: Record<string, string>,
  ): PersistentVolumeClaim => ({
    metadata: { name: 'data', annotations },
    spec: { accessModes: ['ReadWriteOnce'], ...spec },
  });
  const plain = claim();
  await plugin.admit(attrs({ resource: 'persistentvolumeclaims', object: plain }));
  assert.equal(plain.spec!.storageClassName, 'new');
  const explicitEmpty = claim({ storageClassName: '' });
  await plugin.admit(attrs({ resource: 'persistentvolumeclaims', object: explicitEmpty }));
  assert.equal(explicitEmpty.spec!.storageClassName, '');
  const beta = claim({}, { 'volume.beta.kubernetes.io/storage-class': 'fast' });
  await plugin.admit(attrs({ resource: 'persistentvolumeclaims', object: beta }));
  assert.equal(beta.spec!.storageClassName, undefined);
  const none = claim();
  await new DefaultStorageClass({ listStorageClasses: () => [] }).admit(
    attrs({ resource: 'persistentvolumeclaims', object: none }),
  );
  assert.equal(none.spec!.storageClassName, undefined);
});
