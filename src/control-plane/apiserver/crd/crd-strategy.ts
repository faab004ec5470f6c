import type { ResourceInfo } from '../../../api/scheme/types.js';
import { defaultStrategy } from '../registry/default-strategy.js';
import type { ResourceStrategy } from '../registry/strategy.js';
import type { KubeObject } from '../watch-cache/types.js';

export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

type CrdLike = KubeObject & {
  spec?: { versions?: { name: string; storage?: boolean }[] };
  status?: {
    storedVersions?: string[];
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
  };
};

/**
 * CustomResourceDefinitions: created with storedVersions = [storage version];
 * DELETE keeps the definition (finalizer + Terminating condition) until the
 * CRD controller has deleted every custom object, as upstream's registry does.
 */
export function crdStrategy(info: ResourceInfo, now: () => string): ResourceStrategy {
  return defaultStrategy(info, {
    afterPrepareCreate(_ctx, obj) {
      const crd = obj as CrdLike;
      const storage = crd.spec?.versions?.find((v) => v.storage)?.name;
      crd.status = {
        conditions: [],
        acceptedNames: { plural: '', kind: '' },
        storedVersions: storage ? [storage] : [],
      } as never;
    },
    afterPrepareUpdate(_ctx, obj, old) {
      // A newly chosen storage version is recorded so objects stored at older versions stay readable.
      const crd = obj as CrdLike;
      const storage = crd.spec?.versions?.find((v) => v.storage)?.name;
      const stored = [...((old as CrdLike).status?.storedVersions ?? [])];
      if (storage && !stored.includes(storage)) stored.push(storage);
      crd.status = { ...(crd.status ?? {}), storedVersions: stored };
    },
    markForDeletion(obj) {
      const crd = obj as CrdLike;
      const fins = (crd.metadata.finalizers as string[] | undefined) ?? [];
      if (!fins.includes(crdCleanupFinalizer)) crd.metadata.finalizers = [...fins, crdCleanupFinalizer];
      const status = (crd.status ??= {});
      const conds = (status.conditions ??= []).filter((c) => c.type !== 'Terminating');
      conds.push({
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; instance deletion will begin soon',
        lastTransitionTime: now(),
      });
      status.conditions = conds;
      return true;
    },
  });
}
