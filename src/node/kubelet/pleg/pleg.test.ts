import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../lib/clock.js';
import { nullLogger } from '../../../lib/log.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import { Pleg, plegHealthThresholdMs } from './pleg.js';
import { RuntimeStateCache } from './runtime-state.js';

test('PLEG reports pods whose sandboxes or containers changed, and knows runtime pods', async () => {
  const clock = new FakeClock();
  const rt = new FakeRuntime(clock);
  const changed: string[][] = [];
  const pleg = new Pleg(rt, clock, 1000, (uids) => changed.push([...uids].sort()), nullLogger);
  const a = await rt.ensureSandbox({ name: 'a', namespace: 'ns', uid: 'ua' });
  await rt.ensureSandbox({ name: 'b', namespace: 'ns', uid: 'ub' });
  const id = await rt.createContainer(a, { name: 'c', image: 'kubets.local/busybox:1' });
  await pleg.relist();
  assert.deepEqual(changed, [['ua', 'ub']]);
  await pleg.relist();
  assert.equal(changed.length, 1, 'no change, no event');
  await rt.startContainer(id);
  await pleg.relist();
  assert.deepEqual(changed[1], ['ua']);
  await rt.removeSandbox(a.id);
  await pleg.relist();
  assert.deepEqual(changed[2], ['ua'], 'a pod that vanished changed too');
  assert.deepEqual(pleg.runtimePods(), [{ uid: 'ub', name: 'b', namespace: 'ns' }]);
  assert.equal(pleg.healthy().ok, true);
  await clock.advance(plegHealthThresholdMs + 1000);
  assert.match(pleg.healthy().message, /^PLEG is not healthy: pleg was last seen active 3m1s ago; threshold is 3m0s$/);
});

test('RuntimeStateCache: newest first, statuses reused while unchanged', async () => {
  const clock = new FakeClock();
  const rt = new FakeRuntime(clock);
  const cache = new RuntimeStateCache(rt);
  const sb = await rt.ensureSandbox({ name: 'a', namespace: 'ns', uid: 'ua' });
  const c0 = await rt.createContainer(sb, { name: 'c', attempt: 0, image: 'kubets.local/busybox:1' });
  await clock.advance(1000);
  const c1 = await rt.createContainer(sb, { name: 'c', attempt: 1, image: 'kubets.local/busybox:1' });
  let statusCalls = 0;
  const orig = rt.containerStatus.bind(rt);
  rt.containerStatus = async (id: string) => {
    statusCalls++;
    return orig(id);
  };
  const s = await cache.inspect('ua');
  assert.deepEqual(
    s.containers.map((c) => [c.id, c.sandboxId]),
    [
      [c1, sb.id],
      [c0, sb.id],
    ],
  );
  assert.deepEqual(
    s.sandboxes.map((x) => x.ips),
    [['10.88.0.2']],
  );
  assert.equal(statusCalls, 2);
  await cache.inspect('ua');
  assert.equal(statusCalls, 2, 'unchanged containers are not asked again');
  await rt.startContainer(c1);
  await cache.inspect('ua');
  assert.equal(statusCalls, 3, 'a state change refreshes that container only');
});
