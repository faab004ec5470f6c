import type {
  HorizontalPodAutoscaler,
  MetricSpec,
  MetricStatus,
  MetricTarget,
  MetricValueStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { Scale } from 'kubernetes-types/autoscaling/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../../api/quantity/quantity.js';
import { type LabelMatcher, tryParseLabelSelector } from '../../../../api/selectors/label-selector.js';
import type { Lister } from '../../../../client/index.js';
import type { ConditionValue, HpaStatusDraft } from './hpa-status.js';
import type { ResourceMetricsClient } from './metrics-client.js';
import { type CalculatorOptions, rawResourceReplicas, resourceReplicas } from './replica-calculator.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A metric that could not be evaluated: the error and the ScalingActive condition it implies. */
class MetricError extends Error {
  constructor(
    message: string,
    readonly condition: ConditionValue,
  ) {
    super(message);
  }
}

interface Proposal {
  replicas: number;
  metric: string;
  status: MetricStatus;
}

export interface MetricsResult {
  /** -1 when no usable replica count came out (the caller must not scale). */
  replicas: number;
  metric: string;
  statuses: MetricStatus[] | undefined;
  error?: Error;
}

export interface MetricsDeps {
  pods: Lister<Pod>;
  metrics: ResourceMetricsClient;
  options: () => CalculatorOptions;
  /** Records a Warning event on the HPA. */
  warn(reason: string, message: string): void;
  /** Registers the HPA's pod selector and returns the keys (`ns/name`) of every HPA selecting any of `pods`. */
  selectingHpas(hpaKey: string, selector: LabelMatcher, pods: Pod[]): string[];
  signal?: AbortSignal;
}

/**
 * Upstream computeReplicasForMetrics and the per-source evaluators: the
 * largest replica proposal across metrics, ScalingActive set accordingly.
 * Only resource metrics (metrics.k8s.io) can be read; Pods/Object/External
 * sources fail the way upstream does when their APIs are not served.
 */
export class MetricsEvaluator {
  constructor(private readonly d: MetricsDeps) {}

  async computeReplicas(hpa: HorizontalPodAutoscaler, scale: Scale, draft: HpaStatusDraft): Promise<MetricsResult> {
    const specs = hpa.spec?.metrics ?? [];
    let selector: LabelMatcher;
    try {
      selector = this.selector(hpa, scale.status?.selector ?? '', draft);
    } catch (err) {
      return { replicas: -1, metric: '', statuses: undefined, error: err as Error };
    }
    const specReplicas = scale.spec?.replicas ?? 0;
    const statuses: MetricStatus[] = specs.map(() => ({ type: '' }));
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let first: MetricError | undefined;
    for (const [i, spec] of specs.entries()) {
      try {
        const p = await this.computeForMetric(hpa, spec, specReplicas, selector);
        statuses[i] = p.status;
        if (replicas === 0 || p.replicas > replicas) {
          replicas = p.replicas;
          metric = p.metric;
        }
      } catch (err) {
        if (!(err instanceof MetricError)) throw err;
        if (invalid === 0) first = err;
        invalid++;
      }
    }
    const error = first
      ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${first.message}`)
      : undefined;
    // All metrics failed, or some did and the rest would scale down: don't act on partial data.
    if (first && (invalid >= specs.length || replicas < specReplicas)) {
      draft.setCondition(first.condition);
      return { replicas: -1, metric: '', statuses, error };
    }
    if (specs.length === 0) return { replicas: -1, metric: '', statuses, error: new Error('no metrics specified') };
    draft.setCondition({
      type: 'ScalingActive',
      status: 'True',
      reason: 'ValidMetricFound',
      message: `the HPA was able to successfully calculate a replica count from ${metric}`,
    });
    return { replicas, metric, statuses, error };
  }

  /** Upstream validateAndParseSelector. */
  private selector(hpa: HorizontalPodAutoscaler, text: string, draft: HpaStatusDraft): LabelMatcher {
    const inactive = (reason: string, message: string) =>
      draft.setCondition({ type: 'ScalingActive', status: 'False', reason, message });
    if (text === '') {
      this.d.warn('SelectorRequired', 'selector is required');
      inactive('InvalidSelector', "the HPA target's scale is missing a selector");
      throw new Error('selector is required');
    }
    const parsed = tryParseLabelSelector(text);
    if (typeof parsed === 'string') {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${parsed}`;
      this.d.warn('InvalidSelector', msg);
      inactive('InvalidSelector', msg);
      throw new Error(msg);
    }
    const ns = hpa.metadata!.namespace!;
    const pods = this.d.pods.namespace(ns).list(parsed);
    const hpas = this.d.selectingHpas(`${ns}/${hpa.metadata!.name}`, parsed, pods);
    if (hpas.length > 1) {
      const msg = `pods by selector ${text} are controlled by multiple HPAs: [${hpas.join(' ')}]`;
      this.d.warn('AmbiguousSelector', msg);
      inactive('AmbiguousSelector', msg);
      throw new Error(msg);
    }
    return parsed;
  }

  /** upstream getUnableComputeReplicaCountCondition: an event, and the ScalingActive=False it implies. */
  private unable(reason: string, err: unknown, wrap: string): MetricError {
    const text = errorText(err);
    this.d.warn(reason, text);
    return new MetricError(`${wrap}${text}`, {
      type: 'ScalingActive',
      status: 'False',
      reason,
      message: `the HPA was unable to compute the replica count: ${text}`,
    });
  }

  private async computeForMetric(
    hpa: HorizontalPodAutoscaler,
    spec: MetricSpec,
    specReplicas: number,
    selector: LabelMatcher,
  ): Promise<Proposal> {
    const ns = hpa.metadata!.namespace!;
    switch (spec.type) {
      case 'Resource': {
        const r = spec.resource!;
        try {
          const { current, metric, replicas } = await this.resourceProposal(
            specReplicas,
            r.target,
            r.name,
            ns,
            '',
            selector,
          );
          return { replicas, metric, status: { type: 'Resource', resource: { name: r.name, current } } };
        } catch (err) {
          throw this.unable('FailedGetResourceMetric', err, `failed to get ${r.name} resource metric value: `);
        }
      }
      case 'ContainerResource': {
        const r = spec.containerResource!;
        try {
          const p = await this.resourceProposal(specReplicas, r.target, r.name, ns, r.container, selector);
          return {
            replicas: p.replicas,
            metric: p.metric,
            status: {
              type: 'ContainerResource',
              containerResource: { name: r.name, container: r.container, current: p.current },
            },
          };
        } catch (err) {
          throw this.unable(
            'FailedGetContainerResourceMetric',
            err,
            `failed to get ${r.container} container metric value: `,
          );
        }
      }
      case 'Pods': {
        const name = spec.pods?.metric.name ?? '';
        const err = `unable to get metric ${name}: unable to fetch metrics from custom metrics API: no known available metric versions found`;
        throw this.unable('FailedGetPodsMetric', err, 'failed to get pods metric value: ');
      }
      case 'Object': {
        const o = spec.object!;
        const t = o.target;
        const err =
          t.type === 'Value' || t.type === 'AverageValue' || t.value || t.averageValue
            ? // Upstream's own argument order, reproduced as kubectl users see it.
              `unable to get metric ${o.metric.name}: ${o.describedObject.kind} on ${ns} ${o.describedObject.name}/unable to fetch metrics from custom metrics API: no known available metric versions found`
            : 'invalid object metric source: neither a value target nor an average value target was set';
        throw this.unable('FailedGetObjectMetric', err, 'failed to get object metric value: ');
      }
      case 'External': {
        const e = spec.external!;
        const name = e.metric.name;
        const err = `unable to get external metric ${ns}/${name}/${JSON.stringify(e.metric.selector ?? null)}: unable to fetch metrics from external metrics API: the server could not find the requested resource (get ${name}.external.metrics.k8s.io)`;
        throw this.unable('FailedGetExternalMetric', err, `failed to get ${name} external metric value: `);
      }
      default:
        throw this.unable(
          'InvalidMetricSourceType',
          `unknown metric source type ${JSON.stringify(spec.type)}: invalid metrics`,
          '',
        );
    }
  }

  /** Upstream computeStatusForResourceMetricGeneric. */
  private async resourceProposal(
    currentReplicas: number,
    target: MetricTarget,
    resource: string,
    namespace: string,
    container: string,
    selector: LabelMatcher,
  ): Promise<{ replicas: number; metric: string; current: MetricValueStatus }> {
    const fetch = async () => {
      try {
        return await this.d.metrics.resourceMetric(resource, namespace, selector, container, this.d.signal);
      } catch (err) {
        throw new Error(`unable to get metrics for resource ${resource}: ${errorText(err)}`);
      }
    };
    const pods = () => this.d.pods.namespace(namespace).list(selector);
    if (target.averageValue !== undefined) {
      try {
        const { metrics } = await fetch();
        const targetMilli = Number(Quantity.parse(target.averageValue).milliValue());
        const r = rawResourceReplicas(currentReplicas, targetMilli, resource, pods(), metrics, this.d.options());
        return {
          replicas: r.replicas,
          metric: `${resource} resource`,
          current: { averageValue: Quantity.fromMilli(r.usage).toString() },
        };
      } catch (err) {
        throw new Error(`failed to get ${resource} usage: ${errorText(err)}`);
      }
    }
    if (target.averageUtilization === undefined) {
      throw new Error(
        'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set',
      );
    }
    try {
      const { metrics } = await fetch();
      const r = resourceReplicas(
        currentReplicas,
        target.averageUtilization,
        resource,
        container,
        pods(),
        metrics,
        this.d.options(),
      );
      return {
        replicas: r.replicas,
        metric: container
          ? `${resource} container resource utilization (percentage of request)`
          : `${resource} resource utilization (percentage of request)`,
        current: { averageUtilization: r.utilization, averageValue: Quantity.fromMilli(r.rawUtilization).toString() },
      };
    } catch (err) {
      throw new Error(`failed to get ${resource} utilization: ${errorText(err)}`);
    }
  }
}
