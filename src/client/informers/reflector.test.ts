import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expired } from '../../api/errors/status-error.js';
import { FakeClock } from '../../lib/clock.js';
import type { KubeObject, ListOptions, ObjectList } from '../resource-client.js';
import type { ListerWatcher } from './list-watch.js';
import { Reflector, type ReflectorStore } from './reflector.js';

const obj = (name: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: '7' } });

/** A scripted ListerWatcher: list answers come from `pages`, watches always 410. */
function scripted(pages: ((o: ListOptions) => ObjectList<KubeObject>)[]) {
  const calls: ListOptions[] = [];
  const lw: ListerWatcher<KubeObject> = {
    list: async (o) => {
      calls.push({ ...o, signal: undefined });
      const next = pages.shift();
      if (!next) throw new Error('unexpected list');
      return next(o);
    },
    watch: async () => {
      throw expired('too old resource version');
    },
  };
  return { lw, calls };
}

function collectingStore() {
  const replaced: string[][] = [];
  const store: ReflectorStore<KubeObject> = {
    replace: (items) => replaced.push(items.map((i) => i.metadata!.name!)),
    add() {},
    update() {},
    delete() {},
  };
  return { store, replaced };
}

test('relists are paged; an expired continue token falls back to one full list', async () => {
  const clock = new FakeClock();
  const { lw, calls } = scripted([
    () => ({ metadata: { resourceVersion: '7' }, items: [obj('a')] }),
    () => ({ metadata: { resourceVersion: '9', continue: 'c1' }, items: [obj('a'), obj('b')] }),
    () => ({ metadata: { resourceVersion: '9', continue: 'c2' }, items: [obj('c'), obj('d')] }),
    () => ({ metadata: { resourceVersion: '9' }, items: [obj('e')] }),
    () => ({ metadata: { resourceVersion: '11', continue: 'c3' }, items: [obj('a'), obj('b')] }),
    () => {
      throw expired('The provided continue parameter is too old');
    },
    () => ({ metadata: { resourceVersion: '12' }, items: [obj('x')] }),
  ]);
  const { store, replaced } = collectingStore();
  const r = new Reflector(lw, store, { clock, pageSize: 2, random: () => 0 });
  const ctrl = new AbortController();
  const run = r.run(ctrl.signal);
  await clock.advance(0);
  assert.deepEqual(calls[0], { resourceVersion: '0', signal: undefined });
  await clock.advance(800);
  assert.deepEqual(replaced[1], ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(
    calls.slice(1, 4).map((c) => [c.resourceVersion, c.limit, c.continue]),
    [
      ['7', 2, undefined],
      [undefined, 2, 'c1'],
      [undefined, 2, 'c2'],
    ],
    'the RV goes on the first page only; continue tokens carry it afterwards',
  );
  await clock.advance(1600);
  assert.deepEqual(replaced[2], ['x']);
  assert.deepEqual(
    calls.slice(4).map((c) => [c.resourceVersion, c.limit, c.continue]),
    [
      ['9', 2, undefined],
      [undefined, 2, 'c3'],
      ['9', undefined, undefined],
    ],
  );
  assert.equal(r.lastSyncResourceVersion, '12');
  ctrl.abort();
  await run;
});
