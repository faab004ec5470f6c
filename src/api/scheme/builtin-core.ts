import {
  CONNECT_VERBS,
  GET_PATCH_UPDATE,
  PROXY_VERBS,
  expandGroupVersion,
  scaleSub,
  statusSub,
  sub,
} from './resource-builder.js';
import type { ResourceInfo } from './types.js';

const core = { group: '', version: 'v1' };
const status = (kind: string) => statusSub('', 'v1', kind);

/**
 * core/v1 as kube-apiserver v1.32 serves it with default feature gates
 * (`GET /api/v1`). Notes on deliberate omissions:
 * - `pods/resize` is registered only with the alpha InPlacePodVerticalScaling
 *   gate in 1.32 (on by default from 1.33), so it is not listed.
 * - `namespaces` has no `deletecollection` upstream.
 */
export function coreV1Resources(): ResourceInfo[] {
  return expandGroupVersion({
    ...core,
    definitionPrefix: 'io.k8s.api.core.v1',
    resources: [
      { kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'] },
      {
        kind: 'ComponentStatus',
        plural: 'componentstatuses',
        namespaced: false,
        shortNames: ['cs'],
        verbs: ['get', 'list'],
      },
      { kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'] },
      { kind: 'Endpoints', plural: 'endpoints', namespaced: true, shortNames: ['ep'] },
      { kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'] },
      { kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'] },
      {
        kind: 'Namespace',
        plural: 'namespaces',
        namespaced: false,
        shortNames: ['ns'],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        subresources: [sub(core, 'finalize', 'Namespace', ['update']), status('Namespace')],
      },
      {
        kind: 'Node',
        plural: 'nodes',
        namespaced: false,
        shortNames: ['no'],
        subresources: [sub(core, 'proxy', 'NodeProxyOptions', PROXY_VERBS), status('Node')],
      },
      {
        kind: 'PersistentVolumeClaim',
        plural: 'persistentvolumeclaims',
        namespaced: true,
        shortNames: ['pvc'],
        subresources: [status('PersistentVolumeClaim')],
      },
      {
        kind: 'PersistentVolume',
        plural: 'persistentvolumes',
        namespaced: false,
        shortNames: ['pv'],
        subresources: [status('PersistentVolume')],
      },
      {
        kind: 'Pod',
        plural: 'pods',
        namespaced: true,
        shortNames: ['po'],
        categories: ['all'],
        subresources: [
          sub(core, 'attach', 'PodAttachOptions', CONNECT_VERBS),
          sub(core, 'binding', 'Binding', ['create']),
          sub(core, 'ephemeralcontainers', 'Pod', GET_PATCH_UPDATE),
          sub({ group: 'policy', version: 'v1' }, 'eviction', 'Eviction', ['create']),
          sub(core, 'exec', 'PodExecOptions', CONNECT_VERBS),
          sub(core, 'log', 'Pod', ['get']),
          sub(core, 'portforward', 'PodPortForwardOptions', CONNECT_VERBS),
          sub(core, 'proxy', 'PodProxyOptions', PROXY_VERBS),
          status('Pod'),
        ],
      },
      { kind: 'PodTemplate', plural: 'podtemplates', namespaced: true },
      {
        kind: 'ReplicationController',
        plural: 'replicationcontrollers',
        namespaced: true,
        shortNames: ['rc'],
        categories: ['all'],
        subresources: [scaleSub(), status('ReplicationController')],
      },
      {
        kind: 'ResourceQuota',
        plural: 'resourcequotas',
        namespaced: true,
        shortNames: ['quota'],
        subresources: [status('ResourceQuota')],
      },
      { kind: 'Secret', plural: 'secrets', namespaced: true },
      {
        kind: 'ServiceAccount',
        plural: 'serviceaccounts',
        namespaced: true,
        shortNames: ['sa'],
        subresources: [sub({ group: 'authentication.k8s.io', version: 'v1' }, 'token', 'TokenRequest', ['create'])],
      },
      {
        kind: 'Service',
        plural: 'services',
        namespaced: true,
        shortNames: ['svc'],
        categories: ['all'],
        subresources: [sub(core, 'proxy', 'ServiceProxyOptions', PROXY_VERBS), status('Service')],
      },
    ],
  });
}
