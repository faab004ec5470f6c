import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1.js';
import type { Listers } from '../../framework/interfaces.js';

/** The claim a volume uses: a persistentVolumeClaim source, or the claim generated for an ephemeral volume. */
export function claimNameOf(pod: Pod, v: Volume): string | undefined {
  if (v.persistentVolumeClaim?.claimName) return v.persistentVolumeClaim.claimName;
  if (v.ephemeral) return `${pod.metadata?.name ?? ''}-${v.name}`;
  return undefined;
}

/** Upstream's not-found text for a claim (`persistentvolumeclaim "x" not found`). */
export const claimNotFound = (name: string) => `persistentvolumeclaim "${name}" not found`;

export function getClaim(listers: Listers, namespace: string, name: string): PersistentVolumeClaim | undefined {
  return listers.pvcs?.get(name, namespace);
}

/** storageClassName from the field or the legacy beta annotation (upstream GetPersistentVolumeClaimClass). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

/** Whether the pod has a volume backed by a claim. */
export function hasClaims(pod: Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) => !!v.persistentVolumeClaim || !!v.ephemeral);
}
