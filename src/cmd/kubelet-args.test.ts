import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../cli/flags.js';
import { kubeletArgTable, parseKubeletArgs } from './kubelet-args.js';

test('kubelet flags map onto typed options', () => {
  const a = parseKubeletArgs([
    'max-pods=50',
    '--port=0',
    'address=127.0.0.1',
    'cgroup-root=/kubets',
    'cgroup-driver=systemd',
    'cgroups-per-qos=false',
    'resolv-conf=',
    'cluster-dns=10.0.0.10,10.0.0.11',
    'system-reserved=cpu=100m,memory=256Mi',
    'eviction-hard=memory.available<200Mi,nodefs.available<5%',
    'node-status-update-frequency=1m30s',
    'sync-frequency=500ms',
    'node-lease-duration-seconds=20',
    'image-gc-high-threshold=90',
    'image-gc-low-threshold=70',
    'minimum-image-ttl-duration=1h',
    'maximum-dead-containers-per-container=2',
    'maximum-dead-containers=-1',
    'eviction-pressure-transition-period=30s',
  ]);
  assert.deepEqual(a.kubelet, {
    maxPods: 50,
    kubeletPort: 0,
    cgroupRoot: '/kubets',
    cgroupDriver: 'systemd',
    podCgroups: false,
    resolvConf: '',
    clusterDNS: ['10.0.0.10', '10.0.0.11'],
    systemReserved: { cpu: '100m', memory: '256Mi' },
    evictionHard: { 'memory.available': '200Mi', 'nodefs.available': '5%' },
    nodeStatusUpdateFrequencyMs: 90_000,
    syncFrequencyMs: 500,
    leaseDurationSeconds: 20,
  });
  assert.equal(a.address, '127.0.0.1');
  assert.deepEqual(a.imageGC, { highThresholdPercent: 90, lowThresholdPercent: 70, minAgeMs: 3_600_000 });
  assert.deepEqual(a.containerGC, { maxPerPodContainer: 2, maxContainers: -1 });
  assert.equal(a.evictionPressureTransitionPeriodMs, 30_000);
  assert.deepEqual(parseKubeletArgs(['max-pods=10', 'max-pods=20']).kubelet, { maxPods: 20 }, 'later wins');
});

test('unknown keys and bad values are usage errors naming the flag', () => {
  const cases: [string[], RegExp][] = [
    [['max-podz=5'], /unknown kubelet flag "max-podz"; supported: .*max-pods/],
    [['max-pods'], /max-pods needs a value/],
    [['max-pods=lots'], /invalid argument "lots" for "--max-pods" flag: want an integer >= 1/],
    [['max-pods=0'], /invalid argument "0" for "--max-pods"/],
    [['sync-frequency=10'], /invalid argument "10" for "--sync-frequency" flag: want a duration/],
    [['cgroup-driver=openrc'], /want cgroupfs or systemd/],
    [['cgroup-root=kubets'], /want an absolute cgroup path/],
    [['cgroups-per-qos=yes'], /want true or false/],
    [['system-reserved=cpu'], /want key=value pairs/],
    [['eviction-hard=memory.available>1Gi'], /"--eviction-hard" flag: invalid eviction threshold/],
    [['eviction-hard=disk.available<1Gi'], /unsupported eviction signal disk\.available/],
    [['image-gc-high-threshold=101'], /percentage between 0 and 100/],
    [['image-gc-high-threshold=50', 'image-gc-low-threshold=60'], /low-threshold \(60\) must not exceed/],
    [['constructor=1'], /unknown kubelet flag "constructor"/],
  ];
  for (const [args, re] of cases) {
    assert.throws(
      () => parseKubeletArgs(args),
      (err: unknown) => err instanceof UsageError && re.test(err.message),
      args.join(' '),
    );
  }
  assert.ok(Object.keys(kubeletArgTable).length >= 25);
});
