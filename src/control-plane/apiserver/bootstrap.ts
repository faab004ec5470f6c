import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors/status-error.js';
import { applyDefaults } from '../../api/defaults/apply-defaults.js';
import { parseRequestInfo } from './http/request-info.js';
import { firstServiceIP } from './registry/resources/service-allocators.js';
import type { ApiServerCore as ApiServer } from './api-server-core.js';
import type { RequestContext } from './types.js';
import type { KubeObject } from './watch-cache/types.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** A request context for the API server's own writes (not authorized, still validated). */
export function systemContext(): RequestContext {
  const ctrl = new AbortController();
  const request = {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: {},
    peer: {},
    signal: ctrl.signal,
  };
  return {
    request,
    info: parseRequestInfo('POST', '/', request.query),
    user: { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
    warnings: [],
    signal: ctrl.signal,
  };
}

async function ensure(
  server: ApiServer,
  group: string,
  version: string,
  plural: string,
  obj: KubeObject,
  reconcile?: (cur: KubeObject) => KubeObject | undefined,
): Promise<void> {
  const r = server.resource(group, version, plural)!;
  const ns = r.info.namespaced ? String(obj.metadata.namespace) : '';
  const name = String(obj.metadata.name);
  applyDefaults(group, r.info.kind, obj, version);
  const exists = (await r.store.getFromStorage(ns, name)) !== undefined;
  if (!exists) {
    try {
      await r.store.create(systemContext(), ns, r.converter.toStorage(obj));
      return;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  if (!reconcile) return;
  try {
    await r.store.update(systemContext(), ns, name, (cur) => {
      const next = reconcile(structuredClone(cur!));
      return next ?? cur!;
    });
  } catch (err) {
    if (!isConflict(err) && !isNotFound(err)) throw err;
  }
}

/**
 * What every cluster has from the first second (upstream's bootstrap
 * controller and post-start hooks): the system namespaces, the `kubernetes`
 * Service on the first service IP with endpoints pointing at this API server,
 * and the built-in PriorityClasses.
 */
export async function bootstrapCluster(server: ApiServer): Promise<void> {
  for (const name of systemNamespaces) {
    await ensure(server, '', 'v1', 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  const cidr = server.opts.serviceCIDR ?? '10.43.0.0/16';
  const ip = firstServiceIP(cidr);
  const port = server.opts.securePort;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  await ensure(server, '', 'v1', 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
      sessionAffinity: 'None',
    },
  });
  const address = server.opts.advertiseAddress;
  // Endpoints may not point at loopback (validation forbids it, and pods could not use it):
  // a server advertising 127.0.0.1 gets a `kubernetes` Service without endpoints.
  if (/^127\./.test(address) || address === '::1') return bootstrapPriorityClasses(server);
  const subsets = [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  await ensure(
    server,
    '',
    'v1',
    'endpoints',
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets,
    },
    (cur) => {
      if (JSON.stringify(cur.subsets) === JSON.stringify(subsets)) return undefined;
      cur.subsets = subsets;
      return cur;
    },
  );
  const slice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: {
        'kubernetes.io/service-name': 'kubernetes',
        'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  await ensure(server, 'discovery.k8s.io', 'v1', 'endpointslices', slice, (cur) => {
    if (
      JSON.stringify(cur.endpoints) === JSON.stringify(slice.endpoints) &&
      JSON.stringify(cur.ports) === JSON.stringify(slice.ports)
    )
      return undefined;
    cur.endpoints = slice.endpoints;
    cur.ports = slice.ports;
    return cur;
  });
  await bootstrapPriorityClasses(server);
}

async function bootstrapPriorityClasses(server: ApiServer): Promise<void> {
  for (const [name, value] of [
    ['system-node-critical', 2000001000],
    ['system-cluster-critical', 2000000000],
  ] as const) {
    await ensure(server, 'scheduling.k8s.io', 'v1', 'priorityclasses', {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name },
      value,
      description: `Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.`,
    });
  }
}
