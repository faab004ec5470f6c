/**
 * Test-only ResourceInfos shaped like kube-apiserver's discovery for a few
 * representative resources (namespaced, cluster-scoped, create-only, with
 * standard, `log` and connect subresources). Not used at run time.
 */
import type { ResourceInfo, SubresourceInfo, Verb } from '../../scheme/types.js';

const crud: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  opts: { verbs?: Verb[]; subresources?: SubresourceInfo[]; definition?: string | null } = {},
): ResourceInfo {
  const pkg = group === '' ? 'core' : group.split('.')[0];
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: opts.verbs ?? crud,
    subresources: opts.subresources ?? [],
    ...(opts.definition === null ? {} : { definition: opts.definition ?? `io.k8s.api.${pkg}.${version}.${kind}` }),
  };
}

const sub = (name: string, group: string, version: string, kind: string, verbs: string[]): SubresourceInfo => ({
  name,
  kind: { group, version, kind },
  verbs,
});

export const deployments = resource('apps', 'v1', 'Deployment', 'deployments', true, {
  subresources: [
    sub('scale', 'autoscaling', 'v1', 'Scale', ['get', 'patch', 'update']),
    sub('status', 'apps', 'v1', 'Deployment', ['get', 'patch', 'update']),
  ],
});

export const replicasets = resource('apps', 'v1', 'ReplicaSet', 'replicasets', true, {
  subresources: [sub('status', 'apps', 'v1', 'ReplicaSet', ['get', 'patch', 'update'])],
});

export const pods = resource('', 'v1', 'Pod', 'pods', true, {
  subresources: [
    sub('attach', '', 'v1', 'PodAttachOptions', ['create', 'get']),
    sub('binding', '', 'v1', 'Binding', ['create']),
    sub('ephemeralcontainers', '', 'v1', 'Pod', ['get', 'patch', 'update']),
    sub('eviction', 'policy', 'v1', 'Eviction', ['create']),
    sub('exec', '', 'v1', 'PodExecOptions', ['create', 'get']),
    sub('log', '', 'v1', 'Pod', ['get']),
    sub('portforward', '', 'v1', 'PodPortForwardOptions', ['create', 'get']),
    sub('proxy', '', 'v1', 'PodProxyOptions', ['create', 'delete', 'get', 'patch', 'update']),
    sub('status', '', 'v1', 'Pod', ['get', 'patch', 'update']),
  ],
});

export const nodes = resource('', 'v1', 'Node', 'nodes', false, {
  subresources: [
    sub('proxy', '', 'v1', 'NodeProxyOptions', ['create', 'delete', 'get', 'patch', 'update']),
    sub('status', '', 'v1', 'Node', ['get', 'patch', 'update']),
  ],
});

export const namespaces = resource('', 'v1', 'Namespace', 'namespaces', false, {
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [
    sub('finalize', '', 'v1', 'Namespace', ['update']),
    sub('status', '', 'v1', 'Namespace', ['get', 'patch', 'update']),
  ],
});

export const endpoints = resource('', 'v1', 'Endpoints', 'endpoints', true);

export const serviceAccounts = resource('', 'v1', 'ServiceAccount', 'serviceaccounts', true, {
  subresources: [sub('token', 'authentication.k8s.io', 'v1', 'TokenRequest', ['create'])],
});

export const clusterRoles = resource('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false, {
  definition: 'io.k8s.api.rbac.v1.ClusterRole',
});

export const tokenReviews = resource('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, {
  verbs: ['create'],
});

/** A custom resource: no `definition`, so documents use the CRD naming. */
export const widgets = resource('example.com', 'v1', 'Widget', 'widgets', true, {
  definition: null,
  subresources: [
    sub('status', 'example.com', 'v1', 'Widget', ['get', 'patch', 'update']),
    sub('scale', 'autoscaling', 'v1', 'Scale', ['get', 'patch', 'update']),
  ],
});

export const coreResources = [pods, nodes, namespaces, endpoints, serviceAccounts];
