/**
 * The PersistentVolume the local-path provisioner creates for a claim (as
 * rancher's local-path-provisioner, in hostPath mode): a `DirectoryOrCreate`
 * hostPath at `<storageDir>/<pv>_<ns>_<claim>`, pinned to the selected node
 * by required node affinity and pre-bound to the claim (claimRef with UID),
 * so the persistentvolume-binder completes the binding. Pure.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { resolve, sep } from 'node:path';

export const LocalPathProvisionerName = 'rancher.io/local-path';
export const AnnProvisionedBy = 'pv.kubernetes.io/provisioned-by';
export const AnnLocalPathSelectedNode = 'local.path.provisioner/selected-node';
export const AnnSelectedNode = 'volume.kubernetes.io/selected-node';
export const AnnStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
export const AnnBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
export const HostnameLabel = 'kubernetes.io/hostname';

/** `pvc-<claim uid>`: the name every provisioner gives a claim's volume, so a retry finds the first attempt. */
export function volumeNameFor(pvc: PersistentVolumeClaim): string {
  return `pvc-${pvc.metadata!.uid}`;
}

export function volumePathFor(storageDir: string, pvName: string, pvc: PersistentVolumeClaim): string {
  return `${storageDir}/${pvName}_${pvc.metadata!.namespace}_${pvc.metadata!.name}`;
}

/** `path` lies strictly inside `storageDir` (guards the directory removal against a hand-edited PV). */
export function isUnder(storageDir: string, path: string): boolean {
  const root = resolve(storageDir) + sep;
  const p = resolve(path);
  return p.startsWith(root) && p.length > root.length;
}

/** Why this provisioner cannot serve the claim, or undefined (messages as local-path-provisioner's). */
export function provisionError(pvc: PersistentVolumeClaim): string | undefined {
  if (!pvc.metadata?.annotations?.[AnnSelectedNode]) return 'configuration error, no node was specified';
  if (pvc.spec?.volumeMode === 'Block') return 'Block volume mode is not supported';
  if (pvc.spec?.selector) return 'claim.Spec.Selector is not supported';
  return undefined;
}

export function buildVolume(
  pvc: PersistentVolumeClaim,
  sc: StorageClass,
  node: Node | undefined,
  storageDir: string,
): PersistentVolume {
  const nodeName = pvc.metadata!.annotations![AnnSelectedNode]!;
  const hostname = node?.metadata?.labels?.[HostnameLabel] ?? nodeName;
  const name = volumeNameFor(pvc);
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      annotations: { [AnnProvisionedBy]: LocalPathProvisionerName, [AnnLocalPathSelectedNode]: nodeName },
    },
    spec: {
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '0' },
      accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata!.name,
      volumeMode: 'Filesystem',
      mountOptions: sc.mountOptions,
      hostPath: { path: volumePathFor(storageDir, name, pvc), type: 'DirectoryOrCreate' },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: HostnameLabel, operator: 'In', values: [hostname] }] }],
        },
      },
      claimRef: {
        kind: 'PersistentVolumeClaim',
        apiVersion: 'v1',
        namespace: pvc.metadata!.namespace,
        name: pvc.metadata!.name,
        uid: pvc.metadata!.uid,
        resourceVersion: pvc.metadata!.resourceVersion,
      },
    },
  };
}

/** The node a local-path volume lives on. */
export function volumeNode(pv: PersistentVolume): string | undefined {
  return pv.metadata?.annotations?.[AnnLocalPathSelectedNode];
}

/** The default StorageClass k3s ships (its local-storage manifest). */
export function localPathStorageClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: 'local-path',
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: LocalPathProvisionerName,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}
