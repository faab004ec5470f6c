import { createHash } from 'node:crypto';
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { kubernetesVersion } from '../../api/version.js';

export interface SimCapacity {
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
}

export const defaultCapacity: SimCapacity = { cpu: '32', memory: '256Gi', pods: 110, ephemeralStorage: '100Gi' };

/** Lease duration the kubelet uses (`nodeLeaseDurationSeconds`, default 40). */
export const leaseDurationSeconds = 40;
export const nodeLeaseNamespace = 'kube-node-lease';

/** A stable fake hex id derived from the node name (machine-id style). */
function fakeId(name: string, salt: string, len = 32): string {
  return createHash('sha256').update(`${salt}/${name}`).digest('hex').slice(0, len);
}

function uuidOf(name: string, salt: string): string {
  const h = fakeId(name, salt);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The node's InternalIP: in 127.0.0.0/8, so anything that dials a simulated
 * node (logs, exec, metrics) stays on this machine (DESIGN.md §5).
 */
export function simNodeIP(index: number): string {
  return `127.${100 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${(index % 256) + 1}`;
}

/** Kubelet node conditions with upstream reasons and messages. */
export function nodeConditions(ready: boolean, now: string, previous?: NodeCondition[]): NodeCondition[] {
  const cond = (type: string, status: string, reason: string, message: string): NodeCondition => {
    const prev = previous?.find((c) => c.type === type);
    const transition = prev && prev.status === status ? prev.lastTransitionTime : now;
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: transition };
  };
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : cond('Ready', 'False', 'KubeletNotReady', 'container runtime status check may not have completed yet'),
  ];
}

/** The status a kubelet posts: capacity, conditions, addresses, endpoints, system info. */
export function nodeStatus(
  name: string,
  index: number,
  capacity: SimCapacity,
  ready: boolean,
  now: string,
  previous?: NodeCondition[],
): NodeStatus {
  const resources = {
    cpu: capacity.cpu,
    memory: capacity.memory,
    pods: String(capacity.pods),
    'ephemeral-storage': capacity.ephemeralStorage,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  };
  return {
    capacity: resources,
    allocatable: { ...resources },
    conditions: nodeConditions(ready, now, previous),
    addresses: [
      { type: 'InternalIP', address: simNodeIP(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: fakeId(name, 'machine'),
      systemUUID: uuidOf(name, 'system'),
      bootID: uuidOf(name, 'boot'),
      kernelVersion: '6.1.0-kubets-sim',
      osImage: 'kubets simulated node',
      containerRuntimeVersion: 'sim://1.0.0',
      kubeletVersion: kubernetesVersion.gitVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: kubernetesVersion.platform.split('/')[1] ?? 'amd64',
    },
  };
}

/** The Node a simulated kubelet registers, with the well-known labels a kubelet sets. */
export function nodeObject(
  name: string,
  index: number,
  capacity: SimCapacity,
  labels: Record<string, string>,
  ready: boolean,
  now: string,
): Node {
  const arch = kubernetesVersion.platform.split('/')[1] ?? 'amd64';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': arch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': arch,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': 'sim',
        ...labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kubets.io/simulated': 'true' },
    },
    spec: {},
    status: nodeStatus(name, index, capacity, ready, now),
  };
}

/** The node's heartbeat Lease in kube-node-lease, owned by the Node. */
export function leaseObject(node: Pick<Node, 'metadata'>, renewTime: string): Lease {
  const name = node.metadata!.name!;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: nodeLeaseNamespace,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }],
    },
    spec: { holderIdentity: name, leaseDurationSeconds, renewTime },
  };
}
