/**
 * The CEL variables admission expressions see (upstream
 * `admission/plugin/cel/activation.go`): `object`, `oldObject` (null where
 * the operation has none), `request` (the AdmissionRequest fields, without
 * the objects), `params`, `namespaceObject` and, for policies, `variables`.
 * `authorizer` is not provided.
 */
import { toCelValue } from '../../../../../api/cel/index.js';
import type { AdmissionAttributes } from '../../types.js';
import { createAdmissionReview, type Invocation } from '../webhook/review.js';

/** Names declared in the environments for webhook matchConditions and for policies. */
export const matchConditionVariables = ['object', 'oldObject', 'request'] as const;
export const policyVariables = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'] as const;

export type Activation = Record<string, unknown>;

/** The `request` variable: AdmissionRequest as webhooks receive it, minus object/oldObject/uid. */
export function requestValue(a: AdmissionAttributes, inv: Invocation): Record<string, unknown> {
  const { review } = createAdmissionReview('v1', a, inv, '');
  const { object: _o, oldObject: _old, uid: _uid, ...request } = review.request as Record<string, unknown>;
  return request;
}

/** object/oldObject/request for a request as matched by `inv`, converted to CEL values once. */
export function baseActivation(a: AdmissionAttributes, inv: Invocation): Activation {
  return {
    object: a.operation === 'DELETE' ? null : toCelValue(a.object ?? null),
    oldObject: toCelValue(a.oldObject ?? null),
    request: toCelValue(requestValue(a, inv)),
  };
}
