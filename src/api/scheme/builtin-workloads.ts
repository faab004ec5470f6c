import { expandGroupVersion, scaleSub, statusSub } from './resource-builder.js';
import type { ResourceInfo } from './types.js';

/** apps/v1, batch/v1, autoscaling/v2 + v1 and policy/v1 as upstream v1.32 discovery lists them. */
export function workloadResources(): ResourceInfo[] {
  const apps = (kind: string) => statusSub('apps', 'v1', kind);
  const batch = (kind: string) => statusSub('batch', 'v1', kind);
  const hpa = (version: string) => ({
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: [statusSub('autoscaling', version, 'HorizontalPodAutoscaler')],
  });
  return [
    ...expandGroupVersion({
      group: 'apps',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.apps.v1',
      resources: [
        { kind: 'ControllerRevision', plural: 'controllerrevisions', namespaced: true },
        {
          kind: 'DaemonSet',
          plural: 'daemonsets',
          namespaced: true,
          shortNames: ['ds'],
          categories: ['all'],
          subresources: [apps('DaemonSet')],
        },
        {
          kind: 'Deployment',
          plural: 'deployments',
          namespaced: true,
          shortNames: ['deploy'],
          categories: ['all'],
          subresources: [scaleSub(), apps('Deployment')],
        },
        {
          kind: 'ReplicaSet',
          plural: 'replicasets',
          namespaced: true,
          shortNames: ['rs'],
          categories: ['all'],
          subresources: [scaleSub(), apps('ReplicaSet')],
        },
        {
          kind: 'StatefulSet',
          plural: 'statefulsets',
          namespaced: true,
          shortNames: ['sts'],
          categories: ['all'],
          subresources: [scaleSub(), apps('StatefulSet')],
        },
      ],
    }),
    ...expandGroupVersion({
      group: 'autoscaling',
      version: 'v2',
      definitionPrefix: 'io.k8s.api.autoscaling.v2',
      resources: [hpa('v2')],
    }),
    ...expandGroupVersion({
      group: 'autoscaling',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.autoscaling.v1',
      resources: [hpa('v1')],
    }),
    ...expandGroupVersion({
      group: 'batch',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.batch.v1',
      resources: [
        {
          kind: 'CronJob',
          plural: 'cronjobs',
          namespaced: true,
          shortNames: ['cj'],
          categories: ['all'],
          subresources: [batch('CronJob')],
        },
        { kind: 'Job', plural: 'jobs', namespaced: true, categories: ['all'], subresources: [batch('Job')] },
      ],
    }),
    ...expandGroupVersion({
      group: 'policy',
      version: 'v1',
      definitionPrefix: 'io.k8s.api.policy.v1',
      resources: [
        {
          kind: 'PodDisruptionBudget',
          plural: 'poddisruptionbudgets',
          namespaced: true,
          shortNames: ['pdb'],
          subresources: [statusSub('policy', 'v1', 'PodDisruptionBudget')],
        },
      ],
    }),
  ];
}
