import type { Scale } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { LabelMatcher } from '../../../../api/selectors/label-selector.js';
import { semanticEqual } from '../../../../api/validation/common.js';
import {
  type EventRecorder,
  gvr,
  type Lister,
  metaNamespaceKey,
  objectOf,
  RateLimitingQueue,
  type ResourceClient,
  type Result,
  runController,
  splitMetaNamespaceKey,
  typed,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { type MetricsDeps, MetricsEvaluator } from './hpa-metrics.js';
import { HpaStatusDraft } from './hpa-status.js';
import { ResourceMetricsClient } from './metrics-client.js';
import { defaultCalculatorOptions } from './replica-calculator.js';
import { type KindMapping, parseGroupVersion, ScaleClient } from './scale-client.js';
import {
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  defaultDownscaleStabilizationMs,
  ScaleHistory,
  withDefaultRules,
} from './scaling-rules.js';

export const hpasGVR = gvr('autoscaling', 'v2', 'horizontalpodautoscalers');

export interface HpaControllerOptions {
  /** Every HPA is reconciled this often (`--horizontal-pod-autoscaler-sync-period`, 15 s). */
  syncPeriodMs: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min). */
  downscaleStabilizationMs: number;
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
}

export const defaultHpaControllerOptions: HpaControllerOptions = {
  syncPeriodMs: 15_000,
  downscaleStabilizationMs: defaultDownscaleStabilizationMs,
  ...defaultCalculatorOptions,
};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * kube-controller-manager's `horizontalpodautoscaling` controller
 * (autoscaling/v2, upstream `pkg/controller/podautoscaler/horizontal.go`):
 * every sync period each HPA reads its target's `/scale`, computes a replica
 * count from resource metrics (metrics.k8s.io), stabilizes and rate-limits
 * it (behavior or the legacy rules), writes `/scale`, and records status,
 * conditions and events. Without a metrics API it reports ScalingActive=False
 * / FailedGetResourceMetric rather than guessing.
 */
export class HorizontalController {
  readonly history = new ScaleHistory();
  private readonly queue: RateLimitingQueue<string>;
  private readonly hpas: Lister<HorizontalPodAutoscaler>;
  private readonly pods: Lister<Pod>;
  private readonly hpaClient: ResourceClient<HorizontalPodAutoscaler>;
  private readonly scales: ScaleClient;
  private readonly metricsDeps: Omit<MetricsDeps, 'warn'>;
  private readonly recorder: EventRecorder;
  /** HPA key -> the pod selector of its target, for the ambiguous-selector check. */
  private readonly selectors = new Map<string, LabelMatcher>();
  private readonly o: HpaControllerOptions;
  private readonly waitForSync: () => Promise<boolean[]>;

  constructor(
    private readonly ctx: ControllerContext,
    options: Partial<HpaControllerOptions> = {},
  ) {
    this.o = { ...defaultHpaControllerOptions, ...options };
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'horizontalpodautoscaler' });
    this.recorder = ctx.recorder('horizontal-pod-autoscaler');
    const hpaInformer = ctx.informers.forResource<HorizontalPodAutoscaler>(hpasGVR);
    const podInformer = ctx.informers.forResource<Pod>(gvr('', 'v1', 'pods'));
    this.waitForSync = () => Promise.all([hpaInformer.waitForSync(ctx.signal), podInformer.waitForSync(ctx.signal)]);
    this.hpas = hpaInformer.lister();
    this.pods = podInformer.lister();
    this.hpaClient = typed<HorizontalPodAutoscaler>(ctx.rest, hpasGVR);
    this.scales = new ScaleClient(ctx.rest, ctx.clock);
    this.metricsDeps = {
      pods: this.pods,
      metrics: new ResourceMetricsClient(ctx.rest, ctx.clock),
      options: () => ({ ...this.o, now: ctx.clock.now() }),
      selectingHpas: (key, sel, pods) => this.selectingHpas(key, sel, pods),
      signal: ctx.signal,
    };
    hpaInformer.addEventHandler({
      // A new HPA is looked at right away; afterwards the sync period drives it.
      onAdd: (h) => this.queue.add(metaNamespaceKey(h)),
      onUpdate: (old, cur) => {
        if (old.metadata?.generation !== cur.metadata?.generation) this.queue.add(metaNamespaceKey(cur));
      },
      onDelete: (h) => {
        const key = metaNamespaceKey(objectOf(h));
        this.history.forget(key);
        this.selectors.delete(key);
        this.queue.add(key);
      },
    });
  }

  async run(): Promise<void> {
    const synced = await this.waitForSync();
    if (!synced.every(Boolean)) return;
    await runController({
      name: 'horizontalpodautoscaling',
      queue: this.queue,
      workers: this.ctx.config.workers,
      reconcile: (key) => this.sync(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  /** Registers `key`'s selector; the HPAs of the namespace whose selectors match any of `pods`. */
  private selectingHpas(key: string, selector: LabelMatcher, pods: Pod[]): string[] {
    this.selectors.set(key, selector);
    const ns = key.slice(0, key.indexOf('/') + 1);
    const out = new Set<string>();
    for (const [k, sel] of this.selectors) {
      if (!k.startsWith(ns)) continue;
      if (pods.some((p) => sel.matches(p.metadata?.labels))) out.add(k);
    }
    return [...out].sort();
  }

  /** Reconciles one HPA and schedules the next look one sync period later, whatever happened. */
  async sync(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const hpa = this.hpas.get(namespace, name);
    if (!hpa) return;
    try {
      await this.reconcile(hpa, key);
    } catch (err) {
      if (this.ctx.signal.aborted) throw err;
      this.ctx.log.warn('failed to reconcile HorizontalPodAutoscaler', { key, err });
    }
    return { requeueAfter: this.o.syncPeriodMs };
  }

  private event(hpa: HorizontalPodAutoscaler, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.event(
      { ...hpa, apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
      type,
      reason,
      message,
    );
  }

  private async updateStatusIfNeeded(hpa: HorizontalPodAutoscaler, draft: HpaStatusDraft): Promise<void> {
    if (semanticEqual(hpa.status ?? {}, draft.status)) return;
    try {
      await this.hpaClient.namespace(hpa.metadata!.namespace!).updateStatus({ ...hpa, status: draft.status });
    } catch (err) {
      this.event(hpa, 'Warning', 'FailedUpdateStatus', errorText(err));
      throw new Error(`failed to update status for ${hpa.metadata!.name}: ${errorText(err)}`);
    }
  }

  /** Reads the target's scale through the first mapping that answers (upstream scaleForResourceMappings). */
  private async scaleFor(namespace: string, name: string, mappings: KindMapping[]) {
    let first: unknown;
    const seen = new Set<string>();
    for (const m of mappings) {
      if (seen.has(m.resource)) continue;
      seen.add(m.resource);
      try {
        return { scale: await this.scales.get(namespace, m, name, this.ctx.signal), mapping: m };
      } catch (err) {
        first ??= err;
      }
    }
    throw first ?? new Error('unrecognized resource');
  }

  /** Upstream reconcileAutoscaler. Throws after recording what went wrong in status and events. */
  async reconcile(hpa: HorizontalPodAutoscaler, key: string): Promise<void> {
    const now = () => this.ctx.clock.now();
    const draft = new HpaStatusDraft(hpa, now);
    const ns = hpa.metadata!.namespace!;
    const ref = hpa.spec!.scaleTargetRef;
    const reference = `${ref.kind}/${ns}/${ref.name}`;
    const failedGetScale = async (err: unknown, wrap: string): Promise<never> => {
      this.event(hpa, 'Warning', 'FailedGetScale', errorText(err));
      draft.setCondition({
        type: 'AbleToScale',
        status: 'False',
        reason: 'FailedGetScale',
        message: `the HPA controller was unable to get the target's current scale: ${errorText(err)}`,
      });
      await this.updateStatusIfNeeded(hpa, draft).catch((e) => this.ctx.log.warn('status update failed', { err: e }));
      throw new Error(`${wrap}${errorText(err)}`);
    };

    let group: string;
    try {
      group = parseGroupVersion(ref.apiVersion ?? '').group;
    } catch (err) {
      return await failedGetScale(err, 'invalid API version in scale target reference: ');
    }
    let mappings: KindMapping[];
    try {
      mappings = await this.scales.mappings(group, ref.kind, undefined, this.ctx.signal);
    } catch (err) {
      return await failedGetScale(err, 'unable to determine resource for scale target reference: ');
    }
    let scale: Scale;
    let mapping: KindMapping;
    try {
      ({ scale, mapping } = await this.scaleFor(ns, ref.name, mappings));
    } catch (err) {
      return await failedGetScale(err, `failed to query scale subresource for ${reference}: `);
    }
    draft.setCondition({
      type: 'AbleToScale',
      status: 'True',
      reason: 'SucceededGetScale',
      message: "the HPA controller was able to get the target's current scale",
    });
    const current = scale.spec?.replicas ?? 0;
    this.history.recordInitial(key, current, now());

    const minReplicas = hpa.spec!.minReplicas ?? 1;
    const maxReplicas = hpa.spec!.maxReplicas;
    let desired = 0;
    let reason = '';
    let rescale = true;
    let statuses;
    let partialError: Error | undefined;
    if (current === 0 && minReplicas !== 0) {
      rescale = false;
      draft.setCondition({
        type: 'ScalingActive',
        status: 'False',
        reason: 'ScalingDisabled',
        message: 'scaling is disabled since the replica count of the target is zero',
      });
    } else if (current > maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (current < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const evaluator = this.evaluatorFor(hpa);
      const r = await evaluator.computeReplicas(hpa, scale, draft);
      statuses = r.statuses;
      if (r.error && r.replicas === -1) {
        draft.setCurrentReplicasAndMetrics(current, statuses);
        await this.updateStatusIfNeeded(hpa, draft).catch((e) => this.ctx.log.warn('status update failed', { err: e }));
        this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', r.error.message);
        throw new Error(
          `failed to compute desired number of replicas based on listed metrics for ${reference}: ${r.error.message}`,
        );
      }
      partialError = r.error;
      let rescaleMetric = '';
      if (r.replicas > desired) {
        desired = r.replicas;
        rescaleMetric = r.metric;
      }
      if (desired > current) reason = `${rescaleMetric} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = this.normalize(hpa, key, current, desired, minReplicas, draft);
      rescale = desired !== current;
    }

    if (rescale) {
      try {
        await this.scales.update(
          ns,
          mapping,
          { ...scale, spec: { ...scale.spec, replicas: desired } },
          this.ctx.signal,
        );
      } catch (err) {
        this.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${reason}; error: ${errorText(err)}`,
        );
        draft.setCondition({
          type: 'AbleToScale',
          status: 'False',
          reason: 'FailedUpdateScale',
          message: `the HPA controller was unable to update the target scale: ${errorText(err)}`,
        });
        draft.setCurrentReplicasAndMetrics(current, statuses);
        await this.updateStatusIfNeeded(hpa, draft).catch((e) => this.ctx.log.warn('status update failed', { err: e }));
        throw new Error(`failed to rescale ${reference}: ${errorText(err)}`);
      }
      draft.setCondition({
        type: 'AbleToScale',
        status: 'True',
        reason: 'SucceededRescale',
        message: `the HPA controller was able to update the target scale to ${desired}`,
      });
      this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      const behavior = hpa.spec!.behavior;
      this.history.storeScaleEvent(
        behavior ? withDefaultRules(behavior, this.o.downscaleStabilizationMs) : undefined,
        key,
        current,
        desired,
        now(),
      );
      this.ctx.log.info('successfully rescaled', { key, from: current, to: desired, reason });
    } else {
      desired = current;
    }
    draft.setStatus(current, desired, statuses, rescale);
    await this.updateStatusIfNeeded(hpa, draft);
    if (partialError) throw partialError;
  }

  private evaluatorFor(hpa: HorizontalPodAutoscaler): MetricsEvaluator {
    // Events raised while evaluating metrics are about this HPA.
    return new MetricsEvaluator({
      ...this.metricsDeps,
      warn: (reason, message) => this.event(hpa, 'Warning', reason, message),
    });
  }

  /** Upstream normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors. */
  private normalize(
    hpa: HorizontalPodAutoscaler,
    key: string,
    current: number,
    prenormalized: number,
    minReplicas: number,
    draft: HpaStatusDraft,
  ): number {
    const now = this.ctx.clock.now();
    const maxReplicas = hpa.spec!.maxReplicas;
    const behavior = hpa.spec!.behavior;
    let stabilized: number;
    let stabilizedReason = '';
    let stabilizedMessage = '';
    let d;
    if (!behavior) {
      stabilized = this.history.stabilize(key, prenormalized, this.o.downscaleStabilizationMs, now);
      stabilizedReason = 'ScaleDownStabilized';
      stabilizedMessage =
        'recent recommendations were higher than current one, applying the highest recent recommendation';
      d = convertDesiredReplicasWithRules(current, stabilized, minReplicas, maxReplicas);
    } else {
      const rules = withDefaultRules(behavior, this.o.downscaleStabilizationMs);
      const args = { currentReplicas: current, desiredReplicas: prenormalized, minReplicas, maxReplicas, ...rules };
      const s = this.history.stabilizeWithBehaviors(key, args, now);
      stabilized = s.replicas;
      stabilizedReason = s.reason;
      stabilizedMessage = s.message;
      d = convertDesiredReplicasWithBehaviorRate(
        { ...args, desiredReplicas: stabilized },
        this.history.scaleUpEvents(key),
        this.history.scaleDownEvents(key),
        now,
      );
    }
    draft.setCondition(
      stabilized !== prenormalized
        ? { type: 'AbleToScale', status: 'True', reason: stabilizedReason, message: stabilizedMessage }
        : {
            type: 'AbleToScale',
            status: 'True',
            reason: 'ReadyForNewScale',
            message: 'recommended size matches current size',
          },
    );
    draft.setCondition({
      type: 'ScalingLimited',
      status: d.replicas === stabilized ? 'False' : 'True',
      reason: d.reason,
      message: d.message,
    });
    return d.replicas;
  }
}

/** kube-controller-manager's `horizontalpodautoscaling` controller. */
export const hpaController: ControllerDescriptor = {
  name: 'horizontalpodautoscaling',
  serviceAccount: 'horizontal-pod-autoscaler',
  enabledByDefault: true,
  start(ctx) {
    return new HorizontalController(ctx).run();
  },
};
