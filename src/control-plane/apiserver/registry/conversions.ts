import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { KubeObject } from '../watch-cache/types.js';
import { sameShapeConverter, type Converter } from './served-resource.js';

type Obj = Record<string, any>;

/** Copies the listed fields from `from` to `to` under new names (absent fields stay absent). */
function rename(from: Obj, to: Obj, pairs: [string, string][]): void {
  for (const [a, b] of pairs) if (from[a] !== undefined) to[b] = from[a];
}

const eventPairs: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];
const eventShared = ['metadata', 'eventTime', 'series', 'action', 'related', 'reason', 'type', 'reportingInstance'];

/** core/v1 Event (storage) <-> events.k8s.io/v1 Event, as upstream's conversion functions map them. */
function eventsConverter(): Converter {
  return {
    identity: false,
    toServed(o) {
      const out: Obj = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
      for (const k of eventShared) if ((o as Obj)[k] !== undefined) out[k] = (o as Obj)[k];
      rename(o as Obj, out, eventPairs);
      return out as KubeObject;
    },
    toStorage(o) {
      const out: Obj = { apiVersion: 'v1', kind: 'Event' };
      for (const k of eventShared) if ((o as Obj)[k] !== undefined) out[k] = (o as Obj)[k];
      rename(
        o as Obj,
        out,
        eventPairs.map(([a, b]) => [b, a] as [string, string]),
      );
      out.involvedObject ??= {};
      return out as KubeObject;
    },
  };
}

const annMetrics = 'autoscaling.alpha.kubernetes.io/metrics';
const annConditions = 'autoscaling.alpha.kubernetes.io/conditions';
const annCurrentMetrics = 'autoscaling.alpha.kubernetes.io/current-metrics';
const annBehavior = 'autoscaling.alpha.kubernetes.io/behavior';

const isCpuUtilization = (m: Obj) =>
  m?.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.target?.type === 'Utilization';

/**
 * autoscaling/v1 HPA <-> autoscaling/v2 (storage). v1 only has a CPU target;
 * everything else round-trips through the annotations upstream uses.
 */
function hpaConverter(): Converter {
  return {
    identity: false,
    toServed(o) {
      const v2 = o as Obj;
      const ann: Record<string, string> = { ...(v2.metadata?.annotations ?? {}) };
      const metrics: Obj[] = v2.spec?.metrics ?? [];
      const cpu = metrics.find(isCpuUtilization);
      const others = metrics.filter((m) => m !== cpu);
      if (others.length) ann[annMetrics] = JSON.stringify(others);
      if (v2.spec?.behavior) ann[annBehavior] = JSON.stringify(v2.spec.behavior);
      if (v2.status?.conditions?.length) ann[annConditions] = JSON.stringify(v2.status.conditions);
      const current: Obj[] = v2.status?.currentMetrics ?? [];
      const curCpu = current.find((m) => m?.type === 'Resource' && m.resource?.name === 'cpu');
      const otherCurrent = current.filter((m) => m !== curCpu);
      if (otherCurrent.length) ann[annCurrentMetrics] = JSON.stringify(otherCurrent);
      const spec: Obj = { scaleTargetRef: v2.spec?.scaleTargetRef, maxReplicas: v2.spec?.maxReplicas };
      if (v2.spec?.minReplicas !== undefined) spec.minReplicas = v2.spec.minReplicas;
      if (cpu) spec.targetCPUUtilizationPercentage = cpu.resource.target.averageUtilization;
      const status: Obj = {};
      if (v2.status) {
        for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas'])
          if (v2.status[k] !== undefined) status[k] = v2.status[k];
        if (curCpu?.resource?.current?.averageUtilization !== undefined)
          status.currentCPUUtilizationPercentage = curCpu.resource.current.averageUtilization;
      }
      const metadata = { ...v2.metadata, annotations: Object.keys(ann).length ? ann : undefined };
      if (!metadata.annotations) delete metadata.annotations;
      const out: Obj = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec };
      if (v2.status) out.status = status;
      return out as KubeObject;
    },
    toStorage(o) {
      const v1 = o as Obj;
      const ann: Record<string, string> = { ...(v1.metadata?.annotations ?? {}) };
      const parse = (k: string) => {
        const raw = ann[k];
        delete ann[k];
        try {
          return raw ? JSON.parse(raw) : undefined;
        } catch {
          return undefined;
        }
      };
      const extraMetrics: Obj[] = parse(annMetrics) ?? [];
      const behavior = parse(annBehavior);
      const conditions = parse(annConditions);
      const currentExtra: Obj[] = parse(annCurrentMetrics) ?? [];
      const metrics: Obj[] = [];
      if (v1.spec?.targetCPUUtilizationPercentage !== undefined) {
        metrics.push({
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: v1.spec.targetCPUUtilizationPercentage },
          },
        });
      }
      metrics.push(...extraMetrics);
      const spec: Obj = { scaleTargetRef: v1.spec?.scaleTargetRef, maxReplicas: v1.spec?.maxReplicas };
      if (v1.spec?.minReplicas !== undefined) spec.minReplicas = v1.spec.minReplicas;
      if (metrics.length) spec.metrics = metrics;
      if (behavior) spec.behavior = behavior;
      const metadata = { ...v1.metadata, annotations: Object.keys(ann).length ? ann : undefined };
      if (!metadata.annotations) delete metadata.annotations;
      const out: Obj = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec };
      if (v1.status) {
        const st: Obj = {};
        for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas'])
          if (v1.status[k] !== undefined) st[k] = v1.status[k];
        const current: Obj[] = [];
        if (v1.status.currentCPUUtilizationPercentage !== undefined) {
          current.push({
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: v1.status.currentCPUUtilizationPercentage } },
          });
        }
        current.push(...currentExtra);
        if (current.length) st.currentMetrics = current;
        if (conditions) st.conditions = conditions;
        out.status = st;
      }
      return out as KubeObject;
    },
  };
}

/** The converter between a served version and its storage version. */
export function converterFor(served: ResourceInfo, storage: ResourceInfo): Converter {
  const from = `${served.group}/${served.plural}`;
  if (from === 'events.k8s.io/events' && storage.group === '') return eventsConverter();
  if (from === 'autoscaling/horizontalpodautoscalers' && served.version === 'v1' && storage.version === 'v2')
    return hpaConverter();
  return sameShapeConverter(served, storage);
}
