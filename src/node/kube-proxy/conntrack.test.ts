import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../lib/log.js';
import type { ChangeTracker } from './change-tracker.js';
import { ConntrackCleaner, staleUdpFlowCommands } from './conntrack.js';
import { FakeRunner, service, slice, trackerWith } from './testing/objects.js';

const dnsSpec = {
  clusterIP: '10.43.0.10',
  type: 'NodePort' as const,
  externalIPs: ['192.0.2.1'],
  ports: [{ name: 'http', port: 53, protocol: 'UDP' as const, nodePort: 30053 }],
};
const udpSlice = (ips: string[], extra: { ready?: boolean; serving?: boolean } = {}) =>
  slice(
    'dns',
    ips.map((ip) => ({ ip, ...extra })),
    { protocol: 'UDP', port: 5353 },
  );
const cmds = (t: ChangeTracker) => staleUdpFlowCommands(t.drain()).map((a) => a.join(' '));

test('UDP: flows to removed (or no longer serving) endpoints are deleted for every service address', () => {
  const t = trackerWith([service('dns', dnsSpec), udpSlice(['10.42.0.1', '10.42.0.2'])]);
  assert.deepEqual(
    cmds(t),
    [
      '-D --orig-dst 10.43.0.10 -p udp --dport 53',
      '-D --orig-dst 192.0.2.1 -p udp --dport 53',
      '-D -p udp --dport 30053',
    ],
    'from no endpoints to some: flows from the reject period go',
  );
  t.onSliceUpsert(udpSlice(['10.42.0.1']));
  assert.deepEqual(cmds(t), [
    '-D --orig-dst 10.43.0.10 -p udp --dst-nat 10.42.0.2',
    '-D --orig-dst 192.0.2.1 -p udp --dst-nat 10.42.0.2',
    '-D -p udp --dport 30053 --dst-nat 10.42.0.2',
  ]);
  t.onSliceUpsert(udpSlice(['10.42.0.1'], { ready: false, serving: false }));
  assert.equal(cmds(t).length, 3, 'stopped serving counts as gone');
  t.onServiceDelete(service('dns'));
  assert.deepEqual(cmds(t), [
    '-D --orig-dst 10.43.0.10 -p udp --dport 53',
    '-D --orig-dst 192.0.2.1 -p udp --dport 53',
    '-D -p udp --dport 30053',
  ]);
});

test('TCP changes need no conntrack cleanup', () => {
  const t = trackerWith([service('web'), slice('web', [{ ip: '10.42.0.1' }])]);
  t.drain();
  t.onSliceUpsert(slice('web', []));
  assert.deepEqual(cmds(t), []);
});

test('without the conntrack tool the cleaner skips (once probed) and reports nothing run', async () => {
  const missing = new FakeRunner(() => ({ code: -1, stderr: 'spawn conntrack ENOENT' }));
  const cleaner = new ConntrackCleaner(missing, nullLogger);
  const t = trackerWith([service('dns', dnsSpec), udpSlice(['10.42.0.1'])]);
  assert.equal(await cleaner.clean(t.drain()), 0);
  t.onSliceUpsert(udpSlice([]));
  assert.equal(await cleaner.clean(t.drain()), 0);
  assert.deepEqual(
    missing.calls.map((c) => c.args.join(' ')),
    ['--version'],
  );

  const present = new FakeRunner((c) =>
    c.args[0] === '-D' ? { code: 1, stderr: '0 flow entries have been deleted.' } : undefined,
  );
  const t2 = trackerWith([service('dns', dnsSpec), udpSlice(['10.42.0.1'])]);
  assert.equal(await new ConntrackCleaner(present, nullLogger).clean(t2.drain()), 3);
  assert.equal(present.calls.filter((c) => c.cmd === 'conntrack').length, 4);
});
