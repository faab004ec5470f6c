import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type {
  CSIDriver,
  CSINode,
  CSIStorageCapacity,
  StorageClass,
  VolumeAttachment,
} from 'kubernetes-types/storage/v1.js';
import { ageColumn, column, docColumn, nameColumn, printer } from './columns.js';
import { accessModes, age, isDeleting, nameOf, quantity } from './format.js';

/**
 * Volumes and storage classes (upstream `printPersistentVolume`,
 * `printPersistentVolumeClaim`, `printStorageClass`, `printVolumeAttachment`,
 * `printCSIDriver`, `printCSINode`, `printCSIStorageCapacity`).
 */

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

export const persistentVolumePrinter = printer(
  [
    nameColumn,
    docColumn('Capacity', 'string', 'PersistentVolumeSpec.capacity'),
    docColumn('Access Modes', 'string', 'PersistentVolumeSpec.accessModes'),
    docColumn('Reclaim Policy', 'string', 'PersistentVolumeSpec.persistentVolumeReclaimPolicy'),
    docColumn('Status', 'string', 'PersistentVolumeStatus.phase'),
    docColumn('Claim', 'string', 'PersistentVolumeSpec.claimRef'),
    column('StorageClass', 'string', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    docColumn('Reason', 'string', 'PersistentVolumeStatus.reason'),
    ageColumn,
    docColumn('VolumeMode', 'string', 'PersistentVolumeSpec.volumeMode', { priority: 1 }),
  ],
  (obj: PersistentVolume, now) => {
    const ref = obj.spec?.claimRef;
    const storageClass = obj.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] || obj.spec?.storageClassName || '';
    return [
      nameOf(obj),
      quantity(obj.spec?.capacity?.storage),
      accessModes(obj.spec?.accessModes),
      obj.spec?.persistentVolumeReclaimPolicy ?? '',
      isDeleting(obj) ? 'Terminating' : (obj.status?.phase ?? ''),
      ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
      storageClass,
      obj.spec?.volumeAttributesClassName ?? '<unset>',
      obj.status?.reason ?? '',
      age(obj, now),
      obj.spec?.volumeMode ?? '<unset>',
    ];
  },
);

export const persistentVolumeClaimPrinter = printer(
  [
    nameColumn,
    docColumn('Status', 'string', 'PersistentVolumeClaimStatus.phase'),
    docColumn('Volume', 'string', 'PersistentVolumeClaimSpec.volumeName'),
    docColumn('Capacity', 'string', 'PersistentVolumeClaimStatus.capacity'),
    docColumn('Access Modes', 'string', 'PersistentVolumeClaimStatus.accessModes'),
    column('StorageClass', 'string', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    ageColumn,
    docColumn('VolumeMode', 'string', 'PersistentVolumeClaimSpec.volumeMode', { priority: 1 }),
  ],
  (obj: PersistentVolumeClaim, now) => {
    const volumeName = obj.spec?.volumeName ?? '';
    // Capacity and access modes are only shown once the claim is bound to a volume.
    const bound = volumeName !== '';
    const storageClass = obj.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] || obj.spec?.storageClassName || '';
    return [
      nameOf(obj),
      isDeleting(obj) ? 'Terminating' : (obj.status?.phase ?? ''),
      volumeName,
      bound ? quantity(obj.status?.capacity?.storage) : '',
      bound ? accessModes(obj.status?.accessModes) : '',
      storageClass,
      obj.spec?.volumeAttributesClassName ?? '<unset>',
      age(obj, now),
      obj.spec?.volumeMode ?? '<unset>',
    ];
  },
);

/** Either default-class annotation marks a StorageClass `(default)` (upstream `IsDefaultAnnotation`). */
function isDefaultStorageClass(obj: StorageClass): boolean {
  const a = obj.metadata?.annotations ?? {};
  return (
    a['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    a['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

export const storageClassPrinter = printer(
  [
    nameColumn,
    docColumn('Provisioner', 'string', 'StorageClass.provisioner'),
    docColumn('ReclaimPolicy', 'string', 'StorageClass.reclaimPolicy'),
    docColumn('VolumeBindingMode', 'string', 'StorageClass.volumeBindingMode'),
    docColumn('AllowVolumeExpansion', 'string', 'StorageClass.allowVolumeExpansion'),
    ageColumn,
  ],
  (obj: StorageClass, now) => [
    nameOf(obj) + (isDefaultStorageClass(obj) ? ' (default)' : ''),
    obj.provisioner ?? '',
    obj.reclaimPolicy ?? 'Delete',
    obj.volumeBindingMode ?? 'Immediate',
    obj.allowVolumeExpansion ?? false,
    age(obj, now),
  ],
);

export const volumeAttachmentPrinter = printer(
  [
    nameColumn,
    docColumn('Attacher', 'string', 'VolumeAttachmentSpec.attacher', { format: 'name' }),
    docColumn('PV', 'string', 'VolumeAttachmentSource.persistentVolumeName'),
    docColumn('Node', 'string', 'VolumeAttachmentSpec.nodeName'),
    docColumn('Attached', 'boolean', 'VolumeAttachmentStatus.attached'),
    ageColumn,
  ],
  (obj: VolumeAttachment, now) => [
    nameOf(obj),
    obj.spec?.attacher ?? '',
    obj.spec?.source?.persistentVolumeName ?? '',
    obj.spec?.nodeName ?? '',
    obj.status?.attached ?? false,
    age(obj, now),
  ],
);

export const csiNodePrinter = printer(
  [
    nameColumn,
    column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'),
    ageColumn,
  ],
  (obj: CSINode, now) => [nameOf(obj), obj.spec?.drivers?.length ?? 0, age(obj, now)],
);

export const csiDriverPrinter = printer(
  [
    nameColumn,
    docColumn('AttachRequired', 'boolean', 'CSIDriverSpec.attachRequired'),
    docColumn('PodInfoOnMount', 'boolean', 'CSIDriverSpec.podInfoOnMount'),
    docColumn('StorageCapacity', 'boolean', 'CSIDriverSpec.storageCapacity'),
    docColumn('TokenRequests', 'string', 'CSIDriverSpec.tokenRequests'),
    docColumn('RequiresRepublish', 'boolean', 'CSIDriverSpec.requiresRepublish'),
    docColumn('Modes', 'string', 'CSIDriverSpec.volumeLifecycleModes'),
    ageColumn,
  ],
  (obj: CSIDriver, now) => {
    const spec = obj.spec ?? {};
    const modes = (spec.volumeLifecycleModes ?? []).join(',');
    return [
      nameOf(obj),
      spec.attachRequired ?? true,
      spec.podInfoOnMount ?? false,
      spec.storageCapacity ?? false,
      spec.tokenRequests ? spec.tokenRequests.map((t) => t.audience).join(',') : '<unset>',
      spec.requiresRepublish ?? false,
      modes || '<none>',
      age(obj, now),
    ];
  },
);

export const csiStorageCapacityPrinter = printer(
  [
    nameColumn,
    docColumn('StorageClassName', 'string', 'CSIStorageCapacity.storageClassName'),
    docColumn('Capacity', 'string', 'CSIStorageCapacity.capacity'),
  ],
  (obj: CSIStorageCapacity) => [
    nameOf(obj),
    obj.storageClassName ?? '',
    obj.capacity != null ? quantity(obj.capacity) : '<unset>',
  ],
);
