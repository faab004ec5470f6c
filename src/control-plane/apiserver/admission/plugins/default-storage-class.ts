import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type { AdmissionAttributes, MutatingAdmissionPlugin } from '../types.js';
import { isResource } from './plugin-util.js';

export const isDefaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
export const betaIsDefaultClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';
export const betaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';

export interface DefaultStorageClassOptions {
  listStorageClasses(): Promise<StorageClass[]> | StorageClass[];
}

/** The default class: among those annotated default, the newest, then by name (util.GetDefaultClass). */
export function defaultStorageClass(classes: StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter((c) => {
    const ann = c.metadata?.annotations ?? {};
    return ann[isDefaultClassAnnotation] === 'true' || ann[betaIsDefaultClassAnnotation] === 'true';
  });
  const created = (c: StorageClass) => Date.parse(c.metadata?.creationTimestamp ?? '') || 0;
  const byName = (a: StorageClass, b: StorageClass) => {
    const x = a.metadata?.name ?? '';
    const y = b.metadata?.name ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  };
  defaults.sort((a, b) => created(b) - created(a) || byName(a, b));
  return defaults[0];
}

/**
 * DefaultStorageClass (upstream `plugin/pkg/admission/storage/storageclass/setdefault`):
 * a PVC created without a storage class (neither `spec.storageClassName` nor
 * the beta annotation) gets the cluster's default class, if there is one.
 */
export class DefaultStorageClass implements MutatingAdmissionPlugin {
  readonly name = 'DefaultStorageClass';
  constructor(private readonly opts: DefaultStorageClassOptions) {}

  handles(a: AdmissionAttributes): boolean {
    return (
      isResource(a, '', 'persistentvolumeclaims') && a.subresource === '' && a.operation === 'CREATE' && !!a.object
    );
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    const pvc = a.object as unknown as PersistentVolumeClaim;
    if (pvc.metadata?.annotations?.[betaStorageClassAnnotation] !== undefined) return;
    if (pvc.spec?.storageClassName != null) return;
    const def = defaultStorageClass(await this.opts.listStorageClasses());
    if (!def?.metadata?.name) return;
    (pvc.spec ??= {}).storageClassName = def.metadata.name;
  }
}
