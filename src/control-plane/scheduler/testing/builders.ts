import type { Container, Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/**
 * Compact builders for tests and benchmarks (in the spirit of upstream
 * st.MakePod / st.MakeNode). Objects are plain v1 JSON shapes.
 */
let seq = 0;

export interface PodOptions {
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Requests of the single container, e.g. `{ cpu: '500m', memory: '1Gi' }`. */
  req?: Record<string, string>;
  containers?: Container[];
  initContainers?: Container[];
  priority?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: NonNullable<Pod['spec']>['affinity'];
  topologySpreadConstraints?: NonNullable<Pod['spec']>['topologySpreadConstraints'];
  schedulerName?: string;
  schedulingGates?: string[];
  hostPorts?: number[];
  overhead?: Record<string, string>;
  volumes?: NonNullable<Pod['spec']>['volumes'];
  preemptionPolicy?: string;
  nominatedNodeName?: string;
  startTime?: string;
  image?: string;
  ownerReferences?: NonNullable<Pod['metadata']>['ownerReferences'];
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const containers: Container[] = o.containers ?? [
    {
      name: 'c',
      image: o.image ?? 'busybox',
      resources: o.req ? { requests: { ...o.req } } : undefined,
      ports: o.hostPorts?.map((p) => ({ containerPort: p, hostPort: p })),
    },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}-${++seq}`,
      resourceVersion: '1',
      labels: o.labels,
      annotations: o.annotations,
      ownerReferences: o.ownerReferences,
    },
    spec: {
      containers,
      initContainers: o.initContainers,
      priority: o.priority,
      nodeName: o.nodeName,
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      affinity: o.affinity,
      topologySpreadConstraints: o.topologySpreadConstraints,
      schedulerName: o.schedulerName ?? 'default-scheduler',
      schedulingGates: o.schedulingGates?.map((name) => ({ name })),
      overhead: o.overhead,
      volumes: o.volumes,
      preemptionPolicy: o.preemptionPolicy,
    },
    status: {
      phase: 'Pending',
      nominatedNodeName: o.nominatedNodeName,
      startTime: o.startTime,
    },
  };
}

export interface NodeOptions {
  labels?: Record<string, string>;
  /** Allocatable; defaults to 4 cpu, 8Gi, 110 pods. */
  alloc?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  zone?: string;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const alloc = o.alloc ?? { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `node-${name}`,
      resourceVersion: '1',
      labels: {
        'kubernetes.io/hostname': name,
        ...(o.zone ? { 'topology.kubernetes.io/zone': o.zone } : {}),
        ...o.labels,
      },
    },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: { ...alloc }, capacity: { ...alloc }, images: o.images },
  };
}

/** A copy of the pod with another resourceVersion (what an informer update delivers). */
export function bump<T extends { metadata?: { resourceVersion?: string } }>(obj: T, patch: (o: T) => void): T {
  const c = structuredClone(obj);
  patch(c);
  c.metadata = { ...c.metadata, resourceVersion: String(Number(c.metadata?.resourceVersion ?? '0') + 1) };
  return c;
}
