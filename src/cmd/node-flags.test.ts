import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { UsageError } from '../cli/flags.js';
import { compileNodeOptions, nthIPv4, parseNodeLabel, parseNodeTaint } from './node-flags.js';

const server = { advertiseAddress: '192.0.2.7', serviceCIDR: '10.43.0.0/16' };

test('defaults: hostname lowercased, advertise address, 10th service IP as cluster DNS, cni0', () => {
  const o = compileNodeOptions({}, server);
  assert.equal(o.nodeName, hostname().toLowerCase());
  assert.equal(o.nodeIP, '192.0.2.7');
  assert.deepEqual(o.clusterDNS, ['10.43.0.10']);
  assert.equal(o.cniBridge, 'cni0');
  assert.deepEqual(o.labels, {});
  assert.deepEqual(o.taints, []);
  assert.deepEqual(o.kubeletArgs, { kubelet: {}, containerGC: {}, imageGC: {} });
  assert.equal(o.containerRuntimeEndpoint, undefined);
});

test('flags compile into node options', () => {
  const o = compileNodeOptions(
    {
      'node-name': 'Worker-1',
      'node-ip': '127.0.0.1',
      'node-label': ['tier=web', 'example.com/zone=a'],
      'node-taint': ['dedicated=gpu:NoSchedule', 'maintenance:NoExecute'],
      'cluster-dns': '10.96.0.10',
      'container-runtime-endpoint': 'unix:///run/containerd/containerd.sock',
      'pause-image': 'registry.k8s.io/pause:3.10',
      'kubelet-arg': ['max-pods=30'],
      'cni-bridge': 'kbt0',
    },
    server,
  );
  assert.equal(o.nodeName, 'worker-1');
  assert.equal(o.nodeIP, '127.0.0.1');
  assert.deepEqual(o.labels, { tier: 'web', 'example.com/zone': 'a' });
  assert.deepEqual(o.taints, [
    { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
    { key: 'maintenance', effect: 'NoExecute' },
  ]);
  assert.deepEqual(o.clusterDNS, ['10.96.0.10']);
  assert.equal(o.containerRuntimeEndpoint, 'unix:///run/containerd/containerd.sock');
  assert.equal(o.pauseImage, 'registry.k8s.io/pause:3.10');
  assert.deepEqual(o.kubeletArgs.kubelet, { maxPods: 30 });
  assert.equal(o.cniBridge, 'kbt0');
});

test('bad node flags are one-line usage errors', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'node-name': 'bad_name' }, /--node-name "bad_name": a lowercase RFC 1123 subdomain/],
    [{ 'node-ip': 'localhost' }, /--node-ip takes an IP address/],
    [{ 'node-label': ['novalue'] }, /--node-label "novalue": want KEY=VALUE/],
    [{ 'node-label': ['k=bad value'] }, /value: a valid label must be/],
    [{ 'node-taint': ['k=v'] }, /want KEY\[=VALUE\]:EFFECT/],
    [{ 'node-taint': ['k=v:Sometimes'] }, /EFFECT one of NoSchedule, PreferNoSchedule, NoExecute/],
    [{ 'cluster-dns': '10.0.0' }, /--cluster-dns takes IP addresses/],
    [{ 'cni-bridge': 'a-bridge-name-too-long' }, /--cni-bridge/],
    [{ 'kubelet-arg': ['nope=1'] }, /unknown kubelet flag "nope"/],
  ];
  for (const [flags, re] of cases) {
    assert.throws(
      () => compileNodeOptions(flags, server),
      (err: unknown) => err instanceof UsageError && re.test(err.message),
      JSON.stringify(flags),
    );
  }
});

test('nthIPv4, label and taint parsing', () => {
  assert.equal(nthIPv4('10.43.0.0/16', 10), '10.43.0.10');
  assert.equal(nthIPv4('10.96.5.7/12', 10), '10.96.0.10', 'host bits are masked');
  assert.equal(nthIPv4('192.168.1.0/28', 10), '192.168.1.10');
  assert.throws(() => nthIPv4('192.168.1.0/29', 10), /too small/);
  assert.throws(() => nthIPv4('fd00::/108', 10), /not an IPv4 CIDR/);
  assert.throws(() => parseNodeLabel('a=b=c'), /value: a valid label/);
  assert.deepEqual(parseNodeLabel('empty='), ['empty', '']);
  assert.deepEqual(parseNodeTaint('k=:PreferNoSchedule'), { key: 'k', effect: 'PreferNoSchedule' });
});
