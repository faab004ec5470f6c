import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenError } from './forbidden.js';
import { attributesFrom, nonResourceAttributes, resourceAttributes } from './types.js';
import { parseRequestInfo } from '../http/request-info.js';

const alice = { username: 'alice', groups: ['system:authenticated'] };

test('403 messages match kube-apiserver exactly', () => {
  const cases = [
    {
      attrs: resourceAttributes(alice, { verb: 'list', resource: 'pods', namespace: 'default' }),
      reason: '',
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
      details: { group: '', kind: 'pods' },
    },
    {
      attrs: resourceAttributes(alice, {
        verb: 'get',
        resource: 'pods',
        subresource: 'log',
        name: 'web',
        namespace: 'ns1',
      }),
      reason: '',
      message:
        'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "ns1"',
      details: { name: 'web', group: '', kind: 'pods' },
    },
    {
      attrs: resourceAttributes(alice, { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'x' }),
      reason: '',
      message:
        'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "x"',
      details: { group: 'apps', kind: 'deployments' },
    },
    {
      attrs: resourceAttributes(alice, { verb: 'list', resource: 'nodes' }),
      reason: '',
      message: 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
      details: { group: '', kind: 'nodes' },
    },
    {
      attrs: resourceAttributes(alice, { verb: 'impersonate', resource: 'users', name: 'bob' }),
      reason: '',
      message:
        'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
      details: { name: 'bob', group: '', kind: 'users' },
    },
    {
      attrs: nonResourceAttributes({ username: 'x', groups: [] }, 'get', '/foo'),
      reason: '',
      message: 'forbidden: User "x" cannot get path "/foo"',
      details: undefined,
    },
    {
      attrs: resourceAttributes(
        { username: 'system:node:n1', groups: ['system:nodes'] },
        { verb: 'get', resource: 'secrets', name: 's', namespace: 'd' },
      ),
      reason: "no relationship found between node 'n1' and this object",
      message:
        'secrets "s" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "d": no relationship found between node \'n1\' and this object',
      details: { name: 's', group: '', kind: 'secrets' },
    },
  ];
  for (const c of cases) {
    const err = forbiddenError(c.attrs, c.reason);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, c.message);
    const status = JSON.parse(JSON.stringify(err.toStatus()));
    assert.deepEqual(status.details, c.details, c.message);
  }
});

test('attributesFrom carries request info and list selectors', () => {
  const q = new URLSearchParams('fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dx');
  const info = parseRequestInfo('GET', '/api/v1/namespaces/ns/pods', q);
  const a = attributesFrom(info, alice, q);
  assert.deepEqual(a, {
    user: alice,
    verb: 'list',
    isResourceRequest: true,
    path: '/api/v1/namespaces/ns/pods',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: '',
    name: '',
    namespace: 'ns',
    fieldSelector: 'spec.nodeName=n1',
    labelSelector: 'app=x',
  });
  const get = attributesFrom(parseRequestInfo('GET', '/apis/apps/v1/namespaces/ns/deployments/d/scale', q), alice, q);
  assert.equal(get.fieldSelector, undefined);
  assert.equal(get.subresource, 'scale');
  assert.equal(get.apiGroup, 'apps');
});
