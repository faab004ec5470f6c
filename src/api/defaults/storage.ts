import { defaultVolumeSources } from './pod-spec.js';
import { type DefaulterTable, isEmptyCollection, isNil, objectField, structField } from './util.js';

/**
 * storage.k8s.io/v1 defaulters (upstream `pkg/apis/storage/v1/defaults.go`,
 * v1.32 gates: SELinuxMountReadWriteOncePod on, so CSIDriver gets
 * `seLinuxMount: false`). CSINode and CSIStorageCapacity have none.
 */
export const storageDefaulters: DefaulterTable = {
  StorageClass: (sc) => {
    if (isNil(sc.reclaimPolicy)) sc.reclaimPolicy = 'Delete';
    if (isNil(sc.volumeBindingMode)) sc.volumeBindingMode = 'Immediate';
  },
  CSIDriver: (driver) => {
    const spec = structField(driver, 'spec');
    if (!spec) return;
    if (isNil(spec.attachRequired)) spec.attachRequired = true;
    if (isNil(spec.podInfoOnMount)) spec.podInfoOnMount = false;
    if (isNil(spec.storageCapacity)) spec.storageCapacity = false;
    if (isNil(spec.fsGroupPolicy)) spec.fsGroupPolicy = 'ReadWriteOnceWithFSType';
    if (isEmptyCollection(spec.volumeLifecycleModes)) spec.volumeLifecycleModes = ['Persistent'];
    if (isNil(spec.requiresRepublish)) spec.requiresRepublish = false;
    if (isNil(spec.seLinuxMount)) spec.seLinuxMount = false;
  },
  VolumeAttachment: (va) => {
    // An inline (migrated) volume spec gets the PersistentVolumeSpec type-level defaults.
    const source = objectField(va, 'spec') && objectField(va.spec, 'source');
    const inline = source && objectField(source, 'inlineVolumeSpec');
    if (inline) defaultVolumeSources(inline);
  },
};
