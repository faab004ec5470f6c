import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/cycle-state.js';
import { PodInfo } from '../../framework/pod-info.js';
import { makePod } from '../../testing/builders.js';
import { noopPorts, testHandle } from '../../testing/framework.js';
import { newDefaultBinder } from './default-binder.js';

test('DefaultBinder binds through the port and reports failures as errors', async () => {
  const calls: string[] = [];
  let fail = false;
  const { handle } = testHandle({
    ports: {
      ...noopPorts,
      binder: {
        bind: async (pod, node) => {
          if (fail) throw new Error('conflict');
          calls.push(`${pod.metadata?.name}@${node}`);
        },
      },
    },
  });
  const pl = newDefaultBinder(undefined, handle);
  assert.equal(await pl.bind!(new CycleState(), new PodInfo(makePod('p')), 'n1'), null);
  assert.deepEqual(calls, ['p@n1']);
  fail = true;
  const s = await pl.bind!(new CycleState(), new PodInfo(makePod('q')), 'n1');
  assert.equal(s?.message(), 'conflict');
});
