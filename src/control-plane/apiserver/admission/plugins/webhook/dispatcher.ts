import type { Namespace } from 'kubernetes-types/core/v1.js';
import { CelEnvironment } from '../../../../../api/cel/index.js';
import {
  badRequest,
  forbidden,
  internalError,
  notFound,
  serviceUnavailable,
  type StatusError,
} from '../../../../../api/errors/status-error.js';
import type { GroupVersionKind } from '../../../../../api/scheme/types.js';
import { selectorFromLabelSelector } from '../../../../../api/selectors/label-selector.js';
import { addAuditAnnotation } from '../../../audit/annotations.js';
import type { AdmissionAttributes } from '../../types.js';
import type { WebhookAccessor } from './accessor.js';
import { CallingWebhookError, PostError, type WebhookClient } from './client.js';
import {
  createAdmissionReview,
  deniedError,
  requestKind,
  reviewVersion,
  verifyAdmissionResponse,
  type AdmissionResponseResult,
  type GVR,
  type Invocation,
} from './review.js';
import { ruleMatches, type RuleTarget } from './rules.js';
import { baseActivation, matchConditionVariables } from '../validating-admission-policy/activation.js';
import { evaluateMatchConditions } from '../validating-admission-policy/match-conditions.js';

/** What both webhook plugins are built from. */
export interface WebhookDispatchOptions {
  client: WebhookClient;
  /** Namespace lookup for namespaceSelector (from the cache, falling back to storage). */
  getNamespace(name: string): Promise<Namespace | undefined> | Namespace | undefined;
  /**
   * Other served versions of the request's group-resource (and their kinds),
   * for `matchPolicy: Equivalent`. Without it only exact rules match.
   */
  equivalentResources?(a: AdmissionAttributes): { resource: GVR; kind: GroupVersionKind }[];
}

export type HookDecision = { call: Invocation } | { skip: 'no-match' | 'matchConditions' };

const isNamespaceResource = (a: AdmissionAttributes) => a.resource.group === '' && a.resource.plural === 'namespaces';

async function namespaceMatches(
  hook: WebhookAccessor,
  a: AdmissionAttributes,
  opts: WebhookDispatchOptions,
): Promise<boolean> {
  // Cluster-scoped requests other than namespaces are never exempted by a namespace selector.
  if (!a.namespace && !isNamespaceResource(a)) return true;
  let selector;
  try {
    selector = selectorFromLabelSelector(hook.namespaceSelector);
  } catch (err) {
    throw internalError(err);
  }
  if (selector.isEmpty()) return true;
  let labels: Record<string, string> | undefined;
  if (isNamespaceResource(a) && a.subresource === '' && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
    // The namespace being written is not in the cache yet: use the incoming labels.
    labels = a.object?.metadata?.labels;
  } else {
    const name = a.namespace || a.name;
    const ns = await opts.getNamespace(name);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, name);
    labels = ns.metadata?.labels;
  }
  return selector.matches(labels);
}

function objectMatches(hook: WebhookAccessor, a: AdmissionAttributes): boolean {
  let selector;
  try {
    selector = selectorFromLabelSelector(hook.objectSelector);
  } catch (err) {
    throw internalError(err);
  }
  if (selector.isEmpty()) return true;
  const matches = (o: AdmissionAttributes['object']) =>
    o !== undefined && o !== null && selector.matches(o.metadata?.labels);
  return matches(a.object) || matches(a.oldObject);
}

/** ShouldCallHook: selectors, then rules (exact, then equivalent resources), then match conditions. */
export async function shouldCallHook(
  hook: WebhookAccessor,
  a: AdmissionAttributes,
  opts: WebhookDispatchOptions,
): Promise<HookDecision> {
  let nsError: StatusError | undefined;
  let nsMatch = false;
  try {
    nsMatch = await namespaceMatches(hook, a, opts);
  } catch (err) {
    nsError = err as StatusError;
  }
  if (!nsMatch && !nsError) return { skip: 'no-match' };
  let objError: StatusError | undefined;
  let objMatch = false;
  try {
    objMatch = objectMatches(hook, a);
  } catch (err) {
    objError = err as StatusError;
  }
  if (!objMatch && !objError) return { skip: 'no-match' };

  const target: RuleTarget = {
    operation: a.operation,
    group: a.resource.group,
    version: a.resource.version,
    resource: a.resource.plural,
    subresource: a.subresource,
    namespace: a.namespace,
  };
  let inv: Invocation | undefined;
  if (hook.rules.some((r) => ruleMatches(r, target))) {
    inv = {
      resource: { group: a.resource.group, version: a.resource.version, resource: a.resource.plural },
      subresource: a.subresource,
      kind: requestKind(a),
    };
  } else if (hook.matchPolicy === 'Equivalent' && opts.equivalentResources) {
    const equivalents = opts.equivalentResources(a);
    outer: for (const rule of hook.rules) {
      for (const eq of equivalents) {
        if (eq.resource.version === a.resource.version && eq.resource.group === a.resource.group) continue;
        if (
          ruleMatches(rule, {
            ...target,
            group: eq.resource.group,
            version: eq.resource.version,
            resource: eq.resource.resource,
          })
        ) {
          inv = { resource: eq.resource, subresource: a.subresource, kind: eq.kind };
          break outer;
        }
      }
    }
  }
  if (!inv) return { skip: 'no-match' };
  if (nsError) throw nsError;
  if (objError) throw objError;
  if (hook.matchConditions.length) {
    // Conditions see the request as the webhook would receive it (the matched resource and kind).
    const env = CelEnvironment.for(matchConditionVariables);
    const r = evaluateMatchConditions(env, hook.matchConditions, baseActivation(a, inv), hook.failurePolicy);
    if ('error' in r) {
      throw forbidden({ group: a.resource.group, resource: a.resource.plural }, a.name, r.error);
    }
    // A false condition skips the webhook silently, as upstream.
    if (!r.matches) return { skip: 'no-match' };
  }
  return { call: inv };
}

/**
 * No longer produced: matchConditions are evaluated (see shouldCallHook), so
 * the 'matchConditions' skip never happens. Kept for the plugins' skip handling.
 */
export function matchConditionsWarning(hook: WebhookAccessor): string {
  return `webhook ${JSON.stringify(hook.name)} was not called: matchConditions did not match`;
}

/** Calls one webhook and checks its answer. Denials throw; transport/protocol failures throw CallingWebhookError. */
export async function callHook(
  hook: WebhookAccessor,
  a: AdmissionAttributes,
  inv: Invocation,
  client: WebhookClient,
): Promise<AdmissionResponseResult> {
  if (a.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
    throw badRequest(`admission webhook ${JSON.stringify(hook.name)} does not support dry run`);
  }
  const version = reviewVersion(hook.admissionReviewVersions);
  if (!version) {
    throw new CallingWebhookError(
      hook.name,
      `webhook does not accept known AdmissionReview versions (${hook.admissionReviewVersions.join(', ')})`,
      badRequest('error creating admission objects'),
    );
  }
  const { uid, review } = createAdmissionReview(version, a, inv);
  let body: unknown;
  try {
    body = await client.post(hook.clientConfig, review, hook.timeoutSeconds * 1000, a.ctx.signal);
  } catch (err) {
    const status = err instanceof PostError ? err.status : undefined;
    const msg = err instanceof Error ? err.message : String(err);
    throw new CallingWebhookError(
      hook.name,
      `failed to call webhook: ${msg}`,
      status ?? serviceUnavailable('error calling webhook'),
    );
  }
  let result: AdmissionResponseResult;
  try {
    result = verifyAdmissionResponse(uid, version, hook.mutating, body);
  } catch (err) {
    throw new CallingWebhookError(
      hook.name,
      `received invalid webhook response: ${(err as Error).message}`,
      serviceUnavailable('error validating webhook response'),
    );
  }
  for (const [k, v] of Object.entries(result.auditAnnotations)) addAuditAnnotation(a.ctx, `${hook.name}/${k}`, v);
  a.ctx.warnings.push(...result.warnings);
  if (!result.allowed) throw deniedError(hook.name, result.result);
  return result;
}
