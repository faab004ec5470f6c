import type {
  HorizontalPodAutoscaler as HPAv1,
  HorizontalPodAutoscalerSpec as HPASpecV1,
  Scale,
} from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HPAv2, MetricSpec, MetricStatus } from 'kubernetes-types/autoscaling/v2.js';
import { ageColumn, docColumn, nameColumn, printer } from './columns.js';
import { age, nameOf, quantityPtr } from './format.js';

/**
 * HorizontalPodAutoscalers (upstream `printHorizontalPodAutoscaler`,
 * `formatHPAMetrics`) and the Scale subresource (`printScale`). Upstream prints
 * the internal (v2-shaped) object; an autoscaling/v1 object is read the way the
 * v1 conversion maps it: the CPU utilization fields become one Resource metric.
 */

function v1Metrics(spec: HPASpecV1 | undefined, current: number | undefined): [MetricSpec[], MetricStatus[]] {
  const specs: MetricSpec[] = [];
  const statuses: MetricStatus[] = [];
  if (spec?.targetCPUUtilizationPercentage != null) {
    specs.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
      },
    });
  }
  if (current != null) {
    statuses.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } });
  }
  return [specs, statuses];
}

function metricsOf(obj: HPAv1 | HPAv2): [MetricSpec[], MetricStatus[]] {
  if (obj.apiVersion === 'autoscaling/v1' || (obj.spec && 'targetCPUUtilizationPercentage' in obj.spec)) {
    const v1 = obj as HPAv1;
    return v1Metrics(v1.spec, v1.status?.currentCPUUtilizationPercentage);
  }
  const v2 = obj as HPAv2;
  return [v2.spec?.metrics ?? [], v2.status?.currentMetrics ?? []];
}

/**
 * TARGETS: `current/target` per metric (`cpu: 40%/80%`, `<unknown>` until
 * measured), the first two and then `+ N more...`. A metric's status is the one
 * at the same index. Missing quantities print as `<nil>`, as upstream's
 * unchecked Quantity pointers do.
 */
export function formatHPAMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const status = statuses[i];
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const source = spec.type === 'External' ? spec.external : spec.object;
        const current = spec.type === 'External' ? status?.external : status?.object;
        if (source?.target?.averageValue != null) {
          const c = current?.current?.averageValue != null ? quantityPtr(current.current.averageValue) : '<unknown>';
          list.push(`${c}/${quantityPtr(source.target.averageValue)} (avg)`);
        } else {
          const c = current ? quantityPtr(current.current?.value) : '<unknown>';
          list.push(`${c}/${quantityPtr(source?.target?.value)}`);
        }
        break;
      }
      case 'Pods': {
        const c = status?.pods ? quantityPtr(status.pods.current?.averageValue) : '<unknown>';
        list.push(`${c}/${quantityPtr(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const current = spec.type === 'Resource' ? status?.resource : status?.containerResource;
        const name = source?.name ?? '';
        if (source?.target?.averageValue != null) {
          const c = current ? quantityPtr(current.current?.averageValue) : '<unknown>';
          list.push(`${name}: ${c}/${quantityPtr(source.target.averageValue)}`);
        } else {
          const utilization = current?.current?.averageUtilization;
          const c = utilization != null ? `${utilization}%` : '<unknown>';
          const target = source?.target?.averageUtilization;
          list.push(`${name}: ${c}/${target != null ? `${target}%` : '<auto>'}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const horizontalPodAutoscalerPrinter = printer(
  [
    nameColumn,
    docColumn('Reference', 'string', 'HorizontalPodAutoscalerSpec.scaleTargetRef'),
    docColumn('Targets', 'string', 'HorizontalPodAutoscalerSpec.metrics'),
    docColumn('MinPods', 'string', 'HorizontalPodAutoscalerSpec.minReplicas'),
    docColumn('MaxPods', 'string', 'HorizontalPodAutoscalerSpec.maxReplicas'),
    docColumn('Replicas', 'string', 'HorizontalPodAutoscalerStatus.currentReplicas'),
    ageColumn,
  ],
  (obj: HPAv1 | HPAv2, now) => {
    const ref = obj.spec?.scaleTargetRef;
    const [specs, statuses] = metricsOf(obj);
    const min = obj.spec?.minReplicas;
    return [
      nameOf(obj),
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      formatHPAMetrics(specs, statuses),
      min != null ? String(min) : '<unset>',
      obj.spec?.maxReplicas ?? 0,
      obj.status?.currentReplicas ?? 0,
      age(obj, now),
    ];
  },
);

/** The Scale subresource (`kubectl get --subresource=scale`); its Name column has no `name` format upstream. */
export const scalePrinter = printer(
  [
    { ...nameColumn, format: '' },
    docColumn('Desired', 'integer', 'ScaleSpec.replicas'),
    docColumn('Available', 'integer', 'ScaleStatus.replicas'),
    ageColumn,
  ],
  (obj: Scale, now) => [nameOf(obj), obj.spec?.replicas ?? 0, obj.status?.replicas ?? 0, age(obj, now)],
);
