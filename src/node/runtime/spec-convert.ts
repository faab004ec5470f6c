/**
 * Translation of the facade's specs into CRI configs, following what the kubelet
 * sends (kuberuntime_sandbox.go, kuberuntime_container_linux.go,
 * securitycontext/util.go): the io.kubernetes.* labels, namespace modes, default
 * masked and read-only /proc paths, and the cpu shares/quota arithmetic. Pure
 * functions, so the mapping is tested without a runtime.
 */
import type {
  ContainerConfig,
  CriInput,
  Labels,
  LinuxContainerSecurityContext,
  MountPropagation,
  NamespaceMode,
  NamespaceOption,
  PodSandboxConfig,
  SecurityProfile,
} from './cri/types.js';
import { containerLogRelativePath, podLogDirectory } from './logs/cri-log.js';
import type { ContainerSpec, MountSpec, SandboxSpec, SecurityContextSpec } from './runtime-types.js';

export const labels = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
} as const;

// The kubelet's cgroup arithmetic (pkg/kubelet/cm/helpers_linux.go).
const minShares = 2;
const maxShares = 262144;
const sharesPerCpu = 1024;
/** The CFS period the kubelet uses (100 ms). */
export const defaultCpuPeriod = 100_000;
const minQuotaPeriod = 1000;

/** cpu.shares for a CPU request in millicores (0 -> the minimum, 2). */
export function cpuSharesFromMilli(milliCpu: number): number {
  if (milliCpu <= 0) return minShares;
  const shares = Math.floor((milliCpu * sharesPerCpu) / 1000);
  return Math.min(maxShares, Math.max(minShares, shares));
}

/** CFS quota (µs per `period`) for a CPU limit in millicores; 0 means no limit. */
export function cpuQuotaFromMilli(milliCpu: number, period = defaultCpuPeriod): number {
  if (milliCpu <= 0) return 0;
  return Math.max(minQuotaPeriod, Math.floor((milliCpu * period) / 1000));
}

// securitycontext/util.go: the paths masked / read-only unless ProcMount is Unmasked.
export const defaultMaskedPaths = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const defaultReadonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The sandbox spec with the defaults the facade applies. */
export function withSandboxDefaults(
  spec: SandboxSpec,
  logsRoot?: string,
): SandboxSpec & { attempt: number; logDirectory: string } {
  return {
    ...spec,
    attempt: spec.attempt ?? 0,
    logDirectory: spec.logDirectory ?? podLogDirectory(spec.namespace, spec.name, spec.uid, logsRoot),
  };
}

function podLabels(spec: SandboxSpec): Labels {
  return {
    ...spec.labels,
    [labels.podName]: spec.name,
    [labels.podNamespace]: spec.namespace,
    [labels.podUid]: spec.uid,
  };
}

function namespaceModes(spec: SandboxSpec): { network: NamespaceMode; ipc: NamespaceMode; pid: NamespaceMode } {
  return {
    network: spec.hostNetwork ? 'NODE' : 'POD',
    ipc: spec.hostIPC ? 'NODE' : 'POD',
    pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
  };
}

export function sandboxConfig(
  spec: SandboxSpec & { attempt: number; logDirectory: string },
): CriInput<PodSandboxConfig> {
  const ns = namespaceModes(spec);
  return {
    metadata: { name: spec.name, namespace: spec.namespace, uid: spec.uid, attempt: spec.attempt },
    // With host networking the node's hostname is used, as the kubelet does (empty hostname).
    hostname: spec.hostNetwork ? '' : (spec.hostname ?? spec.name),
    logDirectory: spec.logDirectory,
    dnsConfig: spec.dns
      ? { servers: spec.dns.servers, searches: spec.dns.searches ?? [], options: spec.dns.options ?? [] }
      : null,
    portMappings: (spec.portMappings ?? [])
      .filter((p) => (p.hostPort ?? 0) > 0)
      .map((p) => ({
        protocol: p.protocol ?? 'TCP',
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIp ?? '',
      })),
    labels: podLabels(spec),
    annotations: spec.annotations ?? {},
    linux: {
      cgroupParent: spec.cgroupParent ?? '',
      sysctls: spec.sysctls ?? {},
      securityContext: {
        namespaceOptions: { network: ns.network, ipc: ns.ipc, pid: ns.pid === 'NODE' ? 'NODE' : 'POD' },
        privileged: spec.privileged ?? false,
        runAsUser: spec.runAsUser === undefined ? null : { value: spec.runAsUser },
        runAsGroup: spec.runAsGroup === undefined ? null : { value: spec.runAsGroup },
        supplementalGroups: spec.supplementalGroups ?? [],
      },
    },
  };
}

const propagation: Record<NonNullable<MountSpec['propagation']>, MountPropagation> = {
  None: 'PROPAGATION_PRIVATE',
  HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

function seccompProfile(s: SecurityContextSpec['seccomp']): CriInput<SecurityProfile> {
  if (s === undefined || s === 'Unconfined') return { profileType: 'Unconfined' };
  if (s === 'RuntimeDefault') return { profileType: 'RuntimeDefault' };
  return { profileType: 'Localhost', localhostRef: s.localhost };
}

/**
 * A container's namespaces: the pod's, except that a container with a PID
 * namespace target (an ephemeral container's targetContainerName) joins the
 * target's PID namespace when it would otherwise get its own
 * (kuberuntime_container_linux.go generateLinuxContainerConfig).
 */
function containerNamespaces(sandbox: SandboxSpec, pidTarget: string | undefined): CriInput<NamespaceOption> {
  const ns = namespaceModes(sandbox);
  if (pidTarget && ns.pid === 'CONTAINER') return { ...ns, pid: 'TARGET', targetId: pidTarget };
  return ns;
}

function containerSecurity(
  sc: SecurityContextSpec,
  sandbox: SandboxSpec,
  pidTarget: string | undefined,
): CriInput<LinuxContainerSecurityContext> {
  const unmasked = sc.unmaskedProc || sc.privileged;
  return {
    capabilities: { addCapabilities: sc.capabilities?.add ?? [], dropCapabilities: sc.capabilities?.drop ?? [] },
    privileged: sc.privileged ?? false,
    namespaceOptions: containerNamespaces(sandbox, pidTarget),
    runAsUser: sc.runAsUser === undefined ? null : { value: sc.runAsUser },
    runAsGroup: sc.runAsGroup === undefined ? null : { value: sc.runAsGroup },
    runAsUsername: sc.runAsUsername ?? '',
    readonlyRootfs: sc.readOnlyRootFilesystem ?? false,
    supplementalGroups: sc.supplementalGroups ?? sandbox.supplementalGroups ?? [],
    noNewPrivs: sc.noNewPrivileges ?? false,
    maskedPaths: unmasked ? [] : defaultMaskedPaths,
    readonlyPaths: unmasked ? [] : defaultReadonlyPaths,
    seccomp: seccompProfile(sc.seccomp),
  };
}

export function containerConfig(spec: ContainerSpec, sandbox: SandboxSpec): CriInput<ContainerConfig> {
  const attempt = spec.attempt ?? 0;
  const r = spec.resources ?? {};
  const sc = {
    runAsUser: sandbox.runAsUser,
    runAsGroup: sandbox.runAsGroup,
    ...spec.securityContext,
  };
  return {
    metadata: { name: spec.name, attempt },
    image: { image: spec.image, userSpecifiedImage: spec.image },
    command: spec.command ?? [],
    args: spec.args ?? [],
    workingDir: spec.workingDir ?? '',
    envs: (spec.env ?? []).map((e) => ({ key: e.name, value: e.value })),
    mounts: (spec.mounts ?? []).map((m) => ({
      containerPath: m.containerPath,
      hostPath: m.hostPath,
      readonly: m.readOnly ?? false,
      selinuxRelabel: m.selinuxRelabel ?? false,
      propagation: propagation[m.propagation ?? 'None'],
    })),
    labels: {
      ...spec.labels,
      [labels.podName]: sandbox.name,
      [labels.podNamespace]: sandbox.namespace,
      [labels.podUid]: sandbox.uid,
      [labels.containerName]: spec.name,
    },
    annotations: spec.annotations ?? {},
    logPath: spec.logPath ?? containerLogRelativePath(spec.name, attempt),
    stdin: spec.stdin ?? false,
    stdinOnce: spec.stdinOnce ?? false,
    tty: spec.tty ?? false,
    linux: {
      resources: {
        cpuShares: r.cpuShares ?? 0,
        cpuQuota: r.cpuQuota ?? 0,
        cpuPeriod: r.cpuPeriod ?? (r.cpuQuota ? defaultCpuPeriod : 0),
        memoryLimitInBytes: r.memoryLimitBytes ?? 0,
        oomScoreAdj: r.oomScoreAdj ?? 0,
        cpusetCpus: r.cpusetCpus ?? '',
        cpusetMems: r.cpusetMems ?? '',
      },
      securityContext: containerSecurity(sc, sandbox, spec.pidNamespaceTarget),
    },
  };
}
