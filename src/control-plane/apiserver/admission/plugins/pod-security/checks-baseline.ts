import type { SELinuxOptions } from 'kubernetes-types/core/v1.js';
import {
  allowed,
  containerList,
  forbidden,
  joinQuote,
  pluralize,
  sortedSet,
  visitContainers,
  type Check,
  type CheckPod,
} from './check-types.js';

/**
 * Baseline Pod Security Standards checks (upstream
 * `pod-security-admission/policy/check_*.go`, level baseline), with upstream's
 * reasons and details.
 */

const hostNamespaces: CheckPod = (_meta, spec) => {
  const set: string[] = [];
  if (spec.hostNetwork) set.push('hostNetwork=true');
  if (spec.hostPID) set.push('hostPID=true');
  if (spec.hostIPC) set.push('hostIPC=true');
  return set.length ? forbidden('host namespaces', set.join(', ')) : allowed;
};

const privileged: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.privileged) bad.push(c.name);
  });
  return bad.length
    ? forbidden('privileged', `${containerList(bad)} must not set securityContext.privileged=true`)
    : allowed;
};

const defaultCapabilities = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  const caps: string[] = [];
  visitContainers(spec, (c) => {
    const added = (c.securityContext?.capabilities?.add ?? []).filter((x) => !defaultCapabilities.has(x));
    if (added.length) {
      bad.push(c.name);
      caps.push(...added);
    }
  });
  if (!bad.length) return allowed;
  return forbidden(
    'non-default capabilities',
    `${containerList(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  );
};

const hostPathVolumes: CheckPod = (_meta, spec) => {
  const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
  if (!bad.length) return allowed;
  return forbidden('hostPath volumes', `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`);
};

const hostPorts: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  const ports: string[] = [];
  visitContainers(spec, (c) => {
    const used = (c.ports ?? []).filter((p) => p.hostPort).map((p) => String(p.hostPort));
    if (used.length) {
      bad.push(c.name);
      ports.push(...used);
    }
  });
  if (!bad.length) return allowed;
  const list = sortedSet(ports);
  return forbidden(
    'hostPort',
    `${containerList(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}`,
  );
};

const appArmorAnnotationPrefix = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorType = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
const allowedAppArmorAnnotation = (v: string) => v === '' || v === 'runtime/default' || v.startsWith('localhost/');

const appArmorProfile: CheckPod = (meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile && !allowedAppArmorType(podProfile.type)) {
    setters.push('pod');
    values.push(podProfile.type);
  }
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.appArmorProfile;
    if (p && !allowedAppArmorType(p.type)) {
      bad.push(c.name);
      values.push(p.type);
    }
  });
  if (bad.length) setters.push(containerList(bad));
  const annotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith(appArmorAnnotationPrefix) && !allowedAppArmorAnnotation(v))
      annotations.push(`${k}=${JSON.stringify(v)}`);
  }
  const valueList = sortedSet(values);
  if (annotations.length) {
    annotations.sort();
    valueList.push(...annotations);
    setters.push(pluralize('annotation', 'annotations', annotations.length));
  }
  if (!setters.length) return allowed;
  return forbidden(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', valueList.length),
    `${setters.join(' and ')} must not set AppArmor profile type to ${joinQuote(valueList)}`,
  );
};

function seLinuxOptions(allowedTypes: Set<string>): CheckPod {
  return (_meta, spec) => {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (o: SELinuxOptions) => {
      let ok = true;
      if (!allowedTypes.has(o.type ?? '')) {
        ok = false;
        badTypes.push(o.type ?? '');
      }
      if (o.user) {
        ok = false;
        setUser = true;
      }
      if (o.role) {
        ok = false;
        setRole = true;
      }
      return ok;
    };
    const setters: string[] = [];
    if (spec.securityContext?.seLinuxOptions && !valid(spec.securityContext.seLinuxOptions)) setters.push('pod');
    const bad: string[] = [];
    visitContainers(spec, (c) => {
      if (c.securityContext?.seLinuxOptions && !valid(c.securityContext.seLinuxOptions)) bad.push(c.name);
    });
    if (bad.length) setters.push(containerList(bad));
    if (!setters.length) return allowed;
    // Upstream only lists user/role problems alongside a bad type.
    const data: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length) {
      data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
      if (setUser) data.push('user may not be set');
      if (setRole) data.push('role may not be set');
    }
    return forbidden(
      'seLinuxOptions',
      `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`,
    );
  };
}

const procMount: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  const types: string[] = [];
  visitContainers(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm != null && pm !== 'Default') {
      bad.push(c.name);
      types.push(pm);
    }
  });
  if (!bad.length) return allowed;
  return forbidden(
    'procMount',
    `${containerList(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  );
};

const seccompPodAnnotation = 'seccomp.security.alpha.kubernetes.io/pod';
const seccompContainerAnnotationPrefix = 'container.seccomp.security.alpha.kubernetes.io/';
export const validSeccomp = (t: string | undefined) => t === 'Localhost' || t === 'RuntimeDefault';
const validSeccompAnnotation = (v: string) =>
  v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');

/** Before 1.19 seccomp was set through annotations. */
const seccompBaselineAnnotations: CheckPod = (meta, spec) => {
  const bad: string[] = [];
  const annotations = meta.annotations ?? {};
  const podValue = annotations[seccompPodAnnotation];
  if (podValue !== undefined && !validSeccompAnnotation(podValue)) {
    bad.push(`${seccompPodAnnotation}=${JSON.stringify(podValue)}`);
  }
  visitContainers(spec, (c) => {
    const key = seccompContainerAnnotationPrefix + c.name;
    const v = annotations[key];
    if (v !== undefined && !validSeccompAnnotation(v)) bad.push(`${key}=${JSON.stringify(v)}`);
  });
  if (!bad.length) return allowed;
  const list = sortedSet(bad);
  return forbidden(
    'seccompProfile',
    `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`,
  );
};

const seccompBaseline: CheckPod = (_meta, spec) => {
  const setters: string[] = [];
  const values: string[] = [];
  const podType = spec.securityContext?.seccompProfile?.type;
  if (spec.securityContext?.seccompProfile && !validSeccomp(podType)) {
    setters.push('pod');
    values.push(podType ?? '');
  }
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p && !validSeccomp(p.type)) {
      bad.push(c.name);
      values.push(p.type ?? '');
    }
  });
  if (bad.length) setters.push(containerList(bad));
  if (!setters.length) return allowed;
  return forbidden(
    'seccompProfile',
    `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}`,
  );
};

const sysctls1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const sysctls1_27 = [...sysctls1_0, 'net.ipv4.ip_local_reserved_ports'];
const sysctls1_29 = [
  ...sysctls1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const sysctls1_32 = [...sysctls1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowedNames: string[]): CheckPod {
  const allowedSet = new Set(allowedNames);
  return (_meta, spec) => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !allowedSet.has(n));
    return bad.length ? forbidden('forbidden sysctls', bad.join(', ')) : allowed;
  };
}

const windowsHostProcess: CheckPod = (_meta, spec) => {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess) bad.push(c.name);
  });
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess) setters.push('pod');
  if (bad.length) setters.push(containerList(bad));
  if (!setters.length) return allowed;
  return forbidden(
    'hostProcess',
    `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  );
};

const seLinuxTypes1_0 = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const seLinuxTypes1_31 = new Set([...seLinuxTypes1_0, 'container_engine_t']);

export const baselineChecks: Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: appArmorProfile }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: capabilitiesBaseline }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostNamespaces }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: hostPorts }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: privileged }] },
  { id: 'procMount', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: procMount }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, checkPod: seLinuxOptions(seLinuxTypes1_0) },
      { minimumVersion: 31, checkPod: seLinuxOptions(seLinuxTypes1_31) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, checkPod: seccompBaselineAnnotations },
      { minimumVersion: 19, checkPod: seccompBaseline },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimumVersion: 0, checkPod: sysctls(sysctls1_0) },
      { minimumVersion: 27, checkPod: sysctls(sysctls1_27) },
      { minimumVersion: 29, checkPod: sysctls(sysctls1_29) },
      { minimumVersion: 32, checkPod: sysctls(sysctls1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumVersion: 0, checkPod: windowsHostProcess }] },
];
