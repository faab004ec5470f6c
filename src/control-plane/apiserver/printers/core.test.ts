import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  componentStatusPrinter,
  configMapPrinter,
  namespacePrinter,
  nodePrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { ago, columnNames, DAY, HOUR, rowOf } from './testing.js';

function node(opts: {
  ready?: string | string[];
  labels?: Record<string, string>;
  unschedulable?: boolean;
  info?: boolean;
}): Node {
  const readies = opts.ready === undefined ? [] : Array.isArray(opts.ready) ? opts.ready : [opts.ready];
  return {
    metadata: { name: 'node-1', labels: opts.labels ?? {}, creationTimestamp: ago(12 * DAY) },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        ...readies.map((status) => ({ type: 'Ready', status })),
      ],
      addresses: [
        { type: 'Hostname', address: 'node-1' },
        { type: 'InternalIP', address: '192.168.1.10' },
        { type: 'InternalIP', address: '192.168.1.11' },
      ],
      ...(opts.info === false
        ? {}
        : {
            nodeInfo: {
              kubeletVersion: 'v1.32.4-kubets',
              osImage: 'Debian GNU/Linux 12 (bookworm)',
              kernelVersion: '6.1.0-18-amd64',
              containerRuntimeVersion: 'containerd://1.7.24',
              architecture: 'amd64',
              bootID: '',
              kubeProxyVersion: '',
              machineID: '',
              operatingSystem: 'linux',
              systemUUID: '',
            },
          }),
    },
  };
}

test('node columns', () => {
  assert.deepEqual(columnNames(nodePrinter), [
    'Name',
    'Status',
    'Roles',
    'Age',
    'Version',
    'Internal-IP*',
    'External-IP*',
    'OS-Image*',
    'Kernel-Version*',
    'Container-Runtime*',
  ]);
});

test('node STATUS from the Ready condition, cordoned nodes marked', () => {
  const cases: [Node, string][] = [
    [node({ ready: 'True' }), 'Ready'],
    [node({ ready: 'False' }), 'NotReady'],
    [node({ ready: 'Unknown' }), 'NotReady'],
    [node({}), 'Unknown'],
    [node({ ready: 'True', unschedulable: true }), 'Ready,SchedulingDisabled'],
    [node({ ready: 'False', unschedulable: true }), 'NotReady,SchedulingDisabled'],
    [node({ unschedulable: true }), 'Unknown,SchedulingDisabled'],
    // The last Ready condition wins, as in upstream's condition map.
    [node({ ready: ['False', 'True'] }), 'Ready'],
  ];
  for (const [n, want] of cases) assert.equal(rowOf(nodePrinter, n).Status, want, JSON.stringify(n.status?.conditions));
});

test('node ROLES from node-role labels and kubernetes.io/role', () => {
  const cases: [Record<string, string>, string][] = [
    [{}, '<none>'],
    [{ 'node-role.kubernetes.io/control-plane': '' }, 'control-plane'],
    [
      { 'node-role.kubernetes.io/worker': 'true', 'node-role.kubernetes.io/etcd': '', 'kubernetes.io/role': 'master' },
      'etcd,master,worker',
    ],
    [{ 'kubernetes.io/role': 'worker', 'node-role.kubernetes.io/worker': '' }, 'worker'],
    [{ 'kubernetes.io/role': '', 'node-role.kubernetes.io/': '' }, '<none>'],
  ];
  for (const [labels, want] of cases) assert.equal(rowOf(nodePrinter, node({ ready: 'True', labels })).Roles, want);
});

test('node version and wide cells', () => {
  assert.deepEqual(rowOf(nodePrinter, node({ ready: 'True' })), {
    Name: 'node-1',
    Status: 'Ready',
    Roles: '<none>',
    Age: '12d',
    Version: 'v1.32.4-kubets',
    'Internal-IP': '192.168.1.10',
    'External-IP': '<none>',
    'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
    'Kernel-Version': '6.1.0-18-amd64',
    'Container-Runtime': 'containerd://1.7.24',
  });
  const bare = rowOf(nodePrinter, node({ info: false }));
  assert.deepEqual(
    [bare.Version, bare['OS-Image'], bare['Kernel-Version'], bare['Container-Runtime']],
    ['', '<unknown>', '<unknown>', '<unknown>'],
  );
});

test('namespace, secret, config map and service account', () => {
  const meta = (name: string) => ({ name, creationTimestamp: ago(2 * HOUR) });
  assert.deepEqual(rowOf(namespacePrinter, { metadata: meta('kube-system'), status: { phase: 'Active' } }), {
    Name: 'kube-system',
    Status: 'Active',
    Age: '120m',
  });
  assert.equal(
    rowOf(namespacePrinter, { metadata: meta('x'), status: { phase: 'Terminating' } }).Status,
    'Terminating',
  );
  assert.deepEqual(
    rowOf(secretPrinter, {
      metadata: meta('tls'),
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'YQ==', 'tls.key': 'Yg==' },
    }),
    { Name: 'tls', Type: 'kubernetes.io/tls', Data: 2, Age: '120m' },
  );
  assert.equal(
    rowOf(secretPrinter, { metadata: meta('e'), type: 'Opaque', data: { a: '' }, stringData: { a: 'x', b: 'y' } }).Data,
    2,
  );
  assert.deepEqual(rowOf(configMapPrinter, { metadata: meta('cfg'), data: { a: '1' }, binaryData: { b: 'AA==' } }), {
    Name: 'cfg',
    Data: 2,
    Age: '120m',
  });
  assert.equal(rowOf(configMapPrinter, { metadata: meta('empty') }).Data, 0);
  assert.deepEqual(rowOf(serviceAccountPrinter, { metadata: meta('default') }), {
    Name: 'default',
    Secrets: 0,
    Age: '120m',
  });
  assert.equal(rowOf(serviceAccountPrinter, { metadata: meta('old'), secrets: [{ name: 'old-token' }] }).Secrets, 1);
});

test('resource quota: AGE before REQUEST and LIMIT (v1.32), used/hard sorted by resource', () => {
  assert.deepEqual(columnNames(resourceQuotaPrinter), ['Name', 'Age', 'Request', 'Limit']);
  const r = rowOf(resourceQuotaPrinter, {
    metadata: { name: 'compute', creationTimestamp: ago(DAY * 3) },
    status: {
      hard: { 'requests.memory': '1Gi', 'limits.cpu': '4', pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi' },
      used: { 'requests.cpu': '500m', 'limits.cpu': '1', pods: '3', 'requests.memory': '256Mi' },
    },
  });
  assert.deepEqual(r, {
    Name: 'compute',
    Age: '3d',
    Request: 'pods: 3/10, requests.cpu: 500m/2, requests.memory: 256Mi/1Gi',
    Limit: 'limits.cpu: 1/4, limits.memory: 0/2Gi',
  });
  assert.deepEqual(rowOf(resourceQuotaPrinter, { metadata: { name: 'new' } }), {
    Name: 'new',
    Age: '<unknown>',
    Request: '',
    Limit: '',
  });
});

test('component status: Healthy condition', () => {
  assert.deepEqual(
    rowOf(componentStatusPrinter, {
      metadata: { name: 'etcd-0' },
      conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
    }),
    { Name: 'etcd-0', Status: 'Healthy', Message: 'ok', Error: '' },
  );
  assert.deepEqual(
    rowOf(componentStatusPrinter, {
      metadata: { name: 'scheduler' },
      conditions: [{ type: 'Healthy', status: 'False', error: 'connection refused' }],
    }),
    { Name: 'scheduler', Status: 'Unhealthy', Message: '', Error: 'connection refused' },
  );
  assert.equal(rowOf(componentStatusPrinter, { metadata: { name: 'x' } }).Status, 'Unknown');
});
