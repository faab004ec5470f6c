/**
 * A container's effective security context (securitycontext.DetermineEffective
 * SecurityContext: container fields override the pod's) turned into the
 * runtime's SecurityContextSpec, and the runAsNonRoot check the kubelet makes
 * before creating a container (kuberuntime_container_linux.go / security_context_others.go).
 */
import type { Container, Pod, SeccompProfile } from 'kubernetes-types/core/v1.js';
import type { SecurityContextSpec } from '../../runtime/index.js';

export interface EffectiveSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
}

/** The user/group fields after merging pod and container contexts. */
export function effectiveSecurity(pod: Pod, container: Container): EffectiveSecurity {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  return {
    runAsUser: c.runAsUser ?? p.runAsUser,
    runAsGroup: c.runAsGroup ?? p.runAsGroup,
    runAsNonRoot: c.runAsNonRoot ?? p.runAsNonRoot,
  };
}

/** `<name>_<namespace>(<uid>)`, how the kubelet names a pod in messages (format.Pod). */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * The runAsNonRoot verification: an error message (CreateContainerConfigError)
 * or undefined. `imageUid`/`imageUser` are what the image runs as; an image
 * that names neither runs as root.
 */
export function verifyRunAsNonRoot(
  pod: Pod,
  container: Container,
  imageUid: number | undefined,
  imageUser: string,
): string | undefined {
  const sc = effectiveSecurity(pod, container);
  if (!sc.runAsNonRoot) return undefined;
  if (sc.runAsUser !== undefined) {
    return sc.runAsUser === 0
      ? `container's runAsUser breaks non-root policy (pod: "${formatPod(pod)}", container: ${container.name})`
      : undefined;
  }
  const uid = imageUid ?? (imageUser ? undefined : 0);
  if (uid === 0) {
    return `container has runAsNonRoot and image will run as root (pod: "${formatPod(pod)}", container: ${container.name})`;
  }
  if (uid === undefined && imageUser) {
    return `container has runAsNonRoot and image has non-numeric user (${imageUser}), cannot verify user is non-root (pod: "${formatPod(pod)}", container: ${container.name})`;
  }
  return undefined;
}

function seccomp(profile: SeccompProfile | undefined): SecurityContextSpec['seccomp'] {
  if (!profile) return undefined;
  if (profile.type === 'RuntimeDefault') return 'RuntimeDefault';
  if (profile.type === 'Localhost' && profile.localhostProfile) return { localhost: profile.localhostProfile };
  return 'Unconfined';
}

/**
 * The runtime security settings of a container. `imageUid`/`imageUser` fill
 * in the user when neither pod nor container sets runAsUser, as upstream does.
 */
export function containerSecurity(
  pod: Pod,
  container: Container,
  imageUid?: number,
  imageUser = '',
): SecurityContextSpec {
  const p = pod.spec?.securityContext ?? {};
  const c = container.securityContext ?? {};
  const eff = effectiveSecurity(pod, container);
  const privileged = c.privileged ?? false;
  const out: SecurityContextSpec = {
    privileged,
    readOnlyRootFilesystem: c.readOnlyRootFilesystem ?? false,
    capabilities: { add: c.capabilities?.add ?? [], drop: c.capabilities?.drop ?? [] },
    // No new privileges unless privileged or escalation is allowed (AddNoNewPrivileges).
    noNewPrivileges: !privileged && c.allowPrivilegeEscalation === false,
    // fsGroup joins the supplemental groups so the process can use volumes owned by it.
    supplementalGroups: [...(p.fsGroup !== undefined ? [p.fsGroup] : []), ...(p.supplementalGroups ?? [])],
    unmaskedProc: c.procMount === 'Unmasked',
  };
  const profile = seccomp(c.seccompProfile ?? p.seccompProfile);
  if (profile) out.seccomp = profile;
  if (eff.runAsUser !== undefined) out.runAsUser = eff.runAsUser;
  else if (imageUid !== undefined) out.runAsUser = imageUid;
  else if (imageUser) out.runAsUsername = imageUser;
  if (eff.runAsGroup !== undefined) out.runAsGroup = eff.runAsGroup;
  return out;
}
