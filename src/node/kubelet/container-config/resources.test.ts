import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerResources, oomScoreAdj, podQOSClass, podResourceConfig } from './resources.js';

const pod = (containers: Container[], initContainers: Container[] = []): Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers, initContainers },
});
const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): Container => ({
  name,
  resources: { requests, limits },
});
const gi = 2 ** 30;

test('podQOSClass', () => {
  assert.equal(podQOSClass(pod([c('a')])), 'BestEffort');
  assert.equal(podQOSClass(pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })])), 'Guaranteed');
  assert.equal(podQOSClass(pod([c('a', { cpu: '500m' }, { cpu: '1', memory: '1Gi' })])), 'Burstable');
  assert.equal(podQOSClass(pod([c('a', { memory: '1Gi' }, { memory: '1Gi' })])), 'Burstable', 'no cpu limit');
  assert.equal(
    podQOSClass({ ...pod([c('a')]), status: { qosClass: 'Guaranteed' } }),
    'Guaranteed',
    'the API server decides once',
  );
});

test('containerResources: shares, quota, memory limit, OOM score', () => {
  const g = pod([c('a', { cpu: '250m', memory: '64Mi' }, { cpu: '250m', memory: '64Mi' })]);
  assert.deepEqual(containerResources(g, g.spec!.containers[0]!, 8 * gi), {
    cpuShares: 256,
    cpuQuota: 25_000,
    cpuPeriod: 100_000,
    memoryLimitBytes: 64 * 2 ** 20,
    oomScoreAdj: -997,
  });
  const be = pod([c('a')]);
  assert.deepEqual(containerResources(be, be.spec!.containers[0]!, 8 * gi), { cpuShares: 2, oomScoreAdj: 1000 });
  const b = pod([c('a', { memory: '4Gi' }, { memory: '6Gi' })]);
  assert.equal(oomScoreAdj(b, b.spec!.containers[0]!, 8 * gi), 500);
  const tiny = pod([c('a', { memory: '1' }, { memory: '2' })]);
  assert.equal(oomScoreAdj(tiny, tiny.spec!.containers[0]!, 8 * gi), 999);
  const huge = pod([c('a', { memory: '8Gi' }, { memory: '9Gi' })]);
  assert.equal(oomScoreAdj(huge, huge.spec!.containers[0]!, 8 * gi), 3);
});

test('podResourceConfig: limits only when every container has them; init containers by max', () => {
  const all = pod(
    [
      c('a', { cpu: '100m' }, { cpu: '200m', memory: '100Mi' }),
      c('b', { cpu: '100m' }, { cpu: '300m', memory: '50Mi' }),
    ],
    [c('init', {}, { cpu: '2', memory: '10Mi' })],
  );
  assert.deepEqual(podResourceConfig(all), { cpuShares: 2048, cpuQuota: 200_000, memoryLimitBytes: 150 * 2 ** 20 });
  const partial = pod([c('a', {}, { memory: '100Mi' }), c('b')]);
  assert.deepEqual(podResourceConfig(partial), { cpuShares: 2, cpuQuota: 0, memoryLimitBytes: 0 });
});
