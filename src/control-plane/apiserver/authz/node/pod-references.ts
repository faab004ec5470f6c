import type {
  Container,
  EphemeralContainer,
  PersistentVolume,
  Pod,
  SecretReference,
} from 'kubernetes-types/core/v1.js';

/**
 * The objects a pod or persistent volume lets its node read (upstream
 * `podutil.VisitPodSecretNames`/`VisitPodConfigmapNames` and
 * `pvutil.VisitPVSecretNames`). Names may repeat; callers dedupe.
 */
type AnyContainer = Container | EphemeralContainer;

function containers(pod: Pod): AnyContainer[] {
  const spec = pod.spec;
  if (!spec) return [];
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

export function podSecretNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) out.push(ref.name ?? '');
  for (const c of containers(pod)) {
    for (const e of c.envFrom ?? []) if (e.secretRef) out.push(e.secretRef.name ?? '');
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.push(e.valueFrom.secretKeyRef.name ?? '');
  }
  for (const v of pod.spec?.volumes ?? []) {
    // One source per volume; the first set one wins, as in upstream's switch.
    if (v.azureFile) {
      if (v.azureFile.secretName) out.push(v.azureFile.secretName);
    } else if (v.cephfs) {
      if (v.cephfs.secretRef) out.push(v.cephfs.secretRef.name ?? '');
    } else if (v.cinder) {
      if (v.cinder.secretRef) out.push(v.cinder.secretRef.name ?? '');
    } else if (v.flexVolume) {
      if (v.flexVolume.secretRef) out.push(v.flexVolume.secretRef.name ?? '');
    } else if (v.projected) {
      for (const s of v.projected.sources ?? []) if (s.secret) out.push(s.secret.name ?? '');
    } else if (v.rbd) {
      if (v.rbd.secretRef) out.push(v.rbd.secretRef.name ?? '');
    } else if (v.secret) {
      out.push(v.secret.secretName ?? '');
    } else if (v.scaleIO) {
      if (v.scaleIO.secretRef) out.push(v.scaleIO.secretRef.name ?? '');
    } else if (v.iscsi) {
      if (v.iscsi.secretRef) out.push(v.iscsi.secretRef.name ?? '');
    } else if (v.storageos) {
      if (v.storageos.secretRef) out.push(v.storageos.secretRef.name ?? '');
    } else if (v.csi) {
      if (v.csi.nodePublishSecretRef) out.push(v.csi.nodePublishSecretRef.name ?? '');
    }
  }
  return out;
}

export function podConfigMapNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of containers(pod)) {
    for (const e of c.envFrom ?? []) if (e.configMapRef) out.push(e.configMapRef.name ?? '');
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) out.push(e.valueFrom.configMapKeyRef.name ?? '');
  }
  for (const v of pod.spec?.volumes ?? []) {
    if (v.projected) {
      for (const s of v.projected.sources ?? []) if (s.configMap) out.push(s.configMap.name ?? '');
    } else if (v.configMap) {
      out.push(v.configMap.name ?? '');
    }
  }
  return out;
}

/** PVCs a pod mounts, including generic ephemeral volumes' `<pod>-<volume>` claims. */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return out.filter((n) => n !== '');
}

interface PodResourceClaimAnyVersion {
  name: string;
  resourceClaimName?: string;
  resourceClaimTemplateName?: string;
  source?: { resourceClaimName?: string; resourceClaimTemplateName?: string };
}

/**
 * ResourceClaims a pod uses (upstream `resourceclaim.Name`): a named claim, or
 * the claim generated from a template once `status.resourceClaimStatuses` records it.
 */
export function podResourceClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  const claims = (pod.spec?.resourceClaims ?? []) as PodResourceClaimAnyVersion[];
  const statuses = (
    pod.status as { resourceClaimStatuses?: { name: string; resourceClaimName?: string }[] } | undefined
  )?.resourceClaimStatuses;
  for (const c of claims) {
    const named = c.resourceClaimName ?? c.source?.resourceClaimName;
    const template = c.resourceClaimTemplateName ?? c.source?.resourceClaimTemplateName;
    if (named) out.push(named);
    else if (template) {
      const generated = statuses?.find((s) => s.name === c.name)?.resourceClaimName;
      if (generated) out.push(generated);
    }
  }
  return out;
}

/** Secrets a PV's kubelet-side plugin reads: `{namespace, name}` (controller-only CSI secrets excluded). */
export function pvKubeletSecretRefs(pv: PersistentVolume): { namespace: string; name: string }[] {
  const spec = pv.spec ?? {};
  const claimNs = spec.claimRef?.namespace ?? '';
  const out: { namespace: string; name: string }[] = [];
  const ref = (r: SecretReference | { name?: string; namespace?: string } | undefined) => {
    if (r) out.push({ namespace: r.namespace || claimNs, name: r.name ?? '' });
  };
  if (spec.azureFile) {
    if (spec.azureFile.secretName)
      out.push({ namespace: spec.azureFile.secretNamespace || claimNs, name: spec.azureFile.secretName });
  } else if (spec.cephfs) {
    ref(spec.cephfs.secretRef);
  } else if (spec.cinder) {
    if (spec.cinder.secretRef)
      out.push({ namespace: spec.cinder.secretRef.namespace ?? '', name: spec.cinder.secretRef.name ?? '' });
  } else if (spec.flexVolume) {
    ref(spec.flexVolume.secretRef);
  } else if (spec.rbd) {
    ref(spec.rbd.secretRef);
  } else if (spec.scaleIO) {
    ref(spec.scaleIO.secretRef);
  } else if (spec.iscsi) {
    ref(spec.iscsi.secretRef);
  } else if (spec.storageos) {
    const r = spec.storageos.secretRef;
    if (r) out.push({ namespace: r.namespace ?? '', name: r.name ?? '' });
  } else if (spec.csi) {
    for (const r of [spec.csi.nodePublishSecretRef, spec.csi.nodeStageSecretRef, spec.csi.nodeExpandSecretRef]) {
      if (r) out.push({ namespace: r.namespace ?? '', name: r.name ?? '' });
    }
  }
  return out;
}
