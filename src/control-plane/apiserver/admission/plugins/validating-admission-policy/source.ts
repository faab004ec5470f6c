/**
 * Where the ValidatingAdmissionPolicy plugin reads its configuration: the
 * apiserver's own watch caches for policies, bindings, namespaces and
 * params (any served kind, custom resources included), like upstream's
 * informers. Objects are shared: never mutated.
 */
import type {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { ApiServerCore } from '../../../api-server-core.js';
import type { KubeObject } from '../../../watch-cache/types.js';
import type { ParamStore } from './params.js';

type Maybe<T> = Promise<T> | T;

export interface PolicySource {
  listPolicies(): Maybe<ValidatingAdmissionPolicy[]>;
  listBindings(): Maybe<ValidatingAdmissionPolicyBinding[]>;
  getNamespace(name: string): Maybe<Namespace | undefined>;
  /** The served kind `apiVersion`/`kind` as a param store, or undefined when it is not served. */
  paramStore(apiVersion: string, kind: string): Maybe<ParamStore | undefined>;
}

const GROUP = 'admissionregistration.k8s.io';

/** A PolicySource over `server`'s watch caches (the composition root passes its ApiServer). */
export function policySourceFromServer(server: ApiServerCore): PolicySource {
  // Caches start lazily; the first read waits for the initial list.
  const listOf = async <T>(group: string, plural: string): Promise<T[]> => {
    const r = server.preferred(group, plural);
    if (!r) return [];
    const s = r.store;
    await s.deps.cache.start();
    return s.deps.cache.list(s.deps.prefixFor(''), () => true).items.map((e) => e.object as T);
  };
  return {
    listPolicies: () => listOf<ValidatingAdmissionPolicy>(GROUP, 'validatingadmissionpolicies'),
    listBindings: () => listOf<ValidatingAdmissionPolicyBinding>(GROUP, 'validatingadmissionpolicybindings'),
    async getNamespace(name) {
      const r = server.preferred('', 'namespaces');
      if (!r) return undefined;
      await r.store.deps.cache.start();
      return r.store.deps.cache.get(r.store.deps.keyFor('', name))?.object as Namespace | undefined;
    },
    async paramStore(apiVersion, kind) {
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
      const r = server
        .servedResources()
        .find((x) => x.info.group === group && x.info.version === version && x.info.kind === kind);
      if (!r) return undefined;
      const s = r.store;
      await s.deps.cache.start();
      const namespaced = s.info.namespaced;
      return {
        namespaced,
        get: (ns, name) =>
          s.deps.cache.get(s.deps.keyFor(namespaced ? ns : '', name))?.object as KubeObject | undefined,
        list: (ns) => s.deps.cache.list(s.deps.prefixFor(ns), () => true).items.map((e) => e.object as KubeObject),
      };
    },
  };
}
