import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { formatTime } from '../../../../api/values/time.js';
import { FakeApiServer, fakeRestClient } from '../../../../client/testing/fake-api-server.js';
import { FakeClock } from '../../../../lib/clock.js';
import { type RunningControllerManager, startControllerManager } from '../../controller-manager.js';
import { ttlAfterFinishedController } from './ttl-after-finished-controller.js';

let cm: RunningControllerManager | undefined;
afterEach(async () => {
  await cm?.stop();
  cm = undefined;
});

async function setup() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const fake = new FakeApiServer(clock);
  const settle = async () => {
    for (let i = 0; i < 20; i++) await clock.advance(0);
  };
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      await clock.advance(Math.min(1000, ms - t));
      await settle();
    }
  };
  const start = async () => {
    cm = await startControllerManager({
      rest: fakeRestClient(fake, { clock }),
      controllers: [ttlAfterFinishedController],
      clock,
      config: { workers: 1 },
    });
    await settle();
  };
  const job = (name: string, ttl: number | undefined, finishedAgoMs?: number, type = 'Complete'): Job =>
    fake.seed('batch', 'jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: { ttlSecondsAfterFinished: ttl, template: {} },
      status:
        finishedAgoMs === undefined
          ? {}
          : { conditions: [{ type, status: 'True', lastTransitionTime: formatTime(clock.now() - finishedAgoMs) }] },
    }) as Job;
  const exists = (name: string) => fake.get('batch', 'jobs', 'default', name) !== undefined;
  return { clock, fake, settle, advance, start, job, exists };
}

test('deletes a finished Job exactly ttlSecondsAfterFinished after it finished, in the foreground', async () => {
  const e = await setup();
  const done = e.job('done', 60, 0);
  e.job('failed', 60, 0, 'Failed');
  e.job('no-ttl', undefined, 0);
  e.job('running', 0);
  e.job('old', 30, 120_000);
  await e.start();
  assert.equal(e.exists('old'), false, 'expired before the controller started');
  await e.advance(59_000);
  assert.ok(e.exists('done') && e.exists('failed'));
  await e.advance(1000);
  assert.equal(e.exists('done'), false);
  assert.equal(e.exists('failed'), false);
  assert.ok(e.exists('no-ttl') && e.exists('running'));
  const del = e.fake.requests.find((r) => r.method === 'DELETE' && r.path.endsWith('/jobs/done'));
  assert.deepEqual((del?.object as Record<string, unknown>)?.propagationPolicy, 'Foreground');
  assert.deepEqual((del?.object as Record<string, unknown>)?.preconditions, { uid: done.metadata!.uid });
});

test('a TTL raised before expiry postpones the deletion (the fresh read decides)', async () => {
  const e = await setup();
  const j = e.job('raised', 10, 0);
  await e.start();
  await e.advance(5000);
  await e.fake.handle({
    method: 'PUT',
    path: '/apis/batch/v1/namespaces/default/jobs/raised',
    query: new URLSearchParams(),
    headers: {},
    object: { ...e.fake.get('batch', 'jobs', 'default', 'raised'), spec: { ...j.spec, ttlSecondsAfterFinished: 20 } },
  } as never);
  await e.advance(10_000);
  assert.ok(e.exists('raised'), 'not at the old expiry');
  await e.advance(6000);
  assert.equal(e.exists('raised'), false);
});
