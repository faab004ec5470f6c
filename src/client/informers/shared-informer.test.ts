import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { expired, tooManyRequests } from '../../api/errors/status-error.js';
import { FakeClock } from '../../lib/clock.js';
import { assertNoLeaks, startLeakTracking } from '../../lib/disposable.js';
import { typed } from '../resource-client.js';
import { gvr } from '../resource-path.js';
import { FakeApiServer, fakeRestClient } from '../testing/fake-api-server.js';
import { SharedInformerFactory } from './informer-factory.js';
import { NodeNameIndex, nodeNameIndexFunc } from './indexers.js';
import { DeletedFinalStateUnknown } from './keys.js';
import { listWatchFor } from './list-watch.js';
import { SharedIndexInformer, type ResourceEventHandler } from './shared-informer.js';

const podsGVR = gvr('', 'v1', 'pods');
const pod = (name: string, ns = 'default', labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [] },
});

/** Records handler calls as compact strings. */
function recorder() {
  const calls: string[] = [];
  const handler: ResourceEventHandler<Pod> = {
    onAdd: (o, initial) => calls.push(`add:${o.metadata?.name}${initial ? ':initial' : ''}`),
    onUpdate: (o, n) =>
      calls.push(`update:${n.metadata?.name}:${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`),
    onDelete: (o) =>
      calls.push(o instanceof DeletedFinalStateUnknown ? `tombstone:${o.key}` : `delete:${o.metadata?.name}`),
  };
  return { calls, handler };
}

async function until(clock: FakeClock, cond: () => boolean, what: string) {
  for (let i = 0; i < 50; i++) {
    if (cond()) return;
    await clock.advance(0);
  }
  assert.fail(`timed out waiting for ${what}`);
}

function setup() {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  const rest = fakeRestClient(fake, { clock });
  const informer = new SharedIndexInformer<Pod>(listWatchFor(typed<Pod>(rest, podsGVR)), {
    clock,
    name: 'pods',
    reflector: { random: () => 0 },
  });
  const ctrl = new AbortController();
  return { clock, fake, rest, informer, ctrl };
}

const lists = (fake: FakeApiServer) =>
  fake.requests.filter((r) => r.method === 'GET' && !r.query.includes('watch=true'));
const watches = (fake: FakeApiServer) => fake.requests.filter((r) => r.query.includes('watch=true'));

test('lists at resourceVersion=0, watches from the list RV with bookmarks, resumes from the last RV', async () => {
  startLeakTracking();
  const { clock, fake, informer, ctrl } = setup();
  fake.seed('', 'pods', pod('a'));
  const { calls, handler } = recorder();
  informer.addEventHandler(handler);
  const run = informer.run(ctrl.signal);
  assert.equal(await informer.waitForSync(), true);
  await until(clock, () => fake.openWatches === 1, 'watch');

  const list = new URLSearchParams(lists(fake)[0]!.query);
  assert.equal(list.get('resourceVersion'), '0');
  const w1 = new URLSearchParams(watches(fake)[0]!.query);
  assert.equal(w1.get('resourceVersion'), fake.resourceVersion);
  assert.equal(w1.get('allowWatchBookmarks'), 'true');
  assert.ok(Number(w1.get('timeoutSeconds')) >= 300);

  fake.seed('', 'pods', pod('b'));
  await until(clock, () => calls.length === 2, 'add b');
  fake.bookmark();
  const bookmarkRv = fake.resourceVersion;
  await until(clock, () => informer.lastSyncResourceVersion === bookmarkRv, 'bookmark RV');
  fake.closeWatches();
  await until(clock, () => watches(fake).length === 2 && fake.openWatches === 1, 're-watch');
  assert.equal(new URLSearchParams(watches(fake)[1]!.query).get('resourceVersion'), bookmarkRv);
  assert.equal(lists(fake).length, 1, 'a normal watch end does not relist');

  assert.deepEqual(calls, ['add:a:initial', 'add:b']);
  assert.deepEqual(
    informer
      .lister()
      .list()
      .map((p) => p.metadata?.name)
      .sort(),
    ['a', 'b'],
  );
  ctrl.abort();
  await run;
  assert.equal(fake.openWatches, 0, 'stopping closes the watch');
  assertNoLeaks();
});

test('410 relists: objects deleted while the watch was down arrive as tombstones', async () => {
  const { clock, fake, informer, ctrl } = setup();
  fake.seed('', 'pods', pod('a'));
  fake.seed('', 'pods', pod('b'));
  const { calls, handler } = recorder();
  informer.addEventHandler(handler);
  const run = informer.run(ctrl.signal);
  await informer.waitForSync();
  await until(clock, () => fake.openWatches === 1, 'watch');
  const syncedRv = informer.lastSyncResourceVersion;

  // etcd compaction: an in-stream 410 ends the watch; the delete and add happen during the backoff.
  fake.expireWatches();
  await until(clock, () => fake.openWatches === 0, 'watch end');
  const aRv = fake.get('', 'pods', 'default', 'a')!.metadata.resourceVersion;
  await typed<Pod>(fakeRestClient(fake), podsGVR, 'default').delete('b');
  fake.seed('', 'pods', pod('c'));
  fake.compact();
  assert.equal(lists(fake).length, 1);
  await clock.advance(800);
  await until(clock, () => fake.openWatches === 1, 'watch after relist');

  const relist = new URLSearchParams(lists(fake)[1]!.query);
  assert.equal(relist.get('resourceVersion'), syncedRv, 'relist from the last synced RV');
  assert.equal(relist.get('limit'), '500', 'relists not served from cache are paged');
  assert.deepEqual(calls.slice(2).sort(), ['add:c', `tombstone:default/b`, `update:a:${aRv}->${aRv}`].sort());
  assert.equal(informer.lister().get('default', 'b'), undefined);
  ctrl.abort();
  await run;
});

test('a 410 on the relist falls back to a quorum list; a 410 on watch setup relists', async () => {
  const { clock, fake, informer, ctrl } = setup();
  fake.seed('', 'pods', pod('a'));
  const run = informer.run(ctrl.signal);
  await informer.waitForSync();
  await until(clock, () => fake.openWatches === 1, 'watch');
  fake.compact();
  fake.failNext(
    1,
    (r) => !r.query.has('watch') && r.query.has('resourceVersion'),
    expired('too old resource version: 2 (5)'),
  );
  fake.closeWatches(); // no events on that watch and no time passed: a "very short watch", so relist
  await clock.advance(800);
  await until(clock, () => lists(fake).length === 3, 'fallback list');
  const [, failed, quorum] = lists(fake).map((r) => new URLSearchParams(r.query));
  assert.ok(failed!.get('resourceVersion'));
  assert.equal(quorum!.get('resourceVersion'), null, 'then lists without a resourceVersion');
  await until(clock, () => fake.openWatches === 1, 'watch after fallback');

  // A watch refused with 429 is retried without relisting.
  const listsBefore = lists(fake).length;
  fake.failNext(1, (r) => r.query.get('watch') === 'true', tooManyRequests('busy', 0));
  fake.seed('', 'pods', pod('z'));
  fake.closeWatches();
  await clock.advance(800);
  await clock.advance(1600);
  await until(clock, () => fake.openWatches === 1, 'watch after 429');
  assert.equal(lists(fake).length, listsBefore);

  // A watch refused with 410 relists.
  fake.failNext(1, (r) => r.query.get('watch') === 'true', expired('too old resource version: 3 (9)'));
  fake.seed('', 'pods', pod('y'));
  fake.closeWatches();
  await clock.advance(5000);
  await until(clock, () => fake.openWatches === 1, 'watch after 410');
  assert.equal(lists(fake).length, listsBefore + 1);
  assert.deepEqual(
    informer
      .lister()
      .list()
      .map((p) => p.metadata?.name)
      .sort(),
    ['a', 'y', 'z'],
  );
  ctrl.abort();
  await run;
});

test('late handlers get the cache replayed; resync calls onUpdate(obj, obj) on the clock', async () => {
  const { clock, fake, informer, ctrl } = setup();
  fake.seed('', 'pods', pod('a'));
  const run = informer.run(ctrl.signal);
  await informer.waitForSync();
  const { calls, handler } = recorder();
  const reg = informer.addEventHandler(handler, { resyncPeriodMs: 30_000 });
  assert.equal(reg.hasSynced(), true);
  assert.deepEqual(calls, ['add:a:initial']);
  const rv = fake.get('', 'pods', 'default', 'a')!.metadata.resourceVersion;
  await clock.advance(30_000);
  assert.deepEqual(calls, ['add:a:initial', `update:a:${rv}->${rv}`]);
  reg.dispose();
  await clock.advance(30_000);
  assert.equal(calls.length, 2, 'unregistered handlers hear nothing');
  ctrl.abort();
  await run;
});

test('a throwing handler does not stop other handlers or the informer', async () => {
  const { clock, fake, informer, ctrl } = setup();
  const { calls, handler } = recorder();
  informer.addEventHandler({
    onAdd: () => {
      throw new Error('bad handler');
    },
  });
  informer.addEventHandler(handler);
  const run = informer.run(ctrl.signal);
  await informer.waitForSync();
  await until(clock, () => fake.openWatches === 1, 'watch');
  fake.seed('', 'pods', pod('a'));
  await until(clock, () => calls.length === 1, 'add a');
  ctrl.abort();
  await run;
});

test('factory shares informers per resource and selectors, syncs and stops them together', async () => {
  const clock = new FakeClock();
  const fake = new FakeApiServer(clock);
  fake.seed('', 'pods', { ...pod('p1', 'a', { app: 'web' }), spec: { containers: [], nodeName: 'n1' } });
  fake.seed('', 'pods', pod('p2', 'b'));
  fake.seed('', 'nodes', { kind: 'Node', metadata: { name: 'n1' } });
  const factory = new SharedInformerFactory({ rest: fakeRestClient(fake, { clock }), clock });
  const pods1 = factory.forResource<Pod>(podsGVR);
  const pods2 = factory.forResource<Pod>(podsGVR, { indexers: { [NodeNameIndex]: nodeNameIndexFunc } });
  const web = factory.forResource<Pod>(podsGVR, { labelSelector: 'app=web' });
  const inB = factory.forResource<Pod>(podsGVR, { namespace: 'b' });
  const nodes = factory.forResource(gvr('', 'v1', 'nodes'));
  assert.equal(pods1, pods2, 'same resource and options: one informer');
  assert.notEqual(pods1, web);
  factory.start();
  const synced = await factory.waitForCacheSync();
  assert.deepEqual([...synced.values()], [true, true, true, true]);
  assert.equal(pods1.lister().list().length, 2);
  assert.deepEqual(
    pods1
      .lister()
      .byIndex(NodeNameIndex, 'n1')
      .map((p) => p.metadata?.name),
    ['p1'],
  );
  assert.deepEqual(
    web
      .lister()
      .list()
      .map((p) => p.metadata?.name),
    ['p1'],
  );
  assert.deepEqual(
    inB
      .lister()
      .list()
      .map((p) => p.metadata?.name),
    ['p2'],
  );
  assert.equal(nodes.lister().get('', 'n1')?.metadata?.name, 'n1');
  assert.equal(fake.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.includes('watch')).length, 2);
  await until(clock, () => fake.openWatches === 4, 'watches');
  await factory.shutdown();
  assert.equal(fake.openWatches, 0);
});
