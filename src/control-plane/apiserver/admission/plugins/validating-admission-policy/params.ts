/**
 * Parameter resolution for a binding (upstream `policy/generic/policy_dispatcher.go`
 * CollectParams): no paramKind or no paramRef -> one evaluation with null
 * params; `paramRef.name` -> that object; `paramRef.selector` -> every
 * matching object (one evaluation each). Namespaced params default to the
 * request's namespace. Nothing found is allowed unless
 * `parameterNotFoundAction: Deny`, which is a configuration error.
 */
import type { ParamKind, ParamRef } from 'kubernetes-types/admissionregistration/v1.js';
import { selectorFromLabelSelector } from '../../../../../api/selectors/label-selector.js';
import type { KubeObject } from '../../../watch-cache/types.js';

/** Read access to the objects of one served kind (the apiserver's caches). */
export interface ParamStore {
  namespaced: boolean;
  get(namespace: string, name: string): KubeObject | undefined;
  list(namespace: string): KubeObject[];
}

export type ParamsResult = { params: (KubeObject | null)[] } | { configError: string };

export function collectParams(
  paramKind: ParamKind | undefined,
  paramRef: ParamRef | undefined,
  requestNamespace: string,
  /** The paramKind's store (resolved by the caller when paramKind and paramRef are both set). */
  store: ParamStore | undefined,
): ParamsResult {
  if (!paramKind || !paramRef) return { params: [null] };
  if (!store)
    return { configError: `paramKind kind \`${paramKind.apiVersion ?? ''}, Kind=${paramKind.kind ?? ''}\` not known` };
  let namespace = '';
  if (store.namespaced) {
    namespace = paramRef.namespace || requestNamespace;
    if (!namespace) {
      return { configError: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
    }
  }
  let params: KubeObject[] = [];
  if (paramRef.name) {
    if (paramRef.selector) return { configError: 'paramRef.name and paramRef.selector are mutually exclusive' };
    const p = store.get(namespace, paramRef.name);
    if (p) params = [p];
  } else if (paramRef.selector) {
    let sel;
    try {
      sel = selectorFromLabelSelector(paramRef.selector);
    } catch (err) {
      return { configError: err instanceof Error ? err.message : String(err) };
    }
    params = store.list(namespace).filter((o) => sel.matches(o.metadata?.labels));
  }
  if (params.length === 0 && paramRef.parameterNotFoundAction === 'Deny') {
    return { configError: 'no params found for policy binding with `Deny` parameterNotFoundAction' };
  }
  return { params };
}
