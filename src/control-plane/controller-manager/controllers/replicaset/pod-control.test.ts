import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podFromTemplate, slowStartBatch } from './pod-control.js';

test('slowStartBatch runs batches 1, 2, 4, ... and stops at the first failing batch', async () => {
  const batches: number[] = [];
  let calls = 0;
  let inBatch = 0;
  const fn = async () => {
    calls++;
    inBatch++;
    await Promise.resolve();
    if (inBatch > 0) {
      batches.push(inBatch);
      inBatch = 0;
    }
  };
  assert.deepEqual(await slowStartBatch(10, 1, fn), { successes: 10 });
  assert.equal(calls, 10);
  assert.deepEqual(batches, [1, 2, 4, 3]);

  let n = 0;
  const failing = async () => {
    n++;
    if (n === 5) throw new Error('quota exceeded');
  };
  const r = await slowStartBatch(100, 1, failing);
  assert.equal(n, 7, 'batches of 1, 2 and 4 were attempted, nothing after the failure');
  assert.equal(r.successes, 6);
  assert.equal((r.error as Error).message, 'quota exceeded');
});

test('podFromTemplate: generateName, template metadata and the controller reference', () => {
  const ref = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web-abc',
    uid: 'u1',
    controller: true,
    blockOwnerDeletion: true,
  };
  const p = podFromTemplate(
    {
      metadata: { labels: { app: 'web' }, annotations: { a: 'b' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    },
    'web-abc',
    ref,
  );
  assert.deepEqual(p.metadata, {
    generateName: 'web-abc-',
    labels: { app: 'web' },
    annotations: { a: 'b' },
    ownerReferences: [ref],
  });
  assert.equal(p.spec!.containers[0]!.image, 'i');
  // A name that cannot take a dash suffix is used as is.
  assert.equal(podFromTemplate(undefined, 'x'.repeat(253)).metadata!.generateName, 'x'.repeat(253));
});
