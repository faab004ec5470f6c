import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../../api/errors/status-error.js';
import { nullLogger } from '../../../../lib/log.js';
import { SqliteStorage } from '../../../storage/sqlite/backend.js';
import type { StorageError, WatchEvent } from '../../../storage/interface.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { CrConverter } from './converter.js';
import { ConvertingStorage } from './converting-storage.js';

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const dec = (v: Uint8Array) => JSON.parse(new TextDecoder().decode(v)) as KubeObject;
const v1 = 'stable.example.com/v1';
const v2 = 'stable.example.com/v2';

/** v1 has spec.cronSpec, v2 spec.schedule; records each call; `broken` makes it fail. */
function renamer() {
  const calls: { names: string[]; to: string; list: boolean }[] = [];
  const state = { broken: false };
  const conv: CrConverter = {
    convert(objects, apiVersion, o = {}) {
      const todo = objects.filter((x) => x.apiVersion !== apiVersion);
      if (todo.length) calls.push({ names: todo.map((x) => x.metadata.name!), to: apiVersion, list: !!o.list });
      if (todo.length && state.broken) return Promise.reject(new StatusError(500, '', 'webhook down'));
      return Promise.resolve(
        objects.map((x) => {
          if (x.apiVersion === apiVersion) return x;
          const { cronSpec, schedule, ...rest } = x.spec as Record<string, unknown>;
          const spec = apiVersion === v2 ? { ...rest, schedule: cronSpec } : { ...rest, cronSpec: schedule };
          return { ...x, apiVersion, spec };
        }),
      );
    },
  };
  return { conv, calls, state };
}

const ct = (name: string, apiVersion: string, value: string) => ({
  apiVersion,
  kind: 'CronTab',
  metadata: { name, namespace: 'default' },
  spec: apiVersion === v1 ? { cronSpec: value } : { schedule: value },
});

async function setup() {
  const inner = SqliteStorage.open({ path: ':memory:', compactionIntervalMs: 0 });
  const r = renamer();
  const view = new ConvertingStorage({
    inner,
    converter: r.conv,
    viewAPIVersion: v2,
    storageAPIVersion: v1,
    log: nullLogger,
  });
  return { inner, view, ...r };
}

test('writes are stored at the storage version; reads come out at the view version', async (t) => {
  const { inner, view, calls } = await setup();
  t.after(() => inner.dispose());
  const created = await view.create('/registry/g/ct/default/a', enc(ct('a', v2, '*/1')));
  assert.equal(dec(created.value).apiVersion, v2, 'the result carries what the caller wrote');
  const stored = dec((await inner.get('/registry/g/ct/default/a'))!.value);
  assert.deepEqual(stored.spec, { cronSpec: '*/1' });
  assert.equal(stored.apiVersion, v1);

  const got = dec((await view.get('/registry/g/ct/default/a'))!.value);
  assert.equal(got.apiVersion, v2);
  assert.deepEqual(got.spec, { schedule: '*/1' });

  await view.update('/registry/g/ct/default/a', enc(ct('a', v2, '*/2')), created.modRevision);
  assert.deepEqual(dec((await inner.get('/registry/g/ct/default/a'))!.value).spec, { cronSpec: '*/2' });
  assert.deepEqual(
    calls.map((c) => c.to),
    [v1, v2, v1],
  );
});

test('list converts every item needing it in one call and passes the rest through', async (t) => {
  const { inner, view, calls } = await setup();
  t.after(() => inner.dispose());
  await inner.create('/registry/g/ct/default/a', enc(ct('a', v1, 'A')));
  const b = enc(ct('b', v2, 'B'));
  await inner.create('/registry/g/ct/default/b', b);
  await inner.create('/registry/g/ct/default/c', enc(ct('c', v1, 'C')));
  const r = await view.list('/registry/g/ct/');
  assert.deepEqual(
    r.items.map((kv) => [dec(kv.value).metadata.name, dec(kv.value).apiVersion, (dec(kv.value).spec as any).schedule]),
    [
      ['a', v2, 'A'],
      ['b', v2, 'B'],
      ['c', v2, 'C'],
    ],
  );
  assert.deepEqual(calls, [{ names: ['a', 'c'], to: v2, list: true }]);
  assert.equal(await view.count('/registry/g/ct/'), 3);
});

test('watch events come out converted and in order; a failure ends the watch with Unavailable', async (t) => {
  const { inner, view, state } = await setup();
  t.after(() => inner.dispose());
  const events: WatchEvent[] = [];
  let failed: StorageError | undefined;
  const start = (await inner.currentRevision()) + 1;
  const w = view.watch(
    '/registry/g/ct/',
    { startRevision: start },
    { onEvents: (evs) => events.push(...evs), onError: (err) => (failed = err) },
  );
  t.after(() => w.dispose());
  const a = await inner.create('/registry/g/ct/default/a', enc(ct('a', v1, 'A')));
  await inner.update('/registry/g/ct/default/a', enc(ct('a', v1, 'A2')), a.modRevision);
  await inner.delete('/registry/g/ct/default/a');
  await waitUntil(() => events.length === 3);
  assert.deepEqual(
    events.map((e) => [e.type, e.type === 'PUT' ? (dec(e.kv.value).spec as any).schedule : '', e.prevKv]),
    [
      ['PUT', 'A', undefined],
      ['PUT', 'A2', undefined],
      ['DELETE', '', undefined],
    ],
  );
  state.broken = true;
  await inner.create('/registry/g/ct/default/b', enc(ct('b', v1, 'B')));
  await waitUntil(() => failed !== undefined);
  assert.equal(failed!.code, 'Unavailable');
  assert.equal(failed!.message, 'webhook down');
  await inner.create('/registry/g/ct/default/c', enc(ct('c', v2, 'C')));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(events.length, 3, 'nothing is delivered after the failure');
});

test('a read whose conversion fails rejects with the converter error', async (t) => {
  const { inner, view, state } = await setup();
  t.after(() => inner.dispose());
  await inner.create('/registry/g/ct/default/a', enc(ct('a', v1, 'A')));
  state.broken = true;
  await assert.rejects(view.get('/registry/g/ct/default/a'), { code: 500, message: 'webhook down' });
  await assert.rejects(view.list('/registry/g/ct/'), { message: 'webhook down' });
  await assert.rejects(view.create('/registry/g/ct/default/b', enc(ct('b', v2, 'B'))), { message: 'webhook down' });
  assert.equal(await inner.get('/registry/g/ct/default/b'), undefined, 'nothing is written when conversion fails');
});

async function waitUntil(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
