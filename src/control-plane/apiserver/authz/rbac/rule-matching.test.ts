import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { nonResourceAttributes, resourceAttributes } from '../types.js';
import { ruleAllows } from './rule-matching.js';

const u = { username: 'u', groups: [] };

test('resource rule matching (verbs, groups, resources, subresources, names)', () => {
  const cases: { rule: PolicyRule; req: Parameters<typeof resourceAttributes>[1]; want: boolean }[] = [
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      req: { verb: 'get', resource: 'pods' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      req: { verb: 'list', resource: 'pods' },
      want: false,
    },
    {
      rule: { verbs: ['*'], apiGroups: [''], resources: ['pods'] },
      req: { verb: 'deletecollection', resource: 'pods' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] },
      req: { verb: 'get', resource: 'pods' },
      want: false,
    },
    {
      rule: { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] },
      req: { verb: 'get', apiGroup: 'apps', resource: 'deployments' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*'] },
      req: { verb: 'get', resource: 'secrets' },
      want: true,
    },
    // A rule for the resource does not cover its subresources, and vice versa.
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      req: { verb: 'get', resource: 'pods', subresource: 'log' },
      want: false,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      req: { verb: 'get', resource: 'pods', subresource: 'log' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
      req: { verb: 'get', resource: 'pods' },
      want: false,
    },
    {
      rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      req: { verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      req: { verb: 'get', apiGroup: 'apps', resource: 'deployments' },
      want: false,
    },
    {
      rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      req: { verb: 'get', resource: 'pods', subresource: 'xscale' },
      want: false,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['*'] },
      req: { verb: 'get', resource: 'pods', subresource: 'exec' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      req: { verb: 'get', resource: 'pods', name: 'a' },
      want: true,
    },
    {
      rule: { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      req: { verb: 'get', resource: 'pods', name: 'b' },
      want: false,
    },
    // resourceNames never match a request without a name (list, create).
    {
      rule: { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
      req: { verb: 'list', resource: 'pods' },
      want: false,
    },
    // Non-resource URL rules never match resource requests.
    { rule: { verbs: ['get'], nonResourceURLs: ['*'] }, req: { verb: 'get', resource: 'pods' }, want: false },
  ];
  for (const c of cases) assert.equal(ruleAllows(resourceAttributes(u, c.req), c.rule), c.want, JSON.stringify(c));
});

test('non-resource URL matching (exact, *, trailing-* prefix)', () => {
  const cases: { urls: string[]; path: string; verb?: string; want: boolean }[] = [
    { urls: ['/healthz'], path: '/healthz', want: true },
    { urls: ['/healthz'], path: '/healthz/etcd', want: false },
    { urls: ['/healthz/*'], path: '/healthz/etcd', want: true },
    { urls: ['/healthz/*'], path: '/healthz', want: false },
    { urls: ['/api*'], path: '/apis/apps', want: true },
    { urls: ['/api/**'], path: '/api/v1', want: true },
    { urls: ['*'], path: '/anything', want: true },
    { urls: ['/metrics'], path: '/metrics', verb: 'post', want: false },
  ];
  for (const c of cases) {
    const rule: PolicyRule = { verbs: ['get'], nonResourceURLs: c.urls };
    assert.equal(ruleAllows(nonResourceAttributes(u, c.verb ?? 'get', c.path), rule), c.want, JSON.stringify(c));
  }
  // Resource rules never match non-resource requests.
  assert.equal(
    ruleAllows(nonResourceAttributes(u, 'get', '/api'), { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }),
    false,
  );
});
