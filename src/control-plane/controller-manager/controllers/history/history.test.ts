import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { parseLabelSelector } from '../../../../api/selectors/label-selector.js';
import { gvr, SharedInformerFactory, typed } from '../../../../client/index.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { safeEncodeString } from '../deployment/pod-template-hash.js';
import {
  ControllerRevisionHashLabel,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  fnv32,
  hashControllerRevision,
  maxRevision,
  newControllerRevision,
  nextRevision,
  revisionRaw,
  sortControllerRevisions,
} from './controller-history.js';
import { goJSONMarshal, sortedCopy } from './go-json.js';
import { ControllerHistory } from './history-client.js';
import { applyTemplatePatch, templatePatch, templatePatchRaw } from './template-patch.js';

test('goJSONMarshal writes what Go encoding/json writes for decoded JSON', () => {
  const cases: [unknown, string][] = [
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ z: { y: 1, $patch: 'replace', A: 2 } }, '{"z":{"$patch":"replace","A":2,"y":1}}'],
    ['<a & b>', '"\\u003ca \\u0026 b\\u003e"'],
    ['line\u2028sep\ttab"q"\\', '"line\\u2028sep\\ttab\\"q\\"\\\\"'],
    [1.5, '1.5'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [{ skip: undefined, keep: 0 }, '{"keep":0}'],
    [{ é: 1, z: 2 }, '{"z":2,"é":1}'],
    [null, 'null'],
  ];
  for (const [value, want] of cases) assert.equal(goJSONMarshal(value), want, JSON.stringify(value));
});

test('sortedCopy inserts keys in Go order so JSON.stringify matches goJSONMarshal (without HTML escapes)', () => {
  const v = { spec: { b: [{ y: 1, x: 2 }], a: 'v' }, kind: 'K' };
  assert.equal(JSON.stringify(sortedCopy(v)), goJSONMarshal(v));
});

test('fnv32 is FNV-1 (not FNV-1a)', () => {
  assert.equal(fnv32(Buffer.from('')), 0x811c9dc5);
  assert.equal(fnv32(Buffer.from('a')), 0x050c5d7e);
  assert.equal(fnv32(Buffer.from('foobar')), 0x31f0b262);
});

test('hashControllerRevision hashes the raw data, then the collision count as decimal text', () => {
  const raw = '{"spec":{"template":{"$patch":"replace"}}}';
  assert.equal(hashControllerRevision(raw), safeEncodeString(String(fnv32(Buffer.from(raw)))));
  assert.equal(hashControllerRevision(raw, 12), safeEncodeString(String(fnv32(Buffer.from(`${raw}12`)))));
  assert.notEqual(hashControllerRevision(raw, 0), hashControllerRevision(raw));
});

test('controllerRevisionName cuts long prefixes to 223 bytes', () => {
  assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
  const long = 'x'.repeat(300);
  assert.equal(controllerRevisionName(long, 'h'), `${'x'.repeat(223)}-h`);
});

const parent = { metadata: { name: 'web', namespace: 'ns', uid: 'uid-1' } };

function rev(revision: number, data: object, extra: Partial<ControllerRevision['metadata']> = {}): ControllerRevision {
  const r = newControllerRevision(parent, 'apps/v1', 'StatefulSet', { app: 'web' }, data, revision, undefined);
  r.metadata = { ...r.metadata, ...extra };
  return r;
}

test('newControllerRevision names, labels and owns the revision', () => {
  const data = { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'web' } } } } };
  const r = newControllerRevision(parent, 'apps/v1', 'StatefulSet', { app: 'web' }, data, 3, 2);
  const hash = hashControllerRevision(goJSONMarshal(data), 2);
  assert.equal(r.metadata!.name, `web-${hash}`);
  assert.deepEqual(r.metadata!.labels, { app: 'web', [ControllerRevisionHashLabel]: hash });
  assert.equal(r.metadata!.namespace, 'ns');
  assert.deepEqual(r.metadata!.ownerReferences, [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      name: 'web',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.equal(r.revision, 3);
  assert.equal(revisionRaw(r), goJSONMarshal(data));
});

test('equalRevision compares raw data; sorting and numbering follow revision, time, name', () => {
  const a = rev(1, { v: 1 });
  const b = rev(2, { v: 2 });
  const a2 = rev(5, { v: 1 });
  assert.ok(equalRevision(a, a2));
  assert.ok(!equalRevision(a, b));
  assert.ok(equalRevision(undefined, undefined));
  assert.ok(!equalRevision(a, undefined));
  // Hash labels that parse as numbers and differ make revisions different.
  const n1 = rev(1, { v: 1 }, { labels: { [ControllerRevisionHashLabel]: '123' } });
  const n2 = rev(1, { v: 1 }, { labels: { [ControllerRevisionHashLabel]: '456' } });
  assert.ok(!equalRevision(n1, n2));
  assert.deepEqual(findEqualRevisions([b, a, a2], a), [a, a2]);

  const t1 = rev(2, { v: 3 }, { name: 'b', creationTimestamp: '2024-01-01T00:00:01Z' });
  const t2 = rev(2, { v: 4 }, { name: 'a', creationTimestamp: '2024-01-01T00:00:01Z' });
  const t0 = rev(2, { v: 5 }, { name: 'z', creationTimestamp: '2024-01-01T00:00:00Z' });
  assert.deepEqual(
    sortControllerRevisions([b, t1, a, t2, t0]).map((r) => [r.revision, r.metadata!.name]),
    [
      [1, a.metadata!.name],
      // No creation time sorts as the zero time, first.
      [2, b.metadata!.name],
      [2, 'z'],
      [2, 'a'],
      [2, 'b'],
    ],
  );
  assert.equal(nextRevision([]), 1);
  assert.equal(nextRevision(sortControllerRevisions([a, a2, b])), 6);
  assert.equal(maxRevision([b, a2, a]), 5);
});

const set = (image: string, replicas = 3): StatefulSet => ({
  metadata: { name: 'web', namespace: 'ns' },
  spec: {
    replicas,
    serviceName: 'web',
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { note: '<b>' } },
      spec: { containers: [{ name: 'c', image, ports: [{ containerPort: 80 }] }] },
    },
  },
});

test('templatePatch replaces spec.template; applying it restores the template and nothing else', () => {
  const v1 = set('nginx:1', 3);
  const patch = templatePatch(v1);
  assert.equal(
    templatePatchRaw(v1),
    '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"note":"\\u003cb\\u003e"},"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1","name":"c","ports":[{"containerPort":80}]}]}}}}',
  );
  const v2 = set('nginx:2', 7);
  v2.spec!.template!.spec!.containers.push({ name: 'extra', image: 'x' });
  const restored = applyTemplatePatch(v2, patch);
  assert.deepEqual(restored.spec!.template, v1.spec!.template);
  assert.equal(restored.spec!.replicas, 7);
  // The input is not changed.
  assert.equal(v2.spec!.template!.spec!.containers.length, 2);
});

test('ControllerHistory.create probes past name collisions and reuses an identical revision', async () => {
  const fake = new FakeApiServer();
  const rest = fakeRestClient(fake);
  const resource = gvr('apps', 'v1', 'controllerrevisions');
  const informers = new SharedInformerFactory({ rest });
  const lister = informers.forResource<ControllerRevision>(resource).lister();
  const history = new ControllerHistory(typed<ControllerRevision>(rest, resource), lister);
  const data = templatePatch(set('nginx:1'));
  const wanted = newControllerRevision(parent, 'apps/v1', 'StatefulSet', { app: 'web' }, data, 1, 0);
  // Someone else's revision already has the name the first probe gives.
  fake.seed('apps', 'controllerrevisions', {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: wanted.metadata!.name, namespace: 'ns' },
    data: { other: true },
    revision: 9,
  });
  const collisions = { value: 0 };
  const created = await history.create(parent, wanted, collisions);
  assert.equal(collisions.value, 1);
  assert.equal(created.metadata!.name, `web-${hashControllerRevision(goJSONMarshal(data), 1)}`);
  assert.deepEqual(created.data, data);

  // The same data again: the existing revision is returned, no new collision.
  const again = await history.create(parent, wanted, collisions);
  assert.equal(again.metadata!.name, created.metadata!.name);
  assert.equal(collisions.value, 1);
  assert.equal(fake.list('apps', 'controllerrevisions', 'ns').length, 2);

  const renumbered = await history.updateRevision(again, 4);
  assert.equal(renumbered.revision, 4);
  await history.delete(renumbered);
  await history.delete(renumbered); // already gone: fine
  assert.equal(fake.list('apps', 'controllerrevisions', 'ns').length, 1);

  // list() keeps revisions controlled by the parent or by nobody.
  const ctrl = new AbortController();
  informers.start(ctrl.signal);
  await informers.waitForCacheSync(ctrl.signal);
  fake.seed('apps', 'controllerrevisions', { ...wanted, metadata: { ...wanted.metadata, name: 'mine' } });
  fake.seed('apps', 'controllerrevisions', {
    ...wanted,
    metadata: {
      ...wanted.metadata,
      name: 'theirs',
      ownerReferences: [{ ...wanted.metadata!.ownerReferences![0]!, uid: 'other' }],
    },
  });
  fake.seed('apps', 'controllerrevisions', {
    ...wanted,
    metadata: { name: 'orphan', namespace: 'ns', labels: { app: 'web' } },
  });
  const listed = () =>
    history
      .list(parent, parseLabelSelector('app=web'))
      .map((r) => r.metadata!.name)
      .sort();
  for (let i = 0; i < 200 && listed().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(listed(), ['mine', 'orphan']);
  ctrl.abort();
  await informers.shutdown();
});
