import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nullLogger } from '../../../lib/log.js';
import { PodCgroups } from './pod-cgroups.js';

const pod = (qosClass: string): Pod => ({ metadata: { uid: 'ab-12' }, spec: { containers: [] }, status: { qosClass } });

test('pod cgroup parents by QoS class and driver', () => {
  const fs = new PodCgroups('/kubets', 'cgroupfs', true, nullLogger);
  assert.equal(fs.parentFor(pod('Guaranteed')), '/kubets/kubepods/podab-12');
  assert.equal(fs.parentFor(pod('Burstable')), '/kubets/kubepods/burstable/podab-12');
  assert.equal(fs.parentFor(pod('BestEffort')), '/kubets/kubepods/besteffort/podab-12');
  const sd = new PodCgroups('/', 'systemd', true, nullLogger);
  assert.equal(sd.parentFor(pod('Burstable')), 'kubepods-burstable-podab_12.slice');
  assert.equal(sd.parentFor(pod('Guaranteed')), 'kubepods-podab_12.slice');
  assert.deepEqual(sd.list(), [], 'systemd owns its slices');
});
