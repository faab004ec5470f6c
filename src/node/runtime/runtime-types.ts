/**
 * The simple specs and typed results of the runtime facade (runtime.ts). The
 * kubelet translates a Pod into these; the facade translates them into CRI
 * configs (spec-convert.ts). Units are the CRI's: bytes, CFS microseconds,
 * cgroup v1 cpu shares.
 */
import type { ContainerState, Labels, PodSandboxState } from './cri/types.js';

export interface PortMappingSpec {
  containerPort: number;
  /** 0 or absent: not exposed on the node. */
  hostPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  hostIp?: string;
}

export interface SandboxSpec {
  /** Pod name, namespace and UID (identify the sandbox; also written as io.kubernetes.pod.* labels). */
  name: string;
  namespace: string;
  uid: string;
  /** Sandbox attempt; ensureSandbox picks the next one when it creates a sandbox. */
  attempt?: number;
  /** Default: the pod name. */
  hostname?: string;
  /** Absolute directory for container logs; default /var/log/pods/<ns>_<name>_<uid>. */
  logDirectory?: string;
  labels?: Labels;
  annotations?: Labels;
  dns?: { servers: string[]; searches?: string[]; options?: string[] };
  portMappings?: PortMappingSpec[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  /** Containers see each other's processes (PID namespace POD instead of CONTAINER). */
  shareProcessNamespace?: boolean;
  /** Parent cgroup, cgroupfs syntax (e.g. `/kubepods/besteffort/pod<uid>`); empty: the runtime's default. */
  cgroupParent?: string;
  sysctls?: Labels;
  /** Some container of the pod is privileged. */
  privileged?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  /** RuntimeClass handler; empty: the default (runc). */
  runtimeHandler?: string;
}

export interface MountSpec {
  containerPath: string;
  hostPath: string;
  readOnly?: boolean;
  /** Kubernetes' MountPropagationMode names. Default None. */
  propagation?: 'None' | 'HostToContainer' | 'Bidirectional';
  selinuxRelabel?: boolean;
}

export interface ResourcesSpec {
  /** cgroup v1 cpu.shares (relative weight); see cpuSharesFromMilli. */
  cpuShares?: number;
  /** CFS quota in µs per period (a limit); see cpuQuotaFromMilli. */
  cpuQuota?: number;
  /** CFS period in µs; default 100000 when a quota is set. */
  cpuPeriod?: number;
  memoryLimitBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
}

export interface SecurityContextSpec {
  runAsUser?: number;
  runAsGroup?: number;
  /** Resolved in the image's /etc/passwd; exclusive with runAsUser. */
  runAsUsername?: string;
  supplementalGroups?: number[];
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  /** Capability names without the `CAP_` prefix, as in a Pod spec (`NET_ADMIN`), or `ALL`. */
  capabilities?: { add?: string[]; drop?: string[] };
  /** allowPrivilegeEscalation: false. */
  noNewPrivileges?: boolean;
  /** Default: unconfined (the kubelet's default without SeccompDefault). */
  seccomp?: 'RuntimeDefault' | 'Unconfined' | { localhost: string };
  /** ProcMountType Unmasked: no masked or read-only /proc paths. */
  unmaskedProc?: boolean;
}

export interface ContainerSpec {
  name: string;
  /** Restart count; also names the log file. Default 0. */
  attempt?: number;
  image: string;
  /** Overrides the image entrypoint. */
  command?: string[];
  /** Overrides the image cmd. */
  args?: string[];
  env?: { name: string; value: string }[];
  mounts?: MountSpec[];
  workingDir?: string;
  resources?: ResourcesSpec;
  securityContext?: SecurityContextSpec;
  /** Relative to the sandbox's log directory; default `<name>/<attempt>.log`. */
  logPath?: string;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  labels?: Labels;
  annotations?: Labels;
  /**
   * Container ID whose PID namespace this container joins (CRI NamespaceMode
   * TARGET) when the pod does not share one: `kubectl debug --target`.
   */
  pidNamespaceTarget?: string;
}

export interface SandboxInfo {
  id: string;
  /** The spec with defaults applied (attempt, hostname, logDirectory). */
  spec: SandboxSpec & { attempt: number; logDirectory: string };
  state: PodSandboxState;
  /** The primary pod IP; '' with host networking or before the network is set up. */
  ip: string;
  additionalIps: string[];
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Whether ensureSandbox created it (false: an existing ready sandbox was reused). */
  created: boolean;
}

export interface ContainerInfo {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  image: string;
  imageRef: string;
  /** Milliseconds since the epoch; 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  /** Absolute path of the CRI-format log file. */
  logPath: string;
  labels: Labels;
  annotations: Labels;
  /** From verbose status: the init process's host PID, when running. */
  pid?: number;
  /** From verbose status: the OCI spec's cgroupsPath (cgroupfs: `/parent/<id>`). */
  cgroupsPath?: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RuntimeReadiness {
  runtimeReady: boolean;
  networkReady: boolean;
  /** `reason: message` of each condition that is not true. */
  problems: string[];
}
