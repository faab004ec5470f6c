import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseKubeProxyArgs } from './kube-proxy-slot.js';
import { ensureServiceCIDRRoute, kubetsRouteProto, removeKubetsRoutes } from './service-route.js';

test('durations as kube-proxy takes them', () => {
  assert.equal(parseDurationMs('1s'), 1000);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('10'), undefined);
  assert.equal(parseDurationMs(''), undefined);
});

test('--kube-proxy-arg maps upstream flag names and rejects the rest with the supported list', () => {
  assert.deepEqual(
    parseKubeProxyArgs([
      'proxy-mode=iptables',
      'masquerade-all=true',
      'min-sync-period=2s',
      'healthz-bind-address=127.0.0.1:0',
      'nodeport-addresses=10.0.0.0/8,192.168.0.0/16',
    ]),
    {
      mode: 'iptables',
      masqueradeAll: true,
      minSyncPeriodMs: 2000,
      healthzBindAddress: '127.0.0.1',
      healthzPort: 0,
      nodePortAddresses: ['10.0.0.0/8', '192.168.0.0/16'],
    },
  );
  assert.deepEqual(parseKubeProxyArgs(['healthz-port=0']), { healthzPort: null });
  assert.throws(() => parseKubeProxyArgs(['proxy-mode=ipvs']), /want nftables, iptables, userspace, auto/);
  assert.throws(() => parseKubeProxyArgs(['sync-period=often']), /duration/);
  assert.throws(() => parseKubeProxyArgs(['cluster-cidr=1.2.3.0/24']), /not supported; supported: proxy-mode/);
});

test('the service CIDR route is added only when the prefix has none, and removed only if added', () => {
  const calls: string[] = [];
  let routes = '';
  const run = (args: string[]) => {
    calls.push(args.join(' '));
    if (args[2] === 'show') return { status: 0, stdout: routes, stderr: '' };
    return { status: 0, stdout: '', stderr: '' };
  };
  const added = ensureServiceCIDRRoute('10.43.0.0/16', '192.0.2.2', run);
  assert.equal(added.added, true);
  assert.ok(calls.includes(`-4 route add 10.43.0.0/16 dev lo src 192.0.2.2 proto ${kubetsRouteProto}`));
  added.remove();
  assert.ok(calls.includes(`-4 route del 10.43.0.0/16 dev lo proto ${kubetsRouteProto}`));

  calls.length = 0;
  routes = 'unreachable 10.43.0.0/16\n';
  const kept = ensureServiceCIDRRoute('10.43.0.0/16', '192.0.2.2', run);
  assert.equal(kept.added, false);
  kept.remove();
  assert.deepEqual(
    calls.filter((c) => !c.includes(' show ')),
    [],
    'an existing route is neither replaced nor removed',
  );

  calls.length = 0;
  routes = `10.43.0.0/16 dev lo proto ${kubetsRouteProto} scope link src 192.0.2.2\n`;
  assert.deepEqual(removeKubetsRoutes(run), [routes.trim()]);
  assert.ok(calls.includes(`-4 route del 10.43.0.0/16 proto ${kubetsRouteProto}`));
});
