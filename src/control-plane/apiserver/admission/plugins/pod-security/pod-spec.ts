import type { PodSpec, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KubeObject } from '../../../watch-cache/types.js';

/**
 * Where the pod template lives in each built-in workload kind (upstream
 * `DefaultPodSpecExtractor`): PodSecurity warns and audits on templates so
 * problems surface when the workload is written, not when its pods fail.
 */
export const podControllerResources = new Set([
  '/replicationcontrollers',
  '/podtemplates',
  'apps/replicasets',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
]);

export function extractPodSpec(
  group: string,
  plural: string,
  obj: KubeObject,
): { meta: ObjectMeta; spec: PodSpec } | undefined {
  const key = `${group}/${plural}`;
  if (key === '/pods') {
    const spec = obj.spec as PodSpec | undefined;
    return spec ? { meta: obj.metadata as ObjectMeta, spec } : undefined;
  }
  let template: PodTemplateSpec | undefined;
  if (key === '/podtemplates') template = obj.template as PodTemplateSpec | undefined;
  else if (key === 'batch/cronjobs') {
    const jobTemplate = (obj.spec as { jobTemplate?: { spec?: { template?: PodTemplateSpec } } } | undefined)
      ?.jobTemplate;
    template = jobTemplate?.spec?.template;
  } else if (podControllerResources.has(key)) {
    template = (obj.spec as { template?: PodTemplateSpec } | undefined)?.template;
  }
  if (!template?.spec) return undefined;
  return { meta: template.metadata ?? {}, spec: template.spec };
}
