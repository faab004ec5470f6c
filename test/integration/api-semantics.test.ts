import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

/**
 * Core REST semantics of the apiserver, driven over HTTPS with the admin client
 * certificate: resourceVersion on GET/LIST, paging and expired continue tokens,
 * watch (bookmarks, 410 in-stream, timeouts, watch-list), optimistic concurrency,
 * generateName, deletecollection, delete preconditions, fieldValidation, body
 * limits and body/URL mismatches — with upstream's codes and messages.
 */

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

interface WatchEvent {
  type: string;
  object: any;
}

const ns = 'semantics';
const cmPath = `/api/v1/namespaces/${ns}/configmaps`;

describe('API semantics over HTTPS', () => {
  let c: TestCluster;
  let tls: { ca: string; cert: string; key: string };
  let base: URL;

  function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    timeoutMs = 30_000,
  ): Promise<Reply> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method,
          ...tls,
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            // Node sends DELETE bodies only with an explicit length.
            ...(payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(payload)) }),
            ...headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * Opens a watch and collects events until `done(events)` holds, the server
   * ends the stream, or `timeoutMs` passes (then the connection is dropped).
   */
  function watch(
    path: string,
    done: (evs: WatchEvent[]) => boolean,
    timeoutMs = 20_000,
  ): Promise<{ status: number; events: WatchEvent[]; ended: boolean; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const events: WatchEvent[] = [];
      let buf = '';
      let settled = false;
      const req = request(
        { host: base.hostname, port: base.port, path, method: 'GET', ...tls, headers: { accept: 'application/json' } },
        (res) => {
          const finish = (ended: boolean) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode ?? 0, events, ended, ms: Date.now() - started });
          };
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            buf += d;
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i).trim();
              buf = buf.slice(i + 1);
              if (line) events.push(JSON.parse(line) as WatchEvent);
            }
            if ((res.statusCode ?? 0) === 200 && done(events)) finish(false);
          });
          res.on('end', () => {
            if (buf.trim()) {
              try {
                events.push(JSON.parse(buf) as WatchEvent);
              } catch {
                events.push({ type: 'RAW', object: buf });
              }
            }
            finish(true);
          });
          res.on('error', () => finish(true));
        },
      );
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        resolve({ status: -1, events, ended: false, ms: Date.now() - started });
      }, timeoutMs);
      req.on('error', (err) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(err);
        }
      });
      req.end();
    });
  }

  const configMap = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { k: 'v' }) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels },
    data,
  });

  async function create(name: string, labels: Record<string, string> = {}): Promise<Reply> {
    const r = await call('POST', cmPath, configMap(name, labels));
    assert.equal(r.status, 201, r.text);
    return r;
  }

  const cmCache = () => c.cp.apiserver.resource('', 'v1', 'configmaps')!.store.deps.cache;

  before(async () => {
    c = await startTestCluster({ controllers: [] });
    base = new URL(c.url);
    tls = { ca: c.cp.pki.serverCA.certPEM, cert: c.cp.pki.admin.certPEM, key: c.cp.pki.admin.keyPEM };
    const r = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    assert.equal(r.status, 201, r.text);
  });
  after(async () => {
    await c?.dispose();
  });

  test('GET and LIST honour resourceVersion: unset, 0, Exact and NotOlderThan', async () => {
    const first = await create('rv-a', { set: 'rv' });
    const rvA = first.json.metadata.resourceVersion as string;
    await create('rv-b', { set: 'rv' });

    const latest = await call('GET', `${cmPath}/rv-a`);
    assert.equal(latest.status, 200);
    assert.equal(latest.json.metadata.resourceVersion, rvA);
    const any = await call('GET', `${cmPath}/rv-a?resourceVersion=0`);
    assert.equal(any.status, 200);
    assert.equal(any.json.metadata.name, 'rv-a');

    const sel = 'labelSelector=set%3Drv';
    const names = (r: Reply) => (r.json.items as { metadata: { name: string } }[]).map((i) => i.metadata.name).sort();
    const unset = await call('GET', `${cmPath}?${sel}`);
    assert.deepEqual(names(unset), ['rv-a', 'rv-b']);
    assert.ok(Number(unset.json.metadata.resourceVersion) >= Number(rvA));
    const zero = await call('GET', `${cmPath}?${sel}&resourceVersion=0`);
    assert.equal(zero.status, 200);
    assert.deepEqual(names(zero), ['rv-a', 'rv-b']);

    const exact = await call('GET', `${cmPath}?${sel}&resourceVersion=${rvA}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 200, exact.text);
    assert.deepEqual(names(exact), ['rv-a'], 'Exact lists the state at that revision');
    assert.equal(exact.json.metadata.resourceVersion, rvA);

    const notOlder = await call('GET', `${cmPath}?${sel}&resourceVersion=${rvA}&resourceVersionMatch=NotOlderThan`);
    assert.equal(notOlder.status, 200);
    assert.deepEqual(names(notOlder), ['rv-a', 'rv-b']);
    assert.ok(Number(notOlder.json.metadata.resourceVersion) >= Number(rvA));

    const noRv = await call('GET', `${cmPath}?resourceVersionMatch=Exact`);
    assert.equal(noRv.status, 422);
    assert.match(noRv.json.message, /resourceVersionMatch is forbidden unless resourceVersion is provided/);
    const exactZero = await call('GET', `${cmPath}?resourceVersion=0&resourceVersionMatch=Exact`);
    assert.equal(exactZero.status, 422);
  });

  test('limit/continue pages through a list; a continue token older than compaction is 410 Expired', async () => {
    for (const n of ['page-1', 'page-2', 'page-3', 'page-4', 'page-5']) await create(n, { set: 'page' });
    const sel = 'labelSelector=set%3Dpage';
    const first = await call('GET', `${cmPath}?${sel}&limit=2`);
    assert.equal(first.status, 200);
    assert.equal(first.json.items.length, 2);
    assert.equal(first.json.metadata.remainingItemCount, 3);
    const seen = first.json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    let token = first.json.metadata.continue as string;
    assert.ok(token);
    const staleToken = token;
    while (token) {
      const page = await call('GET', `${cmPath}?${sel}&limit=2&continue=${encodeURIComponent(token)}`);
      assert.equal(page.status, 200, page.text);
      seen.push(...page.json.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      token = page.json.metadata.continue;
    }
    assert.deepEqual(seen, ['page-1', 'page-2', 'page-3', 'page-4', 'page-5']);

    // A later write moves the cache past the token's revision; compaction then removes it.
    await create('page-6', { set: 'page' });
    await c.cp.storage.compact(await c.cp.storage.currentRevision());
    const gone = await call('GET', `${cmPath}?${sel}&limit=2&continue=${encodeURIComponent(staleToken)}`);
    assert.equal(gone.status, 410, gone.text);
    assert.equal(gone.json.reason, 'Expired');
    assert.match(
      gone.json.message,
      /^The provided continue parameter is too old to display a consistent list result\./,
    );
  });

  test('a watch from a too-old resourceVersion answers 200, then one ERROR event (410 Expired), then ends', async () => {
    // Built-in caches start with the server (revision 1); a new CRD's cache window starts when it is served.
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.semantics.example.com' },
      spec: {
        group: 'semantics.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    const made = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    assert.equal(made.status, 201, made.text);
    const widgetPath = `/apis/semantics.example.com/v1/namespaces/${ns}/widgets`;
    const deadline = Date.now() + 30_000;
    while ((await call('GET', widgetPath)).status !== 200) {
      assert.ok(Date.now() < deadline, 'CRD served in time');
      await new Promise((r) => setTimeout(r, 100));
    }
    const cache = c.cp.apiserver.resource('semantics.example.com', 'v1', 'widgets')!.store.deps.cache;
    const oldest = cache.oldestResumable;
    assert.ok(oldest > 1, `the cache window starts after revision 1 (${oldest})`);
    const before = cache.watcherCount;
    const w = await watch(`${widgetPath}?watch=true&resourceVersion=1`, () => false);
    assert.equal(w.status, 200);
    assert.equal(w.ended, true, 'the server ends the stream');
    assert.equal(w.events.length, 1, JSON.stringify(w.events));
    const ev = w.events[0]!;
    assert.equal(ev.type, 'ERROR');
    assert.equal(ev.object.kind, 'Status');
    assert.equal(ev.object.status, 'Failure');
    assert.equal(ev.object.code, 410);
    assert.equal(ev.object.reason, 'Expired');
    assert.equal(ev.object.message, `too old resource version: 1 (${oldest})`);
    assert.equal(cache.watcherCount, before, 'no watcher left registered');
  });

  test('a watch from a resourceVersion the server never reaches answers 200, then ERROR 504 Timeout', async () => {
    const list = await call('GET', cmPath);
    const future = Number(list.json.metadata.resourceVersion) + 1_000_000;
    const w = await watch(`${cmPath}?watch=true&resourceVersion=${future}`, () => false);
    assert.equal(w.status, 200);
    assert.equal(w.ended, true);
    assert.equal(w.events.length, 1, JSON.stringify(w.events));
    assert.equal(w.events[0]!.type, 'ERROR');
    assert.equal(w.events[0]!.object.code, 504);
    assert.equal(w.events[0]!.object.reason, 'Timeout');
    assert.match(
      w.events[0]!.object.message,
      new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`),
    );
  });

  test('watch: timeoutSeconds ends the stream; a negative value is 400 and leaves no watcher', async () => {
    const list = await call('GET', cmPath);
    const rv = list.json.metadata.resourceVersion as string;
    const w = await watch(`${cmPath}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`, () => false, 15_000);
    assert.equal(w.status, 200);
    assert.equal(w.ended, true, 'ended by the server');
    assert.ok(w.ms >= 900 && w.ms < 10_000, `ended after ${w.ms} ms`);

    const before = cmCache().watcherCount;
    const neg = await call('GET', `${cmPath}?watch=true&timeoutSeconds=-1`);
    assert.equal(neg.status, 400, neg.text);
    assert.equal(neg.json.reason, 'BadRequest');
    assert.equal(cmCache().watcherCount, before);
  });

  test('watch with allowWatchBookmarks gets BOOKMARK events carrying only a resourceVersion', async () => {
    const list = await call('GET', cmPath);
    const rv = list.json.metadata.resourceVersion as string;
    const watching = watch(
      `${cmPath}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
      (evs) => evs.some((e) => e.type === 'BOOKMARK'),
      25_000,
    );
    // A write elsewhere moves the storage revision; the periodic bookmark carries it to this watcher.
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bookmark-nudge' } };
    assert.equal((await call('POST', `/api/v1/namespaces/${ns}/secrets`, secret)).status, 201);
    const w = await watching;
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    assert.ok(bm, `no bookmark in ${JSON.stringify(w.events)}`);
    assert.deepEqual(
      w.events.filter((e) => e.type !== 'BOOKMARK'),
      [],
      'no ConfigMap changed',
    );
    assert.equal(bm.object.kind, 'ConfigMap');
    assert.ok(Number(bm.object.metadata.resourceVersion) > Number(rv));
    assert.deepEqual(Object.keys(bm.object.metadata), ['resourceVersion']);
  });

  test('watch-list: sendInitialEvents=true with NotOlderThan streams the state, then the initial-events-end bookmark', async () => {
    await create('wl-a', { set: 'wl' });
    await create('wl-b', { set: 'wl' });
    const w = await watch(
      `${cmPath}?watch=true&labelSelector=set%3Dwl&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      (evs) => evs.some((e) => e.type === 'BOOKMARK'),
    );
    assert.equal(w.status, 200);
    const types = w.events.map((e) => e.type);
    assert.deepEqual(types, ['ADDED', 'ADDED', 'BOOKMARK']);
    assert.deepEqual(
      w.events
        .slice(0, 2)
        .map((e) => e.object.metadata.name)
        .sort(),
      ['wl-a', 'wl-b'],
    );
    assert.deepEqual(w.events[2]!.object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });

    // A NotOlderThan revision the server never reaches: 200, then ERROR 504 (not a 504 response).
    const future = Number(w.events[2]!.object.metadata.resourceVersion) + 1_000_000;
    const late = await watch(
      `${cmPath}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=${future}`,
      () => false,
    );
    assert.equal(late.status, 200);
    assert.deepEqual(
      late.events.map((e) => [e.type, e.object.code]),
      [['ERROR', 504]],
    );

    const bad = await call('GET', `${cmPath}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`);
    assert.equal(bad.status, 422);
    assert.match(bad.json.message, /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/);
  });

  test('PUT with a stale resourceVersion is 409 Conflict', async () => {
    const made = await create('stale');
    const obj = made.json;
    const upd = await call('PUT', `${cmPath}/stale`, { ...obj, data: { k: 'v2' } });
    assert.equal(upd.status, 200, upd.text);
    const stale = await call('PUT', `${cmPath}/stale`, { ...obj, data: { k: 'v3' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.equal(
      stale.json.message,
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal((await call('GET', `${cmPath}/stale`)).json.data.k, 'v2');
  });

  test('generateName makes a unique name from the prefix', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } };
    const a = await call('POST', cmPath, body);
    const b = await call('POST', cmPath, body);
    assert.equal(a.status, 201, a.text);
    assert.equal(b.status, 201, b.text);
    assert.match(a.json.metadata.name, /^gen-[a-z0-9]{5}$/);
    assert.notEqual(a.json.metadata.name, b.json.metadata.name);
    assert.equal(a.json.metadata.generateName, 'gen-');
  });

  test('deletecollection with a label selector deletes only the selected objects', async () => {
    await create('dc-1', { del: 'yes' });
    await create('dc-2', { del: 'yes' });
    await create('dc-keep', { del: 'no' });
    const r = await call('DELETE', `${cmPath}?labelSelector=del%3Dyes`);
    assert.equal(r.status, 200, r.text);
    const left = await call('GET', `${cmPath}?labelSelector=del`);
    assert.deepEqual(
      left.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['dc-keep'],
    );
  });

  test('delete preconditions: a wrong uid or resourceVersion is 409; matching ones delete', async () => {
    const made = (await create('pre')).json;
    const uid = made.metadata.uid as string;
    const rv = made.metadata.resourceVersion as string;
    const del = (preconditions: Record<string, string>) =>
      call('DELETE', `${cmPath}/pre`, { apiVersion: 'v1', kind: 'DeleteOptions', preconditions });
    const badUid = await del({ uid: 'not-the-uid' });
    assert.equal(badUid.status, 409);
    assert.equal(
      badUid.json.message,
      `Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
    );
    const badRv = await del({ resourceVersion: '1' });
    assert.equal(badRv.status, 409);
    assert.equal(
      badRv.json.message,
      `Operation cannot be fulfilled on configmaps "pre": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${rv}`,
    );
    assert.equal((await call('GET', `${cmPath}/pre`)).status, 200, 'still there');
    const ok = await del({ uid, resourceVersion: rv });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await call('GET', `${cmPath}/pre`)).status, 404);
  });

  test('fieldValidation: Strict rejects unknown fields (400), Warn warns (299), Ignore is silent', async () => {
    const body = (name: string) => ({ ...configMap(name), bogus: 1 });
    const strict = await call('POST', `${cmPath}?fieldValidation=Strict`, body('fv-strict'));
    assert.equal(strict.status, 400, strict.text);
    assert.equal(strict.json.reason, 'BadRequest');
    assert.equal(
      strict.json.message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"',
    );
    assert.equal((await call('GET', `${cmPath}/fv-strict`)).status, 404);

    const warn = await call('POST', `${cmPath}?fieldValidation=Warn`, body('fv-warn'));
    assert.equal(warn.status, 201, warn.text);
    assert.equal(warn.headers.warning, '299 - "unknown field \\"bogus\\""');
    const byDefault = await call('POST', cmPath, body('fv-default'));
    assert.equal(byDefault.status, 201);
    assert.equal(byDefault.headers.warning, '299 - "unknown field \\"bogus\\""', 'Warn is the default');

    const ignore = await call('POST', `${cmPath}?fieldValidation=Ignore`, body('fv-ignore'));
    assert.equal(ignore.status, 201);
    assert.equal(ignore.headers.warning, undefined);
    assert.equal(ignore.json.bogus, undefined, 'unknown fields are dropped');

    const unsupported = await call('POST', `${cmPath}?fieldValidation=Loose`, body('fv-bad'));
    assert.equal(unsupported.status, 422);
  });

  test('a body over the 3 MiB limit is 413', async () => {
    const big = JSON.stringify(configMap('too-big', {}, { k: 'x'.repeat(3 * 1024 * 1024 + 10) }));
    const r = await call('POST', cmPath, big);
    assert.equal(r.status, 413);
    assert.equal(r.json.reason, 'RequestEntityTooLarge');
    assert.equal(r.json.message, 'Request entity too large: limit is 3145728');
  });

  test('body/URL mismatches and malformed JSON are 400', async () => {
    const wrongVersion = await call('POST', cmPath, { ...configMap('mm-1'), apiVersion: 'apps/v1' });
    assert.equal(wrongVersion.status, 400);
    assert.equal(
      wrongVersion.json.message,
      'the API version in the data (apps/v1) does not match the expected API version (v1)',
    );
    const wrongKind = await call('POST', cmPath, { ...configMap('mm-2'), kind: 'Secret' });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.json.message, /Secret/);
    const nameMismatch = await call('PUT', `${cmPath}/mm-3`, configMap('mm-4'));
    assert.equal(nameMismatch.status, 400);
    assert.equal(nameMismatch.json.message, 'the name of the object (mm-4) does not match the name on the URL (mm-3)');
    const malformed = await call('POST', cmPath, '{"apiVersion":"v1","kind":"ConfigMap",');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.reason, 'BadRequest');
    for (const n of ['mm-1', 'mm-2', 'mm-3', 'mm-4']) assert.equal((await call('GET', `${cmPath}/${n}`)).status, 404);
  });
});
