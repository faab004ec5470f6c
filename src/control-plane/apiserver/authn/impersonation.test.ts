import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../api/errors/status-error.js';
import { RbacAuthorizer } from '../authz/rbac/rbac-authorizer.js';
import { group, MemoryRbacSource, user } from '../authz/rbac/testing.js';
import type { UserInfo } from '../types.js';
import { impersonate } from './impersonation.js';
import { fakeRequest } from './testing.js';

const alice = { username: 'alice', groups: ['system:authenticated'] };
const admin = { username: 'admin', groups: ['impersonators', 'system:authenticated'] };

const authz = new RbacAuthorizer(
  new MemoryRbacSource()
    .clusterRole('impersonate-all', [
      { verbs: ['impersonate'], apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'] },
      { verbs: ['impersonate'], apiGroups: ['authentication.k8s.io'], resources: ['uids', 'userextras/scopes'] },
    ])
    .clusterRole('impersonate-bob', [
      { verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['bob'] },
    ])
    .clusterRole('impersonate-sa', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] }])
    .clusterRoleBinding('imp', 'impersonate-all', [group('impersonators')])
    .clusterRoleBinding('alice-bob', 'impersonate-bob', [user('alice')])
    .roleBinding('ns1', 'alice-sa', { kind: 'ClusterRole', name: 'impersonate-sa' }, [user('alice')]),
);

async function run(requestor: UserInfo, headers: Record<string, string | string[]>): Promise<UserInfo | string> {
  try {
    return await impersonate(fakeRequest({ headers }), requestor, authz);
  } catch (err) {
    assert.ok(err instanceof StatusError);
    return `${err.code} ${err.message}`;
  }
}

test('impersonation is allowed part by part and builds the new identity as upstream', async () => {
  const cases: { name: string; who: UserInfo; headers: Record<string, string | string[]>; want: UserInfo | string }[] =
    [
      { name: 'no headers', who: alice, headers: {}, want: alice },
      {
        name: 'user',
        who: alice,
        headers: { 'Impersonate-User': 'bob' },
        want: { username: 'bob', groups: ['system:authenticated'] },
      },
      {
        name: 'user with groups, uid and extras',
        who: admin,
        headers: {
          'Impersonate-User': 'bob',
          'Impersonate-Group': ['g1', 'g2'],
          'Impersonate-Uid': 'u-1',
          'Impersonate-Extra-Scopes': ['view', 'edit'],
        },
        want: {
          username: 'bob',
          uid: 'u-1',
          groups: ['g1', 'g2', 'system:authenticated'],
          extra: { scopes: ['view', 'edit'] },
        },
      },
      {
        name: 'explicit system:unauthenticated is kept without system:authenticated',
        who: admin,
        headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:unauthenticated' },
        want: { username: 'bob', groups: ['system:unauthenticated'] },
      },
      {
        name: 'anonymous',
        who: admin,
        headers: { 'Impersonate-User': 'system:anonymous' },
        want: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      },
      {
        name: 'service account gets its groups',
        who: alice,
        headers: { 'Impersonate-User': 'system:serviceaccount:ns1:robot' },
        want: {
          username: 'system:serviceaccount:ns1:robot',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'],
        },
      },
      {
        name: 'user refused',
        who: alice,
        headers: { 'Impersonate-User': 'carol' },
        want: '403 users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
      },
      {
        name: 'group refused',
        who: alice,
        headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' },
        want: '403 groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope',
      },
      {
        name: 'service account in another namespace refused',
        who: alice,
        headers: { 'Impersonate-User': 'system:serviceaccount:ns2:robot' },
        want: '403 serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns2"',
      },
      {
        name: 'uid refused',
        who: alice,
        headers: { 'Impersonate-User': 'bob', 'Impersonate-Uid': '1234' },
        want: '403 uids.authentication.k8s.io "1234" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope',
      },
      {
        name: 'extra refused',
        who: admin,
        headers: { 'Impersonate-User': 'bob', 'Impersonate-Extra-Other%2Fkey': 'v' },
        want: '403 userextras.authentication.k8s.io "v" is forbidden: User "admin" cannot impersonate resource "userextras/other/key" in API group "authentication.k8s.io" at the cluster scope',
      },
      {
        name: 'groups without a user',
        who: admin,
        headers: { 'Impersonate-Group': 'g1' },
        want: '500 Internal error occurred: requested [{Group  g1    }] without impersonating a user',
      },
      {
        name: 'uid without a user',
        who: admin,
        headers: { 'Impersonate-Uid': 'u' },
        want: '500 Internal error occurred: requested [{UID  u  authentication.k8s.io/v1  }] without impersonating a user',
      },
    ];
  for (const c of cases) assert.deepEqual(await run(c.who, c.headers), c.want, c.name);
});
