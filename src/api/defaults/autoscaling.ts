import { type DefaulterTable, type JsonObject, copyJson, isNil, isObject, objectField, structField } from './util.js';

/** The CPU target every HPA gets when it names no metric (upstream `autoscaling.DefaultCPUUtilization`). */
const DEFAULT_CPU_UTILIZATION = 80;

/** Annotation in which autoscaling/v1 carries the v2 metrics it cannot express. */
const V1_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';

const SCALE_UP_RULES = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
// Scale-down leaves stabilizationWindowSeconds unset: the controller's flag decides it.
const SCALE_DOWN_RULES = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/**
 * autoscaling defaulters. The two served versions have different shapes, so
 * the object's version selects the rules (upstream `autoscaling/v2` and
 * `autoscaling/v1` defaults.go).
 *
 * v1: besides `minReplicas`, a v1 HPA without a CPU target reads back with
 * 80% — upstream stores HPAs as v2, whose defaulting adds the CPU metric that
 * v1 then shows as `targetCPUUtilizationPercentage` (unless the v1 metrics
 * annotation carries other metrics). Doing it here gives the same response.
 */
export const autoscalingDefaulters: DefaulterTable = {
  HorizontalPodAutoscaler: (hpa, version) => {
    const spec = structField(hpa, 'spec');
    if (!spec) return;
    if (isNil(spec.minReplicas)) spec.minReplicas = 1;
    if (version === 'v1') {
      const annotations = objectField(hpa, 'metadata')?.annotations;
      const hasOtherMetrics = isObject(annotations) && V1_METRICS_ANNOTATION in annotations;
      if (isNil(spec.targetCPUUtilizationPercentage) && !hasOtherMetrics) {
        spec.targetCPUUtilizationPercentage = DEFAULT_CPU_UTILIZATION;
      }
      return;
    }
    if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
      spec.metrics = [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } },
        },
      ];
    }
    const behavior = objectField(spec, 'behavior');
    if (behavior) {
      behavior.scaleUp = fillRules(behavior.scaleUp, SCALE_UP_RULES);
      behavior.scaleDown = fillRules(behavior.scaleDown, SCALE_DOWN_RULES);
    }
  },
};

/** Upstream `copyHPAScalingRules`: every field the user left nil comes from the defaults. */
function fillRules(given: unknown, defaults: JsonObject): JsonObject {
  const out = copyJson(defaults);
  if (!isObject(given)) return out;
  for (const key of ['selectPolicy', 'stabilizationWindowSeconds', 'policies']) {
    if (!isNil(given[key])) out[key] = given[key];
  }
  // Keep fields this version of the rules does not know about (e.g. newer `tolerance`).
  for (const [key, value] of Object.entries(given)) if (!(key in out)) out[key] = value;
  return out;
}
