import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { FakeClock, flushMicrotasks } from '../../lib/clock.js';
import { masqueradeRules, renderNftMasquerade } from './masquerade-rules.js';
import { PodMasquerade, removePodMasquerade, startPodMasquerade, type MasqueradeRunner } from './pod-masquerade.js';
import { FakeNetfilter } from './testing/fake-netfilter.js';

const rules = masqueradeRules(['10.42.0.0/16'], ['10.43.0.0/16']);
const hook = 'POSTROUTING -m comment --comment "kubets pod masquerade" -j KUBETS-POD-MASQ';
const writes = (k: FakeNetfilter) => k.calls.filter((c) => c === 'nft -f -' || c.startsWith('iptables-restore')).length;

test('nftables: created once, unchanged while intact, re-created or replaced when touched', async () => {
  const k = new FakeNetfilter();
  const pm = new PodMasquerade(k, rules);
  assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'created' });
  assert.equal(pm.mode, 'nftables');
  assert.equal(k.nftTables.get('kubets-masq'), renderNftMasquerade(rules).split('\n').slice(2).join('\n'));
  assert.deepEqual([...k.nat.keys()], ['POSTROUTING'], 'no iptables state in nftables mode');

  const n = writes(k);
  assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'unchanged' });
  assert.equal(writes(k), n, 'an intact table is not rewritten');

  k.nftTables.delete('kubets-masq');
  assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'created' });
  assert.ok(k.nftTables.get('kubets-masq')?.includes('ip saddr 10.42.0.0/16 masquerade'));

  k.nftTables.set('kubets-masq', 'table ip kubets-masq {\n}\n');
  assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'replaced' });
  assert.ok(k.nftTables.get('kubets-masq')?.includes('ip daddr 10.43.0.0/16 return'));

  assert.equal(await pm.remove(), true);
  assert.equal(k.nftTables.has('kubets-masq'), false);
  assert.equal(await pm.remove(), false, 'removing twice is fine');
});

test('the first sync rewrites a table a previous run left, and removes the other mode’s leftovers', async () => {
  const k = new FakeNetfilter();
  k.nftTables.set(
    'kubets-masq',
    'table ip kubets-masq {\n\tchain postrouting {\n\t\tip saddr 10.99.0.0/16 masquerade\n\t}\n}\n',
  );
  k.nat.set('KUBETS-POD-MASQ', ['-s 10.99.0.0/16 -j MASQUERADE']);
  k.nat.get('POSTROUTING')!.push('-s 172.17.0.0/16 -j MASQUERADE', hook.replace(/^POSTROUTING /, ''));
  const pm = new PodMasquerade(k, rules);
  assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'replaced' });
  assert.ok(!k.nftTables.get('kubets-masq')!.includes('10.99.0.0/16'));
  assert.deepEqual([...k.nat.keys()], ['POSTROUTING'], 'the old iptables chain is gone');
  assert.deepEqual(k.nat.get('POSTROUTING'), ['-s 172.17.0.0/16 -j MASQUERADE'], 'someone else’s rule stays');
});

test('iptables when nft is missing: chain and one hook, duplicates and edits repaired', async () => {
  const k = new FakeNetfilter();
  k.nftMissing = true;
  k.nat.get('POSTROUTING')!.push('-s 172.17.0.0/16 -j MASQUERADE');
  const pm = new PodMasquerade(k, rules);
  assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'created' });
  const chain = [
    '-d 10.42.0.0/16 -j RETURN',
    '-d 10.43.0.0/16 -j RETURN',
    '-d 224.0.0.0/4 -j RETURN',
    '-s 10.42.0.0/16 -j MASQUERADE',
  ];
  const jump = hook.replace(/^POSTROUTING /, '');
  assert.deepEqual(k.nat.get('KUBETS-POD-MASQ'), chain);
  assert.deepEqual(k.nat.get('POSTROUTING'), ['-s 172.17.0.0/16 -j MASQUERADE', jump], 'appended after others');

  const n = writes(k);
  assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'unchanged' });
  assert.equal(writes(k), n);

  k.nat.get('POSTROUTING')!.push(jump);
  k.nat.get('KUBETS-POD-MASQ')!.pop();
  assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'replaced' });
  assert.deepEqual(k.nat.get('KUBETS-POD-MASQ'), chain);
  assert.deepEqual(k.nat.get('POSTROUTING'), ['-s 172.17.0.0/16 -j MASQUERADE', jump], 'one hook');

  k.nat.set('POSTROUTING', ['-s 172.17.0.0/16 -j MASQUERADE']);
  k.nat.delete('KUBETS-POD-MASQ');
  assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'created' });
  assert.deepEqual(k.nat.get('POSTROUTING'), ['-s 172.17.0.0/16 -j MASQUERADE', jump]);

  assert.equal(await pm.remove(), true);
  assert.deepEqual([...k.nat.keys()], ['POSTROUTING']);
  assert.deepEqual(k.nat.get('POSTROUTING'), ['-s 172.17.0.0/16 -j MASQUERADE']);
});

test('an explicit mode does not fall back', async () => {
  const k = new FakeNetfilter();
  k.nftMissing = true;
  await assert.rejects(new PodMasquerade(k, rules, 'nftables').ensure(), /nft .*failed \(exit -1\): spawn nft ENOENT/);
  assert.equal(k.nat.has('KUBETS-POD-MASQ'), false);
  const k2 = new FakeNetfilter();
  assert.deepEqual(await new PodMasquerade(k2, rules, 'iptables').ensure(), { mode: 'iptables', action: 'created' });
  assert.equal(k2.nftTables.size, 0);
});

test('removePodMasquerade removes both forms and reports them; nothing there is not an error', async () => {
  const k = new FakeNetfilter();
  await new PodMasquerade(k, rules, 'iptables').ensure();
  k.nftTables.set('kubets-masq', 'table ip kubets-masq {\n}\n');
  k.nftTables.set('other', 'table ip other {\n}\n');
  assert.deepEqual(await removePodMasquerade(k), ['nftables table ip kubets-masq', 'iptables chain KUBETS-POD-MASQ']);
  assert.deepEqual([...k.nftTables.keys()], ['other']);
  assert.deepEqual(k.nat.get('POSTROUTING'), []);
  assert.deepEqual(await removePodMasquerade(k), []);
  const none = new FakeNetfilter();
  none.nftMissing = true;
  assert.deepEqual(await removePodMasquerade(none), [], 'no nft on the host');
});

describe('startPodMasquerade', () => {
  test('keeps the rules through resyncs, retries failures, and keeps them on stop unless asked', async () => {
    const clock = new FakeClock();
    const k = new FakeNetfilter();
    k.brokenWith = 'Error: Could not process rule: Operation not permitted';
    const running = startPodMasquerade({
      runner: k,
      clusterCIDRs: ['10.42.0.0/16'],
      serviceCIDRs: ['10.43.0.0/16'],
      resyncPeriodMs: 60_000,
      retryInitialMs: 1000,
      clock,
    });
    try {
      const first = running.synced();
      await flushMicrotasks(50);
      assert.equal(running.mode, undefined, 'nothing installed while the host refuses');
      k.brokenWith = undefined;
      await clock.advance(2000);
      assert.deepEqual(await first, { mode: 'nftables', action: 'created' });

      k.nftTables.delete('kubets-masq');
      await clock.advance(60_000);
      await flushMicrotasks(50);
      assert.ok(k.nftTables.has('kubets-masq'), 're-created on the resync');

      const n = writes(k);
      assert.deepEqual(await running.synced(), { mode: 'nftables', action: 'unchanged' });
      assert.equal(writes(k), n);
    } finally {
      await running.dispose();
    }
    assert.ok(k.nftTables.has('kubets-masq'), 'stop keeps the rules');
    await assert.rejects(running.synced(), /stopped/);

    const cleaning = startPodMasquerade({ runner: k, clusterCIDRs: ['10.42.0.0/16'], cleanupOnStop: true, clock });
    await cleaning.synced();
    await cleaning.dispose();
    assert.equal(k.nftTables.has('kubets-masq'), false, 'cleanupOnStop removes them');
  });

  test('malformed CIDRs are refused at start', () => {
    assert.throws(
      () => startPodMasquerade({ runner: new FakeNetfilter(), clusterCIDRs: ['10.42.0.0'] }),
      /invalid IPv4 CIDR/,
    );
  });
});

// The same against the real kernel, inside a network namespace this test creates (root only).
const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : undefined;
const noPing = existsSync('/bin/busybox') ? undefined : 'needs /bin/busybox (ping)';

describe('PodMasquerade in a network namespace', { skip }, () => {
  const ns = `kbtmq-${randomBytes(3).toString('hex')}`;
  const runIn = (cmd: string, ...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** Every command inside the namespace (`ip netns exec`), so the host's netfilter is never touched. */
  const runner: MasqueradeRunner = {
    where: `netns ${ns}`,
    run: (cmd, args, opts = {}) =>
      new Promise((resolve) => {
        const child = execFile('ip', ['netns', 'exec', ns, cmd, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
        );
        // A command that exits without reading its input (listings) closes the pipe early.
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(opts.input ?? '');
      }),
  };

  // Traffic: a "pod" namespace (10.42.0.5, gateway 10.42.0.1 on the node) and an "outside"
  // host on the node's LAN (192.168.252.2) with an unreachable route for the cluster CIDR,
  // so it can answer a pod only when the node masqueraded the packet.
  const pod = `${ns}-p`;
  const out = `${ns}-o`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
  const pingOutside = () => {
    try {
      execFileSync('ip', ['netns', 'exec', pod, 'busybox', 'ping', '-c', '1', '-W', '2', '192.168.252.2'], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  };

  before(() => {
    for (const n of [ns, pod, out]) ip('netns', 'add', n);
    ip('-n', ns, 'link', 'add', 'gw', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
    ip('-n', ns, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', out);
    ip('-n', ns, 'addr', 'add', '10.42.0.1/24', 'dev', 'gw');
    ip('-n', ns, 'addr', 'add', '192.168.252.1/24', 'dev', 'lan');
    ip('-n', pod, 'addr', 'add', '10.42.0.5/24', 'dev', 'eth0');
    ip('-n', out, 'addr', 'add', '192.168.252.2/24', 'dev', 'eth0');
    for (const [n, dev] of [
      [ns, 'gw'],
      [ns, 'lan'],
      [pod, 'eth0'],
      [out, 'eth0'],
      [ns, 'lo'],
      [pod, 'lo'],
      [out, 'lo'],
    ]) {
      ip('-n', n!, 'link', 'set', dev!, 'up');
    }
    ip('-n', pod, 'route', 'add', 'default', 'via', '10.42.0.1');
    ip('-n', out, 'route', 'add', 'unreachable', '10.42.0.0/16');
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  });
  after(() => {
    for (const n of [ns, pod, out]) execFileSync('ip', ['netns', 'del', n]);
  });

  for (const mode of ['nftables', 'iptables'] as const) {
    test(
      `${mode}: a pod reaches a host outside the cluster only through the masquerade`,
      { skip: noPing },
      async () => {
        assert.equal(pingOutside(), false, 'without the masquerade the outside host cannot answer');
        const pm = new PodMasquerade(runner, rules, mode);
        await pm.ensure();
        try {
          assert.equal(pingOutside(), true, 'masqueraded to the node address');
        } finally {
          assert.equal(await pm.remove(), true);
        }
        assert.equal(pingOutside(), false, 'removed');
      },
    );
  }

  test('nftables: the table is there, intact across syncs, re-created after a delete, removed', async () => {
    const pm = new PodMasquerade(runner, rules, 'nftables');
    assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'created' });
    const listing = runIn('nft', 'list', 'table', 'ip', 'kubets-masq');
    assert.match(listing, /type nat hook postrouting priority srcnat; policy accept;/);
    assert.match(
      listing,
      /ip daddr 10\.43\.0\.0\/16 return\n\s+ip daddr 224\.0\.0\.0\/4 return\n\s+ip saddr 10\.42\.0\.0\/16 masquerade/,
    );
    assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'unchanged' });
    runIn('nft', 'delete', 'table', 'ip', 'kubets-masq');
    assert.deepEqual(await pm.ensure(), { mode: 'nftables', action: 'created' });
    assert.equal(runIn('nft', 'list', 'table', 'ip', 'kubets-masq'), listing);
    assert.deepEqual(await removePodMasquerade(runner), ['nftables table ip kubets-masq']);
    assert.doesNotMatch(runIn('nft', 'list', 'tables'), /kubets-masq/);
  });

  test('iptables: chain and hook are there, intact across syncs, removed', async () => {
    const pm = new PodMasquerade(runner, rules, 'iptables');
    assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'created' });
    const saved = runIn('iptables-save', '-t', 'nat');
    assert.match(saved, /^-A POSTROUTING -m comment --comment "kubets pod masquerade" -j KUBETS-POD-MASQ$/m);
    assert.match(saved, /^-A KUBETS-POD-MASQ -s 10\.42\.0\.0\/16 -j MASQUERADE$/m);
    assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'unchanged' });
    runIn('iptables', '-t', 'nat', '-F', 'KUBETS-POD-MASQ');
    assert.deepEqual(await pm.ensure(), { mode: 'iptables', action: 'replaced' });
    assert.match(runIn('iptables-save', '-t', 'nat'), /^-A KUBETS-POD-MASQ -d 224\.0\.0\.0\/4 -j RETURN$/m);
    assert.deepEqual(await removePodMasquerade(runner), ['iptables chain KUBETS-POD-MASQ']);
    assert.doesNotMatch(runIn('iptables-save', '-t', 'nat'), /KUBETS-POD-MASQ/);
  });
});
