import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import { FakeApiServer, fakeRestClient } from '../../../client/testing/fake-api-server.js';
import { FakeClock, flushMicrotasks } from '../../../lib/clock.js';
import type { ContainerRuntime } from '../../runtime/index.js';
import { defaultKubeletConfig } from '../config.js';
import type { VolumeManager } from '../volumes/types.js';
import type { HostInfo } from './host-info.js';
import type { Readiness } from './node-status.js';
import { NodeStatusManager } from './node-status-manager.js';

const host: HostInfo = {
  cpuCores: 2,
  memoryBytes: 2 ** 32,
  ephemeralStorageBytes: 2 ** 35,
  maxPids: 4096,
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  kernelVersion: 'k',
  osImage: 'o',
};

test('fast status update: Ready is patched within 100 ms of the node becoming ready, not at the next period', async () => {
  const clock = new FakeClock();
  const api = new FakeApiServer();
  const cfg = defaultKubeletConfig({
    nodeName: 'fast',
    nodeIP: '192.0.2.3',
    dataDir: '/nonexistent',
    rest: fakeRestClient(api),
    runtime: {} as ContainerRuntime,
    volumes: {} as VolumeManager,
    clock,
  });
  let readiness: Readiness = { ready: false, message: 'container runtime network not ready: NetworkReady=false' };
  let readinessCalls = 0;
  const m = new NodeStatusManager(cfg, {
    host,
    kubeletPort: () => 10250,
    runtimeVersion: async () => 'fake://1',
    readiness: async () => {
      readinessCalls++;
      return readiness;
    },
    images: async () => [],
    pressure: () => ({ memoryPressure: false, diskPressure: false, pidPressure: false }),
  });
  const readyInApi = () =>
    (api.get('', 'nodes', '', 'fast') as Node | undefined)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  await m.register();
  assert.equal(readyInApi(), 'False');
  m.start();
  const stop = new AbortController();
  let done = false;
  void m.fastStatusUpdateOnce(() => readyInApi() === 'True', stop.signal).then(() => (done = true));
  for (let i = 0; i < 10; i++) {
    await clock.advance(100);
    await flushMicrotasks(20);
  }
  assert.equal(readyInApi(), 'False');
  assert.ok(readinessCalls >= 10, `checked every 100 ms (${readinessCalls})`);
  readiness = { ready: true, message: '' };
  await clock.advance(100);
  await flushMicrotasks(50);
  assert.equal(readyInApi(), 'True', 'patched at once, 9 s before the 10 s status period');
  assert.equal(done, true, 'and the fast update is over');
  const calls = readinessCalls;
  await clock.advance(1000);
  await flushMicrotasks(20);
  assert.equal(readinessCalls, calls, 'no more polling');
  m.stop();
  stop.abort();
});

test('fast status update ends when the API already shows the node Ready, or is stopped', async () => {
  const clock = new FakeClock();
  const api = new FakeApiServer();
  const cfg = defaultKubeletConfig({
    nodeName: 'fast2',
    nodeIP: '192.0.2.4',
    dataDir: '/nonexistent',
    rest: fakeRestClient(api),
    runtime: {} as ContainerRuntime,
    volumes: {} as VolumeManager,
    clock,
  });
  const m = new NodeStatusManager(cfg, {
    host,
    kubeletPort: () => 10250,
    runtimeVersion: async () => 'fake://1',
    readiness: async () => ({ ready: false, message: 'no' }),
    images: async () => [],
    pressure: () => ({ memoryPressure: false, diskPressure: false, pidPressure: false }),
  });
  let apiReady = false;
  let done = false;
  void m.fastStatusUpdateOnce(() => apiReady, new AbortController().signal).then(() => (done = true));
  await clock.advance(300);
  await flushMicrotasks(20);
  assert.equal(done, false);
  apiReady = true;
  await clock.advance(100);
  await flushMicrotasks(20);
  assert.equal(done, true);

  const stop = new AbortController();
  let stopped = false;
  void m.fastStatusUpdateOnce(() => false, stop.signal).then(() => (stopped = true));
  stop.abort();
  await clock.advance(100);
  await flushMicrotasks(20);
  assert.equal(stopped, true);
});
