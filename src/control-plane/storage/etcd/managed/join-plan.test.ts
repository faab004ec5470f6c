import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientEndpoints, joiningInitialCluster, planJoin } from './join-plan.js';
import { memberArgs } from './member-args.js';
import type { MemberInfo } from './membership.js';

const member = (id: string, name: string, peer: string, client = '', isLearner = false): MemberInfo => ({
  id,
  name,
  peerURLs: [peer],
  clientURLs: client ? [client] : [],
  isLearner,
});

const a = member('1', 'a', 'https://10.0.0.1:2380', 'https://10.0.0.1:2379');
const b = member('2', 'b', 'https://10.0.0.2:2380', 'https://10.0.0.2:2379');
const self = { name: 'c', peerURL: 'https://10.0.0.3:2380' };

test('planJoin', () => {
  const cases: { name: string; members: MemberInfo[]; remove: string[]; reuse?: string }[] = [
    { name: 'fresh join: nothing to undo', members: [a, b], remove: [] },
    {
      name: 'an earlier attempt added us but etcd never started: reuse that member',
      members: [a, b, member('9', '', self.peerURL, '', true)],
      remove: [],
      reuse: '9',
    },
    {
      name: 'we were a member and lost our data: remove the old incarnation',
      members: [a, b, member('9', 'c-old', self.peerURL, 'https://10.0.0.3:2379')],
      remove: ['9'],
    },
    {
      name: 'our name at another address is an earlier incarnation too',
      members: [a, b, member('8', 'c', 'https://10.0.0.99:2380')],
      remove: ['8'],
    },
    {
      name: 'someone else’s unstarted learner is left alone',
      members: [a, member('7', '', 'https://10.0.0.7:2380', '', true)],
      remove: [],
    },
  ];
  for (const c of cases) {
    const plan = planJoin(c.members, self);
    assert.deepEqual(
      plan.remove.map((m) => m.id),
      c.remove,
      c.name,
    );
    assert.equal(plan.reuse?.id, c.reuse, c.name);
  }
});

test('joiningInitialCluster lists every member once per peer URL, with placeholders for unstarted ones', () => {
  assert.equal(
    joiningInitialCluster([a, b, member('9', '', self.peerURL, '', true)], self),
    'a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://10.0.0.3:2380',
  );
  assert.equal(
    joiningInitialCluster([a, member('7', '', 'https://10.0.0.7:2380')], self),
    'a=https://10.0.0.1:2380,unstarted-7=https://10.0.0.7:2380,c=https://10.0.0.3:2380',
    'our own entry is added when the list predates our MemberAdd',
  );
});

test('clientEndpoints: ours first, then other started members, no duplicates', () => {
  assert.deepEqual(
    clientEndpoints([a, b, member('3', 'c', self.peerURL, 'https://10.0.0.3:2379')], 'https://10.0.0.3:2379'),
    ['https://10.0.0.3:2379', 'https://10.0.0.1:2379', 'https://10.0.0.2:2379'],
  );
  assert.deepEqual(clientEndpoints([], 'https://10.0.0.3:2379'), ['https://10.0.0.3:2379']);
});

test('memberArgs: TLS everywhere, join state, passthrough flags normalized and last', () => {
  const tls = { certFile: 'c.crt', keyFile: 'c.key', trustedCAFile: 'ca.crt' };
  const args = memberArgs({
    name: 'n',
    dataDir: '/d',
    clientURL: 'https://10.0.0.1:2379',
    peerURL: 'https://10.0.0.1:2380',
    clientTls: tls,
    peerTls: { ...tls, trustedCAFile: 'peer-ca.crt' },
    initialCluster: 'n=https://10.0.0.1:2380',
    initialClusterState: 'existing',
    extraArgs: ['heartbeat-interval=500', '--election-timeout=5000'],
  });
  for (const want of [
    '--name=n',
    '--data-dir=/d',
    '--listen-client-urls=https://10.0.0.1:2379',
    '--advertise-client-urls=https://10.0.0.1:2379',
    '--initial-advertise-peer-urls=https://10.0.0.1:2380',
    '--initial-cluster-state=existing',
    '--client-cert-auth=true',
    '--peer-client-cert-auth=true',
    '--trusted-ca-file=ca.crt',
    '--peer-trusted-ca-file=peer-ca.crt',
  ]) {
    assert.ok(args.includes(want), `missing ${want}`);
  }
  assert.deepEqual(args.slice(-2), ['--heartbeat-interval=500', '--election-timeout=5000']);
});
