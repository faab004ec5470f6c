import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container } from 'kubernetes-types/core/v1.js';
import { makePod } from '../testing/builders.js';
import {
  computePodResource,
  isExtendedResourceName,
  isScalarResourceName,
  milliValue,
  podRequests,
  unitValue,
} from './resource.js';

const c = (name: string, requests?: Record<string, string>, restartPolicy?: string): Container => ({
  name,
  image: 'x',
  resources: requests ? { requests } : undefined,
  restartPolicy,
});

test('quantities convert to integers, rounding up', () => {
  assert.equal(milliValue('100m'), 100);
  assert.equal(milliValue('1.5'), 1500);
  assert.equal(milliValue('0.0001'), 1);
  assert.equal(unitValue('1Gi'), 1 << 30);
  assert.equal(unitValue('500Mi'), 500 * 1024 * 1024);
  assert.equal(unitValue('1.5k'), 1500);
  assert.equal(unitValue('garbage'), 0);
});

test('resource names', () => {
  assert.equal(isExtendedResourceName('example.com/gpu'), true);
  assert.equal(isExtendedResourceName('kubernetes.io/foo'), false);
  assert.equal(isExtendedResourceName('cpu'), false);
  assert.equal(isExtendedResourceName('requests.example.com/x'), false);
  assert.equal(isScalarResourceName('hugepages-2Mi'), true);
  assert.equal(isScalarResourceName('attachable-volumes-csi-x'), true);
  assert.equal(isScalarResourceName('memory'), false);
});

test('pod requests: containers, init containers, sidecars, overhead (component-helpers PodRequests)', async (t) => {
  const cases: {
    name: string;
    containers: Container[];
    init?: Container[];
    overhead?: Record<string, string>;
    cpu: number;
    mem: number;
  }[] = [
    {
      name: 'sum of containers',
      containers: [c('a', { cpu: '100m', memory: '1Mi' }), c('b', { cpu: '200m' })],
      cpu: 300,
      mem: 1 << 20,
    },
    {
      name: 'init container larger than containers wins',
      containers: [c('a', { cpu: '100m' })],
      init: [c('i', { cpu: '500m', memory: '2Mi' })],
      cpu: 500,
      mem: 2 << 20,
    },
    {
      name: 'sidecar adds to containers and to later init containers',
      containers: [c('a', { cpu: '100m' })],
      init: [c('s', { cpu: '200m' }, 'Always'), c('i', { cpu: '250m' })],
      // max(100 + 200, 200 + 250) = 450
      cpu: 450,
      mem: 0,
    },
    {
      name: 'init container before a sidecar does not run beside it',
      containers: [c('a', { cpu: '100m' })],
      init: [c('i', { cpu: '250m' }), c('s', { cpu: '200m' }, 'Always')],
      // max(100 + 200, 250, 200) = 300
      cpu: 300,
      mem: 0,
    },
    {
      name: 'overhead is added',
      containers: [c('a', { cpu: '100m' })],
      overhead: { cpu: '10m', memory: '1Ki' },
      cpu: 110,
      mem: 1024,
    },
  ];
  for (const tc of cases) {
    await t.test(tc.name, () => {
      const pod = makePod('p', { containers: tc.containers, initContainers: tc.init, overhead: tc.overhead });
      const r = podRequests(pod);
      assert.equal(r.milliCPU, tc.cpu);
      assert.equal(r.memory, tc.mem);
    });
  }
});

test('non-zero requests default missing cpu/memory per container, keep explicit zeros', () => {
  const pod = makePod('p', { containers: [c('a'), c('b', { cpu: '0', memory: '0' }), c('d', { cpu: '300m' })] });
  const r = computePodResource(pod);
  assert.equal(r.requests.milliCPU, 300);
  assert.equal(r.requests.memory, 0);
  assert.equal(r.nonZeroMilliCPU, 100 + 0 + 300);
  assert.equal(r.nonZeroMemory, 200 * 1024 * 1024 * 2);
});

test('extended resources are scalar requests', () => {
  const pod = makePod('p', { containers: [c('a', { 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' })] });
  const r = podRequests(pod);
  assert.equal(r.getScalar('example.com/gpu'), 2);
  assert.equal(r.getScalar('hugepages-2Mi'), 4 << 20);
});
