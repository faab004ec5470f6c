import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';
import { eventually, kubectlOk } from './api-helpers.js';

/**
 * Acceptance: a `@kubernetes/client-node` informer (list, then a
 * newline-delimited watch from the list's resourceVersion) sees ADDED,
 * MODIFIED and DELETED for 1,000 objects, each object's events in order.
 */

const ns = 'informed';
const count = 1000;
const concurrency = 16;

/** Runs `fn` for 0..n-1 with at most `limit` calls in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const nameOf = (i: number) => `cm-${String(i).padStart(4, '0')}`;

describe('@kubernetes/client-node informer', () => {
  let c: TestCluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    c = await startTestCluster();
    await kubectlOk(c, ['create', 'namespace', ns]);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => {
    await c?.dispose();
  });

  test('the typed client reads what kubectl wrote (JSON round trip)', async () => {
    const ver = await kc.makeApiClient(k8s.VersionApi).getCode();
    assert.equal(ver.major, '1');
    assert.equal(ver.minor, '32');
    const list = await core.listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === ns));
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'probe', labels: { probe: 'yes' } }, data: { k: 'v' } },
    });
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    const read = await core.readNamespacedConfigMap({ name: 'probe', namespace: ns });
    assert.deepEqual(read.data, { k: 'v' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'absent', namespace: ns }), (err: { code?: number }) => {
      assert.equal(err.code, 404);
      return true;
    });
    await core.deleteNamespacedConfigMap({ name: 'probe', namespace: ns });
  });

  test('concurrent merge patches without a resourceVersion never conflict (the server retries internally)', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'contended' }, data: {} } });
    const writers = 40;
    const results = await Promise.allSettled(
      Array.from({ length: writers }, (_, i) =>
        core.patchNamespacedConfigMap(
          { name: 'contended', namespace: ns, body: { data: { [`k${i}`]: String(i) } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      ),
    );
    // Keep the first line of each failure (e.g. "HTTP-Code: 409") plus one full message.
    const failures = results.flatMap((r) =>
      r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : [],
    );
    assert.equal(
      failures.length,
      0,
      `${failures.length} of ${writers} patches failed: ${failures.map((f) => f.split('\n')[0]).join(', ')}\n${failures[0]}`,
    );
    const cm = await core.readNamespacedConfigMap({ name: 'contended', namespace: ns });
    assert.equal(Object.keys(cm.data ?? {}).length, writers, 'every patch landed');
    await core.deleteNamespacedConfigMap({ name: 'contended', namespace: ns });
  });

  test(`an informer sees ADDED, MODIFIED and DELETED for ${count} objects, in order per object`, async () => {
    const events = new Map<string, string[]>();
    const totals = { add: 0, update: 0, delete: 0 };
    const errors: unknown[] = [];
    const record = (verb: 'add' | 'update' | 'delete') => (obj: k8s.V1ConfigMap) => {
      const name = obj.metadata?.name ?? '';
      if (!name.startsWith('cm-')) return;
      totals[verb]++;
      const seq = events.get(name) ?? [];
      // The data tells which write the event carries: 1 = created, 2 = modified.
      seq.push(`${verb}:${obj.data?.gen ?? '-'}`);
      events.set(name, seq);
    };
    // makeInformer builds a ListWatch (also the object cache); its declared type only has the Informer half.
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    ) as k8s.ListWatch<k8s.V1ConfigMap>;
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await pool(count, concurrency, (i) =>
        core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: nameOf(i) }, data: { gen: '1' } } }),
      );
      await eventually(`${count} ADDED`, async () => (totals.add === count ? true : undefined), { timeoutMs: 300_000 });
      await pool(count, concurrency, (i) =>
        core.replaceNamespacedConfigMap({
          name: nameOf(i),
          namespace: ns,
          body: { metadata: { name: nameOf(i) }, data: { gen: '2' } },
        }),
      );
      await eventually(`${count} MODIFIED`, async () => (totals.update === count ? true : undefined), {
        timeoutMs: 300_000,
      });
      await pool(count, concurrency, (i) => core.deleteNamespacedConfigMap({ name: nameOf(i), namespace: ns }));
      await eventually(`${count} DELETED`, async () => (totals.delete === count ? true : undefined), {
        timeoutMs: 300_000,
      });

      assert.deepEqual(errors, [], 'no informer errors');
      assert.deepEqual(totals, { add: count, update: count, delete: count });
      assert.equal(events.size, count);
      const wrong = [...events].filter(([, seq]) => seq.join(' ') !== 'add:1 update:2 delete:2');
      assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} objects saw other sequences`);
      assert.deepEqual(
        informer.list(ns).filter((o) => o.metadata?.name?.startsWith('cm-')),
        [],
        'the cache is empty again',
      );
    } finally {
      await informer.stop();
    }
  });
});
