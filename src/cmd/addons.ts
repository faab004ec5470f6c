/**
 * The addons `kubets server` runs for the cluster (k3s deploys the same set as
 * manifests). Today: cluster DNS, which runs inside the server process as an
 * ordinary API client with its own ServiceAccount identity, listening on the
 * node address; the selector-less `kube-system/kube-dns` Service in front of it
 * is what pods' resolv.conf names, and kube-proxy routes it. With several
 * servers each one publishes its own endpoints behind that Service and takes
 * them away when it stops (see kube-dns-service.ts). `--disable coredns`
 * (k3s's name; `dns` is accepted too) turns it off.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { ResourceClient, type KubeObject, type RestClient } from '../client/index.js';
import { DisposableStore, type Disposable } from '../lib/disposable.js';
import type { Logger } from '../lib/log.js';
import { defaultDnsListenPort, dnsMetricsPort, startClusterDns } from '../addons/dns/index.js';
import { startKubeDnsPublisher } from '../addons/dns/kube-dns-service.js';
import type { ControlPlane } from './control-plane.js';
import { inProcessRest, serviceAccountUser } from './in-process.js';

/** Addon names `--disable` accepts, with their aliases. */
export const addonNames: Record<string, string> = { coredns: 'coredns', dns: 'coredns' };

export interface AddonOptions {
  /** Canonical names of disabled addons (see addonNames). */
  disabled: ReadonlySet<string>;
  /** Address the in-process addons listen on (the node IP, or the advertise address without a node). */
  listenIP: string;
  nodeName?: string;
  /** The `kube-dns` Service IP (the kubelet's clusterDNS). */
  clusterDNS: string;
  clusterDomain: string;
  /** DNS port; default 53 as root, else 1053. */
  dnsPort?: number;
  /** Port of the DNS /metrics, /health, /ready; default 9153. */
  dnsMetricsPort?: number;
}

const rbacGroup = 'rbac.authorization.k8s.io';
const dnsAccount = 'coredns';

/** RBAC of the DNS identity: what CoreDNS's `system:coredns` ClusterRole grants. */
function dnsRbacObjects(): { resource: string; obj: KubeObject }[] {
  const role: ClusterRole = {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    rules: [
      { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  };
  const binding: ClusterRoleBinding = {
    apiVersion: `${rbacGroup}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: 'system:coredns', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'system:coredns' },
    subjects: [{ kind: 'ServiceAccount', name: dnsAccount, namespace: 'kube-system' }],
  };
  const sa: ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: dnsAccount, namespace: 'kube-system' },
  };
  return [
    { resource: 'serviceaccounts', obj: sa as KubeObject },
    { resource: 'clusterroles', obj: role as KubeObject },
    { resource: 'clusterrolebindings', obj: binding as KubeObject },
  ];
}

async function applyAll(rest: RestClient, objs: { resource: string; obj: KubeObject }[]): Promise<void> {
  for (const { resource, obj } of objs) {
    const group = resource === 'serviceaccounts' ? '' : rbacGroup;
    const client = new ResourceClient<KubeObject>(
      rest,
      { group, version: 'v1', resource },
      obj.metadata?.namespace ?? undefined,
    );
    await client.apply(obj, { fieldManager: 'kubets-addons', force: true });
  }
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/** Starts the enabled addons; dispose() stops them (their API objects stay, as k3s's manifests do, except this server's DNS endpoints). */
export async function startAddons(
  cp: ControlPlane,
  o: AddonOptions,
  progress: (step: string) => void,
  log?: Logger,
): Promise<Disposable> {
  const owned = new DisposableStore('addons');
  try {
    if (!o.disabled.has('coredns') && isLoopback(o.listenIP)) {
      // An EndpointSlice may not name a loopback address, and pods could not reach one anyway.
      progress(`cluster DNS not started: it needs a non-loopback address, not ${o.listenIP} (--advertise-address)`);
    } else if (!o.disabled.has('coredns')) {
      progress('starting cluster DNS');
      const admin = inProcessRest(
        cp.apiserver,
        { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] },
        'kubets-addons',
      );
      await applyAll(admin, dnsRbacObjects());
      const port = o.dnsPort ?? defaultDnsListenPort();
      const metricsPort = o.dnsMetricsPort ?? dnsMetricsPort;
      const dns = await startClusterDns({
        rest: inProcessRest(cp.apiserver, serviceAccountUser(dnsAccount), 'coredns'),
        clusterDomain: o.clusterDomain,
        listen: [{ host: o.listenIP, port }],
        metricsListen: { host: o.listenIP, port: metricsPort },
        nsAddresses: [o.clusterDNS],
        log: log?.child('dns'),
      });
      owned.add(dns);
      // Added after the DNS server, so disposed before it: the endpoints go before the server stops answering.
      owned.add(
        await startKubeDnsPublisher({
          rest: admin,
          nodeIP: o.listenIP,
          nodeName: o.nodeName,
          serverAddress: cp.config.advertiseAddress,
          dnsPort: port,
          metricsPort,
          clusterIP: o.clusterDNS,
          log: log?.child('dns'),
        }),
      );
    }
    return owned;
  } catch (err) {
    await owned.dispose().catch(() => undefined);
    throw err;
  }
}
