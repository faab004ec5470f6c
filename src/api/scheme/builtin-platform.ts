import { expandGroupVersion, statusSub } from './resource-builder.js';
import type { ResourceInfo } from './types.js';

/**
 * Cluster-plumbing groups as upstream v1.32 discovery lists them: rbac,
 * coordination, discovery, networking, events, storage, scheduling, node and
 * flowcontrol (GA since 1.29, served by default).
 */
export function platformResources(): ResourceInfo[] {
  return [
    ...expandGroupVersion({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.rbac.v1',
      resources: [
        { kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
        { kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
        { kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
        { kind: 'Role', plural: 'roles', namespaced: true },
      ],
    }),
    ...expandGroupVersion({
      group: 'coordination.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.coordination.v1',
      resources: [{ kind: 'Lease', plural: 'leases', namespaced: true }],
    }),
    ...expandGroupVersion({
      group: 'discovery.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.discovery.v1',
      resources: [{ kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true }],
    }),
    ...expandGroupVersion({
      group: 'networking.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.networking.v1',
      resources: [
        { kind: 'IngressClass', plural: 'ingressclasses', namespaced: false },
        {
          kind: 'Ingress',
          plural: 'ingresses',
          namespaced: true,
          shortNames: ['ing'],
          subresources: [statusSub('networking.k8s.io', 'v1', 'Ingress')],
        },
        { kind: 'NetworkPolicy', plural: 'networkpolicies', namespaced: true, shortNames: ['netpol'] },
      ],
    }),
    ...expandGroupVersion({
      group: 'events.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.events.v1',
      resources: [{ kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] }],
    }),
    ...expandGroupVersion({
      group: 'storage.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.storage.v1',
      resources: [
        { kind: 'CSIDriver', plural: 'csidrivers', namespaced: false },
        { kind: 'CSINode', plural: 'csinodes', namespaced: false },
        { kind: 'CSIStorageCapacity', plural: 'csistoragecapacities', namespaced: true },
        { kind: 'StorageClass', plural: 'storageclasses', namespaced: false, shortNames: ['sc'] },
        {
          kind: 'VolumeAttachment',
          plural: 'volumeattachments',
          namespaced: false,
          subresources: [statusSub('storage.k8s.io', 'v1', 'VolumeAttachment')],
        },
      ],
    }),
    ...expandGroupVersion({
      group: 'scheduling.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.scheduling.v1',
      resources: [{ kind: 'PriorityClass', plural: 'priorityclasses', namespaced: false, shortNames: ['pc'] }],
    }),
    ...expandGroupVersion({
      group: 'node.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.node.v1',
      resources: [{ kind: 'RuntimeClass', plural: 'runtimeclasses', namespaced: false }],
    }),
    ...expandGroupVersion({
      group: 'flowcontrol.apiserver.k8s.io',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.flowcontrol.v1',
      resources: [
        {
          kind: 'FlowSchema',
          plural: 'flowschemas',
          namespaced: false,
          subresources: [statusSub('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema')],
        },
        {
          kind: 'PriorityLevelConfiguration',
          plural: 'prioritylevelconfigurations',
          namespaced: false,
          subresources: [statusSub('flowcontrol.apiserver.k8s.io', 'v1', 'PriorityLevelConfiguration')],
        },
      ],
    }),
  ];
}
