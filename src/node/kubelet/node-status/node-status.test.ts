import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeRestClient, FakeApiServer } from '../../../client/testing/fake-api-server.js';
import { defaultKubeletConfig } from '../config.js';
import type { VolumeManager } from '../volumes/types.js';
import type { ContainerRuntime } from '../../runtime/index.js';
import type { HostInfo } from './host-info.js';
import { capacityAndAllocatable, nodeConditions, nodeImages, nodeObject, nodeStatus } from './node-status.js';

const host: HostInfo = {
  cpuCores: 4,
  memoryBytes: 8 * 2 ** 30,
  ephemeralStorageBytes: 100 * 2 ** 30,
  maxPids: 4194304,
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  kernelVersion: '6.1.0',
  osImage: 'Debian',
};
const cfg = (extra = {}) =>
  defaultKubeletConfig({
    nodeName: 'n1',
    nodeIP: '192.0.2.10',
    dataDir: '/tmp/x',
    rest: fakeRestClient(new FakeApiServer()),
    runtime: {} as ContainerRuntime,
    volumes: {} as VolumeManager,
    ...extra,
  });

test('capacity and allocatable: reservations and hard eviction thresholds are subtracted', () => {
  const { capacity, allocatable } = capacityAndAllocatable(
    cfg({ kubeReserved: { cpu: '500m', memory: '256Mi' }, systemReserved: { memory: '256Mi' }, maxPods: 50 }),
    host,
  );
  assert.deepEqual(capacity, {
    cpu: '4',
    'ephemeral-storage': '100Gi',
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: '8Gi',
    pods: '50',
  });
  assert.equal(allocatable.cpu, '3500m');
  assert.equal(allocatable.memory, '7580Mi', '8Gi - 512Mi reserved - 100Mi eviction threshold');
  assert.equal(allocatable['ephemeral-storage'], String(Math.floor(100 * 2 ** 30 * 0.9)));
  assert.equal(allocatable.pods, '50');
});

test('conditions follow readiness and pressure, keeping transition times', () => {
  const ok = nodeConditions(
    { ready: true, message: '' },
    { memoryPressure: false, diskPressure: false, pidPressure: false },
    't1',
    undefined,
  );
  assert.deepEqual(
    ok.map((c) => [c.type, c.status, c.reason]),
    [
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'True', 'KubeletReady'],
    ],
  );
  const later = nodeConditions(
    { ready: false, message: 'container runtime is down' },
    { memoryPressure: true, diskPressure: false, pidPressure: false },
    't2',
    ok,
  );
  const ready = later.find((c) => c.type === 'Ready')!;
  assert.deepEqual(
    [ready.status, ready.reason, ready.message, ready.lastTransitionTime],
    ['False', 'KubeletNotReady', 'container runtime is down', 't2'],
  );
  const disk = later.find((c) => c.type === 'DiskPressure')!;
  assert.deepEqual([disk.lastTransitionTime, disk.lastHeartbeatTime], ['t1', 't2']);
  assert.equal(later.find((c) => c.type === 'MemoryPressure')?.reason, 'KubeletHasInsufficientMemory');
});

test('the Node object: labels, taints, addresses, endpoints, nodeInfo, images', () => {
  const c = cfg({
    nodeLabels: { 'node.kubernetes.io/role': 'edge' },
    registerWithTaints: [{ key: 'k', effect: 'NoSchedule' }],
  });
  const st = nodeStatus({
    cfg: c,
    host,
    kubeletPort: 10250,
    runtimeVersion: 'containerd://1.7.24',
    readiness: { ready: true, message: '' },
    pressure: { memoryPressure: false, diskPressure: false, pidPressure: false },
    images: [
      { id: 'a', repoTags: ['small:1'], repoDigests: [], size: 10, uid: null, username: '', spec: null, pinned: false },
      {
        id: 'b',
        repoTags: ['big:1'],
        repoDigests: ['big@sha256:1'],
        size: 99,
        uid: null,
        username: '',
        spec: null,
        pinned: false,
      },
      { id: 'c', repoTags: [], repoDigests: [], size: 5, uid: null, username: '', spec: null, pinned: false },
    ],
    now: 't',
  });
  const n = nodeObject(c, st);
  assert.equal(n.metadata?.labels?.['kubernetes.io/hostname'], 'n1');
  assert.equal(n.metadata?.labels?.['node.kubernetes.io/role'], 'edge');
  assert.deepEqual(n.spec?.taints, [{ key: 'k', effect: 'NoSchedule' }]);
  assert.deepEqual(st.addresses, [
    { type: 'InternalIP', address: '192.0.2.10' },
    { type: 'Hostname', address: 'n1' },
  ]);
  assert.deepEqual(st.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  assert.equal(st.nodeInfo?.containerRuntimeVersion, 'containerd://1.7.24');
  assert.equal(st.nodeInfo?.operatingSystem, 'linux');
  assert.deepEqual(st.images, [
    { names: ['big@sha256:1', 'big:1'], sizeBytes: 99 },
    { names: ['small:1'], sizeBytes: 10 },
  ]);
  assert.equal(
    nodeImages(
      Array.from({ length: 60 }, (_, i) => ({
        id: `${i}`,
        repoTags: [`i${i}`],
        repoDigests: [],
        size: i,
        uid: null,
        username: '',
        spec: null,
        pinned: false,
      })),
    ).length,
    50,
  );
});

test('config defaults and checks', () => {
  const c = cfg();
  assert.deepEqual(
    [
      c.clusterDNS,
      c.clusterDomain,
      c.maxPods,
      c.kubeletPort,
      c.leaseDurationSeconds,
      c.leaseRenewIntervalMs,
      c.nodeStatusUpdateFrequencyMs,
    ],
    [['10.43.0.10'], 'cluster.local', 110, 10250, 40, 10_000, 10_000],
  );
  assert.deepEqual(c.crashLoopBackoff, { initialMs: 10_000, maxMs: 300_000 });
  assert.throws(() => cfg({ nodeName: 'UPPER' }), /lowercase/);
  assert.throws(() => cfg({ cgroupRoot: 'relative' }), /absolute/);
});
