/**
 * The Node object and status the kubelet posts (pkg/kubelet/nodestatus):
 * well-known labels, capacity from the host and allocatable = capacity minus
 * kube/system reservations and hard eviction thresholds, the four conditions
 * with upstream reasons and messages, addresses, daemon endpoints, nodeInfo
 * and the images list (largest first, at most 50).
 */
import type { Node, NodeCondition, NodeStatus, NodeSystemInfo } from 'kubernetes-types/core/v1.js';
import { Quantity } from '../../../api/quantity/quantity.js';
import { kubernetesVersion } from '../../../api/version.js';
import type { Image } from '../../runtime/index.js';
import type { KubeletConfig, NodePressure } from '../config.js';
import type { HostInfo } from './host-info.js';

const arch = kubernetesVersion.platform.split('/')[1] ?? 'amd64';
const maxImages = 50;

export function nodeLabels(cfg: Pick<KubeletConfig, 'nodeName' | 'nodeLabels'>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': cfg.nodeName,
    'kubernetes.io/os': 'linux',
    ...cfg.nodeLabels,
  };
}

type Resources = Record<string, string>;

function q(v: string | number): Quantity {
  return Quantity.parse(v);
}

/** capacity - reserved - eviction threshold (a quantity or a percentage of capacity), floored at 0. */
function subtract(capacity: Quantity, reserved: (string | undefined)[], threshold?: string): Quantity {
  let left = capacity;
  for (const r of reserved) if (r) left = left.sub(q(r));
  if (threshold) {
    if (threshold.endsWith('%')) {
      const pct = Number(threshold.slice(0, -1));
      const cut = BigInt(Math.ceil((Number(capacity.value()) * pct) / 100));
      left = left.sub(Quantity.fromValue(cut));
    } else left = left.sub(q(threshold));
  }
  return left.sign() < 0 ? Quantity.parse(0) : left;
}

export function capacityAndAllocatable(
  cfg: KubeletConfig,
  host: HostInfo,
): { capacity: Resources; allocatable: Resources } {
  const capacity: Resources = {
    cpu: String(host.cpuCores),
    'ephemeral-storage': Quantity.fromValue(host.ephemeralStorageBytes, 'BinarySI').toString(),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: Quantity.fromValue(host.memoryBytes, 'BinarySI').toString(),
    pods: String(cfg.maxPods),
  };
  const res = (name: string) => [cfg.kubeReserved[name], cfg.systemReserved[name]];
  const allocatable: Resources = {
    cpu: subtract(q(capacity.cpu!), res('cpu')).toString(),
    'ephemeral-storage': subtract(
      Quantity.fromValue(host.ephemeralStorageBytes),
      res('ephemeral-storage'),
      cfg.evictionHard['nodefs.available'],
    ).toString(),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: subtract(
      Quantity.fromValue(host.memoryBytes, 'BinarySI'),
      res('memory'),
      cfg.evictionHard['memory.available'],
    ).toString(),
    pods: String(cfg.maxPods),
  };
  return { capacity, allocatable };
}

export interface Readiness {
  ready: boolean;
  /** Why not, for the Ready condition's message. */
  message: string;
}

/** The kubelet's four conditions; transition times kept from `previous` while a status holds. */
export function nodeConditions(
  readiness: Readiness,
  pressure: NodePressure,
  now: string,
  previous: NodeCondition[] | undefined,
): NodeCondition[] {
  const cond = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    const transition = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: transition };
  };
  return [
    pressure.memoryPressure
      ? cond('MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available')
      : cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    pressure.diskPressure
      ? cond('DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure')
      : cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    pressure.pidPressure
      ? cond('PIDPressure', 'True', 'KubeletHasInsufficientPID', 'kubelet has insufficient PID available')
      : cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    readiness.ready
      ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : cond('Ready', 'False', 'KubeletNotReady', readiness.message),
  ];
}

export function nodeImages(images: Image[]): NonNullable<NodeStatus['images']> {
  return [...images]
    .sort((a, b) => b.size - a.size)
    .slice(0, maxImages)
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: i.size }))
    .filter((i) => i.names.length > 0);
}

export interface NodeStatusInputs {
  cfg: KubeletConfig;
  host: HostInfo;
  kubeletPort: number;
  runtimeVersion: string;
  readiness: Readiness;
  pressure: NodePressure;
  images: Image[];
  now: string;
  previous?: NodeCondition[];
}

export function nodeStatus(i: NodeStatusInputs): NodeStatus {
  const { capacity, allocatable } = capacityAndAllocatable(i.cfg, i.host);
  const nodeInfo: NodeSystemInfo = {
    machineID: i.host.machineID,
    systemUUID: i.host.systemUUID,
    bootID: i.host.bootID,
    kernelVersion: i.host.kernelVersion,
    osImage: i.host.osImage,
    containerRuntimeVersion: i.runtimeVersion,
    kubeletVersion: kubernetesVersion.gitVersion,
    kubeProxyVersion: '',
    operatingSystem: 'linux',
    architecture: arch,
  };
  return {
    capacity,
    allocatable,
    conditions: nodeConditions(i.readiness, i.pressure, i.now, i.previous),
    addresses: [
      { type: 'InternalIP', address: i.cfg.nodeIP },
      { type: 'Hostname', address: i.cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo,
    images: nodeImages(i.images),
  };
}

/** The Node a kubelet registers. */
export function nodeObject(cfg: KubeletConfig, status: NodeStatus): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: nodeLabels(cfg),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {},
    status,
  };
  if (cfg.registerWithTaints.length > 0) node.spec!.taints = cfg.registerWithTaints;
  return node;
}
