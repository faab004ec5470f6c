/**
 * persistentVolumeClaim (and generic ephemeral) volumes: the claim must be
 * bound, and the PersistentVolume it is bound to must be a hostPath or local
 * volume — the only kinds a single-node kubelet without attach/detach or CSI
 * can mount. The claim and volume are read through the API (the Node
 * authorizer lets a kubelet read those of pods bound to it). Messages follow
 * the kubelet's desired-state populator.
 */
import { stat } from 'node:fs/promises';
import type { PersistentVolume, PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import { typed, type RestClient } from '../../../../client/index.js';
import { checkHostPathType } from './host-path.js';

export interface ResolvedVolume {
  /** The host directory (or file) to bind-mount. */
  path: string;
  readOnly: boolean;
  pvName: string;
}

/** The claim a volume uses: its own for persistentVolumeClaim, `<pod>-<volume>` for generic ephemeral volumes. */
export function claimOf(
  pod: Pod,
  volume: Volume,
): { claimName: string; readOnly: boolean; ephemeral: boolean } | undefined {
  if (volume.persistentVolumeClaim) {
    return {
      claimName: volume.persistentVolumeClaim.claimName,
      readOnly: volume.persistentVolumeClaim.readOnly ?? false,
      ephemeral: false,
    };
  }
  if (volume.ephemeral) return { claimName: `${pod.metadata?.name}-${volume.name}`, readOnly: false, ephemeral: true };
  return undefined;
}

export async function resolveClaim(
  rest: RestClient,
  pod: Pod,
  volume: Volume,
  signal?: AbortSignal,
): Promise<ResolvedVolume> {
  const claim = claimOf(pod, volume)!;
  const ns = pod.metadata?.namespace ?? '';
  let pvc: PersistentVolumeClaim;
  try {
    pvc = await typed<PersistentVolumeClaim>(
      rest,
      { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
      ns,
    ).get(claim.claimName, { signal });
  } catch (err) {
    throw new Error(
      `error processing PVC ${ns}/${claim.claimName}: failed to fetch PVC from API server: ${(err as Error).message}`,
    );
  }
  const where = `error processing PVC ${ns}/${claim.claimName}`;
  if (claim.ephemeral && !pvc.metadata?.ownerReferences?.some((o) => o.controller && o.uid === pod.metadata?.uid)) {
    throw new Error(
      `PVC ${ns}/${claim.claimName} was not created for pod ${ns}/${pod.metadata?.name} (pod is not owner)`,
    );
  }
  if (pvc.metadata?.deletionTimestamp) {
    throw new Error(`${where}: can't start pod because PVC ${ns}/${claim.claimName} is being deleted`);
  }
  const pvName = pvc.spec?.volumeName ?? '';
  if (pvc.status?.phase !== 'Bound' || !pvName) {
    throw new Error(
      `${where}: PVC ${ns}/${claim.claimName} has non-bound phase (${JSON.stringify(pvc.status?.phase ?? '')}) or empty pvc.Spec.VolumeName (${JSON.stringify(pvName)})`,
    );
  }
  let pv: PersistentVolume;
  try {
    pv = await typed<PersistentVolume>(rest, { group: '', version: 'v1', resource: 'persistentvolumes' }).get(pvName, {
      signal,
    });
  } catch (err) {
    throw new Error(`${where}: failed to fetch PV ${pvName} from API server: ${(err as Error).message}`);
  }
  const claimRef = pv.spec?.claimRef;
  if (!claimRef) {
    throw new Error(
      `${where}: found PV object ${pvName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`,
    );
  }
  if (claimRef.uid !== pvc.metadata?.uid) {
    throw new Error(
      `${where}: found PV object ${pvName} but its pv.Spec.ClaimRef.UID (${claimRef.uid ?? ''}) does not point to claim.UID (${pvc.metadata?.uid ?? ''})`,
    );
  }
  const readOnly = claim.readOnly;
  if (pv.spec?.hostPath) {
    await checkHostPathType(pv.spec.hostPath.path, pv.spec.hostPath.type);
    return { path: pv.spec.hostPath.path, readOnly, pvName };
  }
  if (pv.spec?.local) {
    await stat(pv.spec.local.path).catch(() => {
      throw new Error(`path "${pv.spec!.local!.path}" does not exist`);
    });
    return { path: pv.spec.local.path, readOnly, pvName };
  }
  const kind = Object.keys(pv.spec ?? {}).find((k) => !nonSourceFields.has(k)) ?? 'unknown';
  throw new Error(
    `persistent volume ${pvName} is of type ${kind}, which this kubelet cannot mount (supported: hostPath, local)`,
  );
}

/** PersistentVolumeSpec fields that are not the volume source. */
const nonSourceFields = new Set([
  'accessModes',
  'capacity',
  'claimRef',
  'mountOptions',
  'nodeAffinity',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'volumeAttributesClassName',
  'volumeMode',
]);
