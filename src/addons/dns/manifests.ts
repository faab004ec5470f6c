/**
 * The cluster DNS addon as an embedded manifest (k3s ships `coredns.yaml` the
 * same way), written to `<data-dir>/server/manifests/coredns.yaml` and applied
 * by the addon deployer: the `coredns` ServiceAccount the in-process DNS
 * server acts as, the `system:coredns` ClusterRole and binding CoreDNS gets
 * upstream, and the selector-less `kube-system/kube-dns` Service. The
 * endpoints behind the Service are not in it: each server publishes its own
 * (kube-dns-service.ts). The Service is the one ensureKubeDnsService applies
 * as well, value for value, so the two writers agree.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { Service, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { encodeYAML } from '../../api/codec/yaml.js';
import {
  dnsMetricsPort,
  kubeDnsLabels,
  kubeDnsName,
  kubeDnsNamespace,
  kubeDnsServiceIP,
  privilegedDnsPort,
} from './kube-dns-service.js';

export const dnsManifestFile = 'coredns.yaml';
/** The ServiceAccount the in-process DNS server acts as. */
export const dnsServiceAccount = 'coredns';

export interface DnsManifestOptions {
  /** The kube-dns Service IP; default 10.43.0.10. */
  clusterIP?: string;
  /** The port the DNS server listens on (the Service's targetPort); default 53. */
  dnsPort?: number;
  /** The port of its /metrics; default 9153. */
  metricsPort?: number;
}

const rbacGroup = 'rbac.authorization.k8s.io';

/** The objects of the manifest, in apply order. */
export function dnsManifestObjects(
  o: DnsManifestOptions = {},
): [ServiceAccount, ClusterRole, ClusterRoleBinding, Service] {
  const dnsPort = o.dnsPort ?? privilegedDnsPort;
  const metricsPort = o.metricsPort ?? dnsMetricsPort;
  const bootstrapping = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: dnsServiceAccount, namespace: kubeDnsNamespace },
    },
    {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns', labels: bootstrapping },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns', labels: bootstrapping },
      roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: dnsServiceAccount, namespace: kubeDnsNamespace }],
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: kubeDnsName,
        namespace: kubeDnsNamespace,
        labels: { ...kubeDnsLabels },
        annotations: { 'prometheus.io/port': String(dnsMetricsPort), 'prometheus.io/scrape': 'true' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: o.clusterIP ?? kubeDnsServiceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: dnsPort },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: dnsPort },
          { name: 'metrics', port: dnsMetricsPort, protocol: 'TCP', targetPort: metricsPort },
        ],
      },
    },
  ];
}

/** The manifest's text: one YAML document per object. */
export function dnsManifest(o: DnsManifestOptions = {}): string {
  const header = '# Written by kubets server at every start; create coredns.yaml.skip to keep your own version.\n';
  return (
    header +
    dnsManifestObjects(o)
      .map((obj) => `---\n${encodeYAML(obj)}`)
      .join('')
  );
}
