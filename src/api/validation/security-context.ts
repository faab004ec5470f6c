import type { AppArmorProfile, PodSpec, SeccompProfile, SecurityContext } from 'kubernetes-types/core/v1.js';
import { list, str } from './common.js';
import type { FieldError, FieldPath } from './field-error.js';
import { isValidGroupID, isValidUserID } from './formats.js';
import { validateLocalDescendingPath } from './pod-volumes.js';

/**
 * Pod and container security contexts. Privileged containers are accepted:
 * kubets runs with the equivalent of kube-apiserver `--allow-privileged=true`
 * (what kubeadm, kind and k3s configure).
 */
function validateIDs(sc: { runAsUser?: number; runAsGroup?: number }, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof sc.runAsUser === 'number')
    errs.push(...isValidUserID(sc.runAsUser).map((m) => path.child('runAsUser').invalid(sc.runAsUser, m)));
  if (typeof sc.runAsGroup === 'number')
    errs.push(...isValidGroupID(sc.runAsGroup).map((m) => path.child('runAsGroup').invalid(sc.runAsGroup, m)));
  return errs;
}

export function validateSeccompProfile(sp: SeccompProfile | undefined, path: FieldPath): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const type = str(sp.type);
  const types = ['Localhost', 'RuntimeDefault', 'Unconfined'];
  if (type === '') errs.push(path.child('type').required('type is required when seccompProfile is set'));
  else if (!types.includes(type)) errs.push(path.child('type').notSupported(type, types));
  if (type === 'Localhost') {
    if (sp.localhostProfile === undefined || sp.localhostProfile === null)
      errs.push(path.child('localhostProfile').required('must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')));
  } else if (sp.localhostProfile !== undefined && sp.localhostProfile !== null) {
    errs.push(path.child('localhostProfile').invalid(sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

export function validateAppArmorProfile(profile: AppArmorProfile | undefined, path: FieldPath): FieldError[] {
  if (!profile) return [];
  const errs: FieldError[] = [];
  const lp = profile.localhostProfile;
  switch (profile.type) {
    case 'Localhost':
      if (lp === undefined || lp === null) {
        errs.push(path.child('localhostProfile').required('must be set when AppArmor type is Localhost'));
      } else {
        if (lp.trim() !== lp)
          errs.push(path.child('localhostProfile').invalid(lp, 'must not be padded with whitespace'));
        else if (lp === '')
          errs.push(path.child('localhostProfile').required('must be set when AppArmor type is Localhost'));
        if (lp.length > 4095) errs.push(path.child('localhostProfile').tooLong('', 4095));
      }
      break;
    case 'RuntimeDefault':
    case 'Unconfined':
      if (lp !== undefined && lp !== null)
        errs.push(path.child('localhostProfile').invalid(lp, 'can only be set when AppArmor type is Localhost'));
      break;
    case '':
    case undefined:
      errs.push(path.child('type').required('type is required when appArmorProfile is set'));
      break;
    default:
      errs.push(path.child('type').notSupported(profile.type, ['Localhost', 'RuntimeDefault', 'Unconfined']));
  }
  return errs;
}

/** ValidateSecurityContext for one container. */
export function validateContainerSecurityContext(
  sc: SecurityContext | undefined,
  path: FieldPath,
  hostUsers: boolean,
): FieldError[] {
  if (!sc) return [];
  const errs = validateIDs(sc, path);
  if (sc.procMount !== undefined && sc.procMount !== null) {
    if (sc.procMount !== 'Default' && sc.procMount !== 'Unmasked')
      errs.push(path.child('procMount').notSupported(sc.procMount, ['Default', 'Unmasked']));
    if (hostUsers && sc.procMount === 'Unmasked')
      errs.push(path.child('procMount').invalid(sc.procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true)
      errs.push(path.invalid(sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    if (list(sc.capabilities?.add).includes('CAP_SYS_ADMIN'))
      errs.push(
        path.invalid(sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'),
      );
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  return errs;
}

const sysctlSegmentFmt = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const sysctlRe = new RegExp(`^(${sysctlSegmentFmt}[\\./])*${sysctlSegmentFmt}$`);

export function isValidSysctlName(name: string): boolean {
  return name.length <= 253 && sysctlRe.test(name);
}

/** utilsysctl.GetNamespace: which sysctls are per network / IPC namespace. */
function sysctlNamespace(name: string): 'net' | 'ipc' | '' {
  const n = name.replaceAll('/', '.');
  if (n.startsWith('net.')) return 'net';
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.'))
    return 'ipc';
  return '';
}

/** The pod-level security context (spec.securityContext plus the host namespace flags it interacts with). */
export function validatePodSecurityContext(spec: PodSpec, path: FieldPath): FieldError[] {
  const sc = spec.securityContext;
  if (!sc) return [];
  const errs: FieldError[] = [];
  if (typeof sc.fsGroup === 'number')
    errs.push(...isValidGroupID(sc.fsGroup).map((m) => path.child('fsGroup').invalid(sc.fsGroup, m)));
  errs.push(...validateIDs(sc, path));
  list(sc.supplementalGroups).forEach((g, i) =>
    errs.push(...isValidGroupID(g).map((m) => path.child('supplementalGroups').index(i).invalid(g, m))),
  );
  if (spec.shareProcessNamespace === true && spec.hostPID === true)
    errs.push(
      path.child('shareProcessNamespace').invalid(true, 'ShareProcessNamespace and HostPID cannot both be enabled'),
    );
  const names = new Set<string>();
  list(sc.sysctls).forEach((s, i) => {
    const p = path.child('sysctls').index(i).child('name');
    const name = str(s.name);
    if (!name) errs.push(p.required());
    else if (!isValidSysctlName(name))
      errs.push(p.invalid(name, `must have at most 253 characters and match regex ${sysctlRe.source}`));
    else if (names.has(name)) errs.push(p.duplicate(name));
    const ns = sysctlNamespace(name);
    if (spec.hostNetwork === true && ns === 'net')
      errs.push(p.invalid(name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === 'ipc')
      errs.push(p.invalid(name, "may not be specified when 'hostIPC' is true"));
    names.add(name);
  });
  if (sc.fsGroupChangePolicy !== undefined && sc.fsGroupChangePolicy !== null) {
    if (sc.fsGroupChangePolicy !== 'Always' && sc.fsGroupChangePolicy !== 'OnRootMismatch')
      errs.push(path.child('fsGroupChangePolicy').notSupported(sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, path.child('appArmorProfile')));
  const sgp = (sc as { supplementalGroupsPolicy?: string }).supplementalGroupsPolicy;
  if (sgp !== undefined && sgp !== null && sgp !== 'Merge' && sgp !== 'Strict')
    errs.push(path.child('supplementalGroupsPolicy').notSupported(sgp, ['Merge', 'Strict']));
  return errs;
}
