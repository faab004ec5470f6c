import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { admitPod, rejectedPodStatus } from './pod-admission.js';
import { admitByPredicates } from './predicate-admission.js';
import { podRequests } from './pod-requests.js';

const node: Node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', zone: 'a', gen: '5' } },
  spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
  status: {
    allocatable: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '10Gi', pods: '3', 'example.com/gpu': '1' },
  },
};

function pod(
  name: string,
  spec: Partial<PodSpec> = {},
  requests?: Record<string, string>,
  labels?: Record<string, string>,
): Pod {
  const c: Container = { name: 'c', image: 'i', ...(requests ? { resources: { requests } } : {}) };
  return { metadata: { name, uid: name, labels }, spec: { nodeName: 'n1', containers: [c], ...spec } };
}

test('pod requests: sidecars add up, init containers peak next to earlier sidecars, overhead on top', () => {
  const p: Pod = {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '100m', memory: '10Mi' } } }],
      initContainers: [
        { name: 'side', image: 'i', restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
        { name: 'init', image: 'i', resources: { requests: { cpu: '1', 'example.com/gpu': '1' } } },
      ],
      overhead: { cpu: '50m' },
    },
  };
  const r = podRequests(p);
  assert.deepEqual([r.cpuMilli, r.memory, r.scalar.get('example.com/gpu')], [1250, 10 * 2 ** 20, 1]);
});

test('GeneralPredicates: first failure wins, with upstream reasons and messages', async () => {
  const running = [pod('a', {}, { cpu: '1500m', memory: '1Gi' }), pod('b', {}, { cpu: '100m' })];
  const cases: { name: string; pod: Pod; others?: Pod[]; want: [string, string] | 'admit' }[] = [
    { name: 'fits', pod: pod('p', {}, { cpu: '400m', memory: '3Gi' }), want: 'admit' },
    { name: 'BestEffort always fits resources', pod: pod('p'), want: 'admit' },
    {
      name: 'cpu over allocatable',
      pod: pod('p', {}, { cpu: '500m' }),
      want: ['OutOfcpu', "Node didn't have enough resource: cpu, requested: 500, used: 1600, capacity: 2000"],
    },
    {
      name: 'memory',
      pod: pod('p', {}, { memory: '3Gi' + '' }),
      others: [pod('a', {}, { memory: '2Gi' })],
      want: [
        'OutOfmemory',
        "Node didn't have enough resource: memory, requested: 3221225472, used: 2147483648, capacity: 4294967296",
      ],
    },
    {
      name: 'pod count comes first',
      pod: pod('p', {}, { cpu: '4' }),
      others: [pod('a'), pod('b'), pod('c')],
      want: ['OutOfpods', "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3"],
    },
    {
      name: 'extended resource the node has',
      pod: pod('p', {}, { 'example.com/gpu': '2' }),
      want: [
        'OutOfexample.com/gpu',
        "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1",
      ],
    },
    {
      name: 'extended resource the node does not know is ignored',
      pod: pod('p', {}, { 'other.io/fpga': '3' }),
      want: 'admit',
    },
    {
      name: 'nodeSelector',
      pod: pod('p', { nodeSelector: { zone: 'b' } }),
      want: ['NodeAffinity', "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"],
    },
    {
      name: 'required node affinity: Gt and matchFields',
      pod: pod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['7'] }] },
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
              ],
            },
          },
        },
      }),
      want: 'admit',
    },
    {
      name: 'required node affinity: no term matches',
      pod: pod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, {}],
            },
          },
        },
      }),
      want: ['NodeAffinity', "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector"],
    },
    {
      name: 'host port conflict',
      pod: pod('p', { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: 8080 }] }] }),
      others: [
        pod('a', {
          containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1, hostPort: 8080, hostIP: '127.0.0.1' }] }],
        }),
      ],
      want: ['NodePorts', "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports"],
    },
    {
      name: 'host port on another protocol',
      pod: pod('p', {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }] }],
      }),
      others: [pod('a', { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1, hostPort: 8080 }] }] })],
      want: 'admit',
    },
    {
      name: 'another node name',
      pod: pod('p', { nodeName: 'n2' }),
      want: ['NodeName', "Predicate NodeName failed: node(s) didn't match the requested node name"],
    },
    {
      name: 'resources are reported before node affinity',
      pod: pod('p', { nodeSelector: { zone: 'b' } }, { cpu: '3' }),
      want: ['OutOfcpu', "Node didn't have enough resource: cpu, requested: 3000, used: 1600, capacity: 2000"],
    },
    {
      name: 'os label',
      pod: pod('p', {}, undefined, { 'kubernetes.io/os': 'windows' }),
      want: [
        'PodOSSelectorNodeLabelDoesNotMatch',
        "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
      ],
    },
    {
      name: 'os field',
      pod: pod('p', { os: { name: 'windows' } }),
      want: ['PodOSNotSupported', "Failed to admit pod as the OS field doesn't match node OS"],
    },
  ];
  for (const c of cases) {
    const r = await admitByPredicates(c.pod, node, c.others ?? running);
    if (c.want === 'admit') assert.deepEqual(r, { admit: true }, c.name);
    else assert.deepEqual(r, { admit: false, reason: c.want[0], message: c.want[1] }, c.name);
  }
});

test('only untolerated NoExecute taints reject, and never a static pod', async () => {
  const tainted: Node = {
    ...node,
    spec: { taints: [...node.spec!.taints!, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
  };
  const want = {
    admit: false,
    reason: 'TaintToleration',
    message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
  };
  assert.deepEqual(await admitByPredicates(pod('p'), tainted, []), want);
  assert.deepEqual(await admitByPredicates(pod('p'), node, []), { admit: true }, 'NoSchedule taints are ignored');
  const tolerating = pod('p', {
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
  });
  assert.deepEqual(await admitByPredicates(tolerating, tainted, []), { admit: true });
  const staticPod = pod('s');
  staticPod.metadata!.annotations = { 'kubernetes.io/config.source': 'file' };
  assert.deepEqual(await admitByPredicates(staticPod, tainted, []), { admit: true });
});

test('a node-affinity-only failure is retried against a fresh Node', async () => {
  const p = pod('p', { nodeSelector: { zone: 'b' } });
  let fetched = 0;
  const fresh = async () => {
    fetched++;
    return { ...node, metadata: { ...node.metadata, labels: { ...node.metadata!.labels, zone: 'b' } } };
  };
  assert.deepEqual(await admitByPredicates(p, node, [], fresh), { admit: true });
  assert.equal(fetched, 1);
});

test('eviction admission runs first; a rejection status carries the upstream prefix', async () => {
  const evicting = {
    eviction: () => ({
      admit: false as const,
      reason: 'Evicted',
      message: 'The node had condition: [MemoryPressure]. ',
    }),
    node: () => node,
  };
  const r = await admitPod(evicting, pod('p', {}, { cpu: '5' }), []);
  assert.deepEqual(r, { admit: false, reason: 'Evicted', message: 'The node had condition: [MemoryPressure]. ' });
  const quiet = { eviction: () => ({ admit: true as const }), node: () => node };
  const self = pod('p', {}, { cpu: '1500m' });
  assert.deepEqual(await admitPod(quiet, self, [self]), { admit: true }, 'the pod itself is not counted');
  assert.deepEqual(rejectedPodStatus(pod('p', {}, { cpu: '1' }), 'OutOfcpu', "Node didn't have enough resource: cpu"), {
    phase: 'Failed',
    reason: 'OutOfcpu',
    message: "Pod was rejected: Node didn't have enough resource: cpu",
    qosClass: 'Burstable',
  });
});
