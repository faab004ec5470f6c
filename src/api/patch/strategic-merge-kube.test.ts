import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from './json-value.js';
import { openApiPatchSchema } from './openapi-patch-schema.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { kubeFixtureDefinitions } from './testdata/fixture-definitions.js';
import { deepFreeze, directiveKeys } from './testdata/helpers.js';
import { withPatchMetadata } from './with-patch-metadata.js';

// Kubernetes-shaped patches (what kubectl sends) against fixtures that get
// their patch metadata from the real patch table.
const definitions = withPatchMetadata(kubeFixtureDefinitions);
const podSchema = openApiPatchSchema(definitions, 'io.k8s.api.core.v1.Pod');
const deploymentSchema = openApiPatchSchema(definitions, 'io.k8s.api.apps.v1.Deployment');
const serviceSchema = openApiPatchSchema(definitions, 'io.k8s.api.core.v1.Service');
const nodeSchema = openApiPatchSchema(definitions, 'io.k8s.api.core.v1.Node');

function pod(spec: JsonObject, metadata: JsonObject = { name: 'web' }): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

const livePod = pod({
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      env: [{ name: 'A', value: '1' }],
      ports: [{ containerPort: 80, name: 'http' }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
      args: ['--a', '--b'],
    },
    { name: 'side', image: 'busybox' },
  ],
  volumes: [{ name: 'data', emptyDir: {} }],
  tolerations: [{ key: 'a', operator: 'Exists' }],
});

interface Case {
  name: string;
  schema?: typeof podSchema;
  original?: JsonObject;
  patch: JsonObject;
  /** Where to look in the result, and what must be there. */
  path: string[];
  want: unknown;
}

const cases: Case[] = [
  {
    name: 'kubectl set image merges the container by name and keeps the rest',
    patch: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } },
    path: ['spec', 'containers'],
    want: [
      { ...(livePod.spec as any).containers[0], image: 'nginx:1.28' },
      { name: 'side', image: 'busybox' },
    ],
  },
  {
    name: 'the kubectl apply body that deletes a sidecar (observed on the wire)',
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }],
        containers: [
          { image: 'nginx:1.28', name: 'nginx' },
          { $patch: 'delete', name: 'side' },
        ],
      },
    },
    path: ['spec', 'containers'],
    want: [{ ...(livePod.spec as any).containers[0], image: 'nginx:1.28' }],
  },
  {
    name: 'env merges by name: change, add, delete',
    original: pod({
      containers: [
        {
          name: 'c',
          env: [
            { name: 'A', value: '1' },
            { name: 'B', value: '2' },
          ],
        },
      ],
    }),
    patch: {
      spec: {
        containers: [
          {
            name: 'c',
            '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
            env: [
              { name: 'A', value: '10' },
              { name: 'C', value: '3' },
              { name: 'B', $patch: 'delete' },
            ],
          },
        ],
      },
    },
    path: ['spec', 'containers', '0', 'env'],
    want: [
      { name: 'A', value: '10' },
      { name: 'C', value: '3' },
    ],
  },
  {
    name: 'container ports merge by containerPort',
    patch: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
    path: ['spec', 'containers', '0', 'ports'],
    want: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
  },
  {
    name: 'volumeMounts merge by mountPath',
    patch: { spec: { containers: [{ name: 'nginx', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] } },
    path: ['spec', 'containers', '0', 'volumeMounts'],
    want: [{ name: 'data', mountPath: '/data', readOnly: true }],
  },
  {
    name: 'args are atomic: replaced whole',
    patch: { spec: { containers: [{ name: 'nginx', args: ['--c'] }] } },
    path: ['spec', 'containers', '0', 'args'],
    want: ['--c'],
  },
  {
    name: 'volumes merge by name and $retainKeys switches the volume source',
    patch: { spec: { volumes: [{ name: 'data', configMap: { name: 'cm' }, $retainKeys: ['configMap', 'name'] }] } },
    path: ['spec', 'volumes'],
    want: [{ name: 'data', configMap: { name: 'cm' } }],
  },
  {
    name: 'tolerations are atomic: replaced whole',
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    path: ['spec', 'tolerations'],
    want: [{ key: 'b', operator: 'Exists' }],
  },
  {
    name: 'finalizers are unioned and $deleteFromPrimitiveList removes one',
    original: pod({}, { name: 'web', finalizers: ['a', 'b'] }),
    patch: { metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
    path: ['metadata', 'finalizers'],
    want: ['c', 'b'],
  },
  {
    name: 'ownerReferences merge by uid',
    original: pod({}, { name: 'web', ownerReferences: [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet' }] }),
    patch: { metadata: { ownerReferences: [{ uid: 'u1', controller: true }] } },
    path: ['metadata', 'ownerReferences'],
    want: [{ uid: 'u1', name: 'rs', kind: 'ReplicaSet', controller: true }],
  },
  {
    name: 'kubectl label: labels merge and null removes one',
    original: pod({}, { name: 'web', labels: { app: 'web', tier: 'fe' } }),
    patch: { metadata: { labels: { tier: null, env: 'prod' } } },
    path: ['metadata', 'labels'],
    want: { app: 'web', env: 'prod' },
  },
  {
    name: 'Deployment strategy: $retainKeys drops rollingUpdate when switching to Recreate',
    schema: deploymentSchema,
    original: {
      kind: 'Deployment',
      spec: { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } },
    },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    path: ['spec'],
    want: { replicas: 2, strategy: { type: 'Recreate' } },
  },
  {
    name: 'Deployment pod template containers merge like a pod',
    schema: deploymentSchema,
    original: {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'x' },
              { name: 'b', image: 'y' },
            ],
          },
        },
      },
    },
    patch: { spec: { template: { spec: { containers: [{ name: 'b', image: 'z' }] } } } },
    path: ['spec', 'template', 'spec', 'containers'],
    want: [
      { name: 'a', image: 'x' },
      { name: 'b', image: 'z' },
    ],
  },
  {
    name: 'Service ports merge by port',
    schema: serviceSchema,
    original: { spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'a' } } },
    patch: {
      spec: {
        ports: [
          { port: 80, targetPort: 9090 },
          { port: 443, protocol: 'TCP' },
        ],
      },
    },
    path: ['spec', 'ports'],
    want: [
      { port: 80, protocol: 'TCP', targetPort: 9090 },
      { port: 443, protocol: 'TCP' },
    ],
  },
  {
    name: 'kubectl cordon sets unschedulable; node taints are atomic',
    schema: nodeSchema,
    original: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }], podCIDRs: ['10.42.0.0/24'] } },
    patch: { spec: { unschedulable: true, taints: [{ key: 'b', effect: 'NoExecute' }] } },
    path: ['spec'],
    want: { unschedulable: true, taints: [{ key: 'b', effect: 'NoExecute' }], podCIDRs: ['10.42.0.0/24'] },
  },
  {
    name: 'pod status conditions merge by type',
    original: {
      ...pod({}),
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    path: ['status', 'conditions'],
    want: [
      { type: 'Ready', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
  },
  {
    name: 'topologySpreadConstraints merge by topologyKey',
    original: pod({
      topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' }],
    }),
    patch: { spec: { topologySpreadConstraints: [{ topologyKey: 'zone', maxSkew: 2 }] } },
    path: ['spec', 'topologySpreadConstraints'],
    want: [{ topologyKey: 'zone', maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' }],
  },
];

function at(v: unknown, path: string[]): unknown {
  return path.reduce<unknown>((cur, p) => (cur as Record<string, unknown> | undefined)?.[p], v);
}

for (const c of cases) {
  test(`strategic merge (kube): ${c.name}`, () => {
    const original = deepFreeze(structuredClone(c.original ?? livePod));
    const got = applyStrategicMergePatch(original, deepFreeze(structuredClone(c.patch)), c.schema ?? podSchema);
    assert.deepStrictEqual(at(got, c.path), c.want);
    assert.deepStrictEqual(directiveKeys(got), []);
  });
}
