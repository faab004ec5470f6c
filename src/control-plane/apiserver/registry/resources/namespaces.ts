import type { ResourceInfo } from '../../../../api/scheme/types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import { defaultStrategy } from '../default-strategy.js';
import type { ResourceStrategy, SubresourceStrategy } from '../strategy.js';
import { validateStatusUpdate } from '../meta-validation.js';

const specFinalizers = (o: KubeObject) => (o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];

/**
 * Namespaces: created Active with the `kubernetes` finalizer in spec.finalizers;
 * DELETE marks them Terminating, and they go away only when the namespace
 * controller has emptied them and cleared spec.finalizers (via /finalize).
 */
export function namespaceStrategy(info: ResourceInfo): ResourceStrategy {
  return defaultStrategy(info, {
    afterPrepareCreate(_ctx, obj) {
      const spec = (obj.spec ??= {}) as { finalizers?: string[] };
      if (!spec.finalizers || spec.finalizers.length === 0) spec.finalizers = ['kubernetes'];
      obj.status = { phase: 'Active' };
    },
    afterPrepareUpdate(_ctx, obj, old) {
      // spec.finalizers only changes through /finalize.
      obj.spec = { ...(obj.spec as object), finalizers: specFinalizers(old) };
    },
    markForDeletion(obj) {
      if (specFinalizers(obj).length === 0) return false;
      obj.status = { ...(obj.status as object), phase: 'Terminating' };
      return true;
    },
    canRemove: (obj) => specFinalizers(obj).length === 0,
  });
}

/** `/finalize`: only spec.finalizers may change. */
export function namespaceFinalizeStrategy(info: ResourceInfo): SubresourceStrategy {
  return {
    prepareForUpdate(_ctx, obj, old) {
      const finalizers = specFinalizers(obj);
      const keep = structuredClone(old);
      for (const k of Object.keys(obj)) if (k !== 'metadata') delete obj[k];
      Object.assign(obj, { ...keep, metadata: obj.metadata, spec: { ...(keep.spec as object), finalizers } });
      obj.metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion };
    },
    validateUpdate: (obj, old) => validateStatusUpdate(info, obj, old),
  };
}
