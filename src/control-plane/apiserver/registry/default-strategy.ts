import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { FieldError } from '../../../api/validation/field-error.js';
import type { RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';
import { validateCreate, validateStatusUpdate, validateUpdate } from './meta-validation.js';
import type { DeleteOptions, ResourceStrategy, SubresourceStrategy } from './strategy.js';

/**
 * Kinds whose metadata.generation tracks spec changes (upstream strategies
 * that set Generation in PrepareForCreate/PrepareForUpdate). Custom resources
 * always do.
 */
const generationKinds = new Set([
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  '/ReplicationController',
  'autoscaling/HorizontalPodAutoscaler',
  'policy/PodDisruptionBudget',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/NetworkPolicy',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
]);

/** Kinds that accept status on create (nodes register with their status; leases and events have no status subresource). */
const statusOnCreate = new Set(['/Node']);

export interface StrategyOverrides extends Partial<Omit<ResourceStrategy, 'info'>> {
  /** Extra work after the default prepareForCreate. */
  afterPrepareCreate?(ctx: RequestContext, obj: KubeObject): void | Promise<void>;
  /** Extra work after the default prepareForUpdate. */
  afterPrepareUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): void | Promise<void>;
}

/**
 * The strategy every resource starts from: status reset on create and kept
 * on main-resource updates (when the kind has a status subresource),
 * generation tracking for spec-bearing kinds, validation through the kind's
 * validator, immediate deletion with background propagation. Resource files
 * under ./resources override what differs.
 */
export function defaultStrategy(info: ResourceInfo, o: StrategyOverrides = {}, custom = false): ResourceStrategy {
  const gk = `${info.group}/${info.kind}`;
  const hasStatus = info.subresources.some((s) => s.name === 'status');
  const base: ResourceStrategy = {
    info,
    hasStatus,
    tracksGeneration: custom || generationKinds.has(gk),
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    returnDeletedObject: false,
    async prepareForCreate(ctx, obj) {
      // Go types always serialize an empty status struct; custom resources have no status until written.
      if (hasStatus && !statusOnCreate.has(gk)) {
        if (custom) delete obj.status;
        else obj.status = {};
      }
      await o.afterPrepareCreate?.(ctx, obj);
    },
    async prepareForUpdate(ctx, obj, old) {
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      await o.afterPrepareUpdate?.(ctx, obj, old);
    },
    validate: (obj) => validateCreate(info, obj),
    validateUpdate: (obj, old) => validateUpdate(info, obj, old),
    gracePeriod: (_obj: KubeObject, _opts: DeleteOptions) => undefined,
    defaultPropagation: () => 'Background',
  };
  const { afterPrepareCreate: _a, afterPrepareUpdate: _b, ...rest } = o;
  return { ...base, ...rest };
}

/**
 * The `/status` subresource: only `.status` changes; spec and the
 * ownership-bearing metadata (labels, finalizers, ownerReferences) stay as
 * stored, as upstream's status strategies do.
 */
export function statusStrategy(
  info: ResourceInfo,
  extra?: (obj: KubeObject, old: KubeObject) => FieldError[],
): SubresourceStrategy {
  return {
    prepareForUpdate(_ctx, obj, old) {
      const status = obj.status;
      const annotations = obj.metadata.annotations;
      for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
      for (const [k, v] of Object.entries(old))
        if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') obj[k] = v;
      if (status !== undefined) obj.status = status;
      const meta = obj.metadata as Record<string, unknown>;
      for (const k of ['labels', 'finalizers', 'ownerReferences', 'generation']) {
        if (old.metadata[k] === undefined) delete meta[k];
        else meta[k] = old.metadata[k];
      }
      if (annotations === undefined) delete meta.annotations;
    },
    validateUpdate: (obj, old) => [...validateStatusUpdate(info, obj, old), ...(extra ? extra(obj, old) : [])],
  };
}
