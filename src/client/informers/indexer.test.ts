import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Indexer } from './indexer.js';
import {
  NamespaceIndex,
  namespaceIndexFunc,
  NodeNameIndex,
  nodeNameIndexFunc,
  OwnerUidIndex,
  ownerUidIndexFunc,
} from './indexers.js';
import { DeletedFinalStateUnknown, metaNamespaceKey, objectOf, splitMetaNamespaceKey } from './keys.js';
import { Lister } from './lister.js';

function pod(
  ns: string,
  name: string,
  extra: { node?: string; owners?: string[]; labels?: Record<string, string> } = {},
): Pod {
  return {
    metadata: {
      namespace: ns,
      name,
      labels: extra.labels,
      ownerReferences: extra.owners?.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid })),
    },
    spec: { containers: [], nodeName: extra.node },
  };
}

const names = (ps: Pod[]) => ps.map((p) => metaNamespaceKey(p)).sort();

function newIndexer() {
  return new Indexer<Pod>({
    [NamespaceIndex]: namespaceIndexFunc,
    [OwnerUidIndex]: ownerUidIndexFunc,
    [NodeNameIndex]: nodeNameIndexFunc,
  });
}

test('keys: namespace/name, cluster-scoped name, tombstones keep their key', () => {
  assert.equal(metaNamespaceKey(pod('ns', 'a')), 'ns/a');
  assert.equal(metaNamespaceKey({ metadata: { name: 'node1' } }), 'node1');
  const t = new DeletedFinalStateUnknown('ns/a', pod('ns', 'a'));
  assert.equal(metaNamespaceKey(t), 'ns/a');
  assert.equal(objectOf(t).metadata?.name, 'a');
  assert.deepEqual(splitMetaNamespaceKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitMetaNamespaceKey('node1'), { namespace: '', name: 'node1' });
  assert.throws(() => splitMetaNamespaceKey('a/b/c'), /unexpected key format/);
});

test('indexer keeps namespace, owner UID and node name indices in step with updates and deletes', () => {
  const idx = newIndexer();
  idx.add(pod('a', 'p1', { node: 'n1', owners: ['rs-1'] }));
  idx.add(pod('a', 'p2', { node: 'n2', owners: ['rs-1', 'rs-2'] }));
  idx.add(pod('b', 'p3', { owners: ['rs-2'] }));

  assert.deepEqual(names(idx.byIndex(NamespaceIndex, 'a')), ['a/p1', 'a/p2']);
  assert.deepEqual(names(idx.byIndex(OwnerUidIndex, 'rs-1')), ['a/p1', 'a/p2']);
  assert.deepEqual(names(idx.byIndex(OwnerUidIndex, 'rs-2')), ['a/p2', 'b/p3']);
  assert.deepEqual(names(idx.byIndex(NodeNameIndex, 'n1')), ['a/p1']);
  assert.deepEqual(idx.listIndexFuncValues(NodeNameIndex).sort(), ['n1', 'n2'], 'unscheduled pods are not indexed');

  // The pod moves nodes and loses an owner: old index entries go away.
  idx.update(pod('a', 'p2', { node: 'n1', owners: ['rs-2'] }));
  assert.deepEqual(names(idx.byIndex(NodeNameIndex, 'n1')), ['a/p1', 'a/p2']);
  assert.deepEqual(idx.byIndex(NodeNameIndex, 'n2'), []);
  assert.deepEqual(names(idx.byIndex(OwnerUidIndex, 'rs-1')), ['a/p1']);
  assert.ok(!idx.listIndexFuncValues(NodeNameIndex).includes('n2'), 'empty index values are dropped');

  idx.delete(pod('a', 'p1'));
  assert.deepEqual(idx.byIndex(OwnerUidIndex, 'rs-1'), []);
  assert.equal(idx.getByKey('a/p1'), undefined);
  assert.equal(idx.size, 2);
  assert.deepEqual(names(idx.index(OwnerUidIndex, pod('x', 'y', { owners: ['rs-2'] }))), ['a/p2', 'b/p3']);
  assert.throws(() => idx.byIndex('nope', 'x'), /Index with name nope does not exist/);
});

test('custom indexers can be added after objects are stored; replace rebuilds everything', () => {
  const idx = newIndexer();
  idx.add(pod('a', 'p1', { labels: { app: 'web' } }));
  idx.add(pod('a', 'p2', { labels: { app: 'db' } }));
  idx.addIndexers({ byApp: (p) => (p.metadata?.labels?.app ? [p.metadata.labels.app] : []) });
  assert.deepEqual(names(idx.byIndex('byApp', 'web')), ['a/p1']);
  assert.throws(() => idx.addIndexers({ byApp: () => [] }), /indexer conflict: byApp/);

  idx.replace([pod('c', 'p9', { labels: { app: 'web' } })]);
  assert.deepEqual(names(idx.byIndex('byApp', 'web')), ['c/p9']);
  assert.deepEqual(idx.byIndex(NamespaceIndex, 'a'), []);
  assert.deepEqual(idx.listKeys(), ['c/p9']);
});

test('lister: list by selector, get by namespace/name, namespace lister, byIndex', () => {
  const idx = newIndexer();
  idx.add(pod('a', 'web-1', { labels: { app: 'web', tier: 'front' } }));
  idx.add(pod('a', 'db-1', { labels: { app: 'db' } }));
  idx.add(pod('b', 'web-2', { labels: { app: 'web' }, node: 'n1' }));
  idx.add({ metadata: { name: 'cluster-thing' } } as Pod);
  const lister = new Lister(idx);
  assert.deepEqual(names(lister.list('app=web')), ['a/web-1', 'b/web-2']);
  assert.deepEqual(names(lister.list('app=web,tier!=front')), ['b/web-2']);
  assert.equal(lister.list().length, 4);
  assert.equal(lister.get('a', 'db-1')?.metadata?.name, 'db-1');
  assert.equal(lister.get('', 'cluster-thing')?.metadata?.name, 'cluster-thing');
  assert.equal(lister.get('a', 'nope'), undefined);
  assert.deepEqual(names(lister.namespace('a').list('app')), ['a/db-1', 'a/web-1']);
  assert.equal(lister.namespace('b').get('web-2')?.spec?.nodeName, 'n1');
  assert.deepEqual(names(lister.byIndex(NodeNameIndex, 'n1')), ['b/web-2']);
  assert.throws(
    () => lister.list('app in (x'),
    (e: Error) => /unable to parse requirement|found/.test(e.message),
  );
});
