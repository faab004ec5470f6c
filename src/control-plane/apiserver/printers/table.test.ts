import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../../api/errors/status-error.js';
import { customColumnsPrinter } from './custom-columns.js';
import { defaultPrinter } from './default-printer.js';
import { hasPrinter, printerFor } from './registry.js';
import { buildTable, parseIncludeObject } from './table.js';
import { ago, DAY, MINUTE, NOW } from './testing.js';

const pod = (name: string, phase = 'Running') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'default',
    uid: `uid-${name}`,
    resourceVersion: '42',
    labels: { app: 'web' },
    creationTimestamp: ago(5 * MINUTE),
  },
  spec: { containers: [{ name: 'app', image: 'web:1' }], nodeName: 'node-1' },
  status: {
    phase,
    podIP: '10.42.0.5',
    containerStatuses: [
      {
        name: 'app',
        image: 'web:1',
        imageID: '',
        ready: phase === 'Running',
        restartCount: 0,
        state: phase === 'Running' ? { running: {} } : { terminated: { exitCode: 0, reason: 'Completed' } },
      },
    ],
  },
});

test('a list as a meta.k8s.io/v1 Table with PartialObjectMetadata rows', () => {
  const pods = [pod('web-1'), pod('web-2', 'Succeeded')];
  const table = buildTable(printerFor('', 'Pod'), pods, {
    includeObject: 'Metadata',
    now: NOW,
    listMeta: { resourceVersion: '100', continue: 'tok', remainingItemCount: 3 },
  });
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(table.metadata, { resourceVersion: '100', continue: 'tok', remainingItemCount: 3 });
  assert.deepEqual(Object.keys(table), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
  // Every column, wide ones included, with all five keys.
  assert.equal(table.columnDefinitions!.length, 9);
  assert.deepEqual(Object.keys(table.columnDefinitions![0]!), ['name', 'type', 'format', 'description', 'priority']);
  assert.deepEqual(table.rows[0], {
    cells: ['web-1', '1/1', 'Running', '0', '5m', '10.42.0.5', 'node-1', '<none>', '<none>'],
    object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pods[0]!.metadata },
  });
  assert.deepEqual(table.rows[1]!.conditions, [
    { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
  ]);
  assert.equal(table.rows[1]!.cells[2], 'Completed');
  // The objects themselves are untouched.
  assert.equal(Object.hasOwn(pods[0]!, 'cells'), false);
  assert.equal(pods[0]!.metadata.resourceVersion, '42');
});

test('includeObject variants', () => {
  const p = pod('web-1');
  const none = buildTable(printerFor('', 'Pod'), [p], { includeObject: 'None', now: NOW });
  assert.equal(Object.hasOwn(none.rows[0]!, 'object'), false);

  const full = buildTable(printerFor('', 'Pod'), [p], { includeObject: 'Object', now: NOW });
  assert.equal(full.rows[0]!.object, p);

  // List items without kind/apiVersion get them from typeMeta.
  const { kind: _k, apiVersion: _a, ...bare } = p;
  const filled = buildTable(printerFor('', 'Pod'), [bare], {
    includeObject: 'Object',
    now: NOW,
    typeMeta: { apiVersion: 'v1', kind: 'Pod' },
  });
  const obj = filled.rows[0]!.object as Record<string, unknown>;
  assert.deepEqual([obj.apiVersion, obj.kind, (obj.metadata as { name: string }).name], ['v1', 'Pod', 'web-1']);
  assert.equal(Object.hasOwn(bare, 'kind'), false);

  const beta = buildTable(printerFor('', 'Pod'), [p], {
    includeObject: 'Metadata',
    now: NOW,
    apiVersion: 'meta.k8s.io/v1beta1',
  });
  assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  assert.equal((beta.rows[0]!.object as { apiVersion: string }).apiVersion, 'meta.k8s.io/v1beta1');
});

test('single objects carry their resourceVersion; noHeaders omits the columns', () => {
  const one = buildTable(printerFor('', 'Pod'), [pod('web-1')], { includeObject: 'Metadata', now: NOW });
  assert.deepEqual(one.metadata, { resourceVersion: '42' });
  const event = buildTable(printerFor('', 'Pod'), [pod('web-1')], {
    includeObject: 'Metadata',
    now: NOW,
    noHeaders: true,
  });
  assert.equal(Object.hasOwn(event, 'columnDefinitions'), false);
  assert.equal(event.rows.length, 1);
  const empty = buildTable(printerFor('apps', 'Deployment'), [], { includeObject: 'Metadata', now: NOW, listMeta: {} });
  assert.deepEqual([empty.metadata, empty.rows], [{}, []]);
  assert.equal(empty.columnDefinitions!.length, 8);
});

test('printers that order lists (FlowSchema) are applied by buildTable', () => {
  const fs = (name: string, matchingPrecedence: number) => ({ metadata: { name }, spec: { matchingPrecedence } });
  const table = buildTable(
    printerFor('flowcontrol.apiserver.k8s.io', 'FlowSchema'),
    [fs('catch-all', 10000), fs('exempt', 1)],
    { includeObject: 'None', now: NOW, listMeta: {} },
  );
  assert.deepEqual(
    table.rows.map((r) => r.cells[0]),
    ['exempt', 'catch-all'],
  );
});

test('a printer producing the wrong number of cells is a programming error', () => {
  const broken = { columns: defaultPrinter.columns, print: () => ({ cells: ['only-one'] }) };
  assert.throws(() => buildTable(broken, [{}], { includeObject: 'None', now: NOW }), /1 cells for 2 columns/);
});

test('default printer: NAME and CREATED AT for kinds without one', () => {
  for (const [group, kind] of [
    ['rbac.authorization.k8s.io', 'Role'],
    ['rbac.authorization.k8s.io', 'ClusterRole'],
    ['', 'LimitRange'],
    ['apiextensions.k8s.io', 'CustomResourceDefinition'],
    ['example.com', 'Widget'],
  ]) {
    assert.equal(printerFor(group!, kind!), defaultPrinter, kind);
    assert.equal(hasPrinter(group!, kind!), false);
  }
  const t = buildTable(
    printerFor('rbac.authorization.k8s.io', 'Role'),
    [{ metadata: { name: 'reader', creationTimestamp: '2024-05-01T08:09:10Z' } }, { metadata: { name: 'new' } }],
    { includeObject: 'None', now: NOW, listMeta: { resourceVersion: '7' } },
  );
  assert.deepEqual(
    t.columnDefinitions!.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  assert.deepEqual(
    t.rows.map((r) => r.cells),
    [
      ['reader', '2024-05-01T08:09:10Z'],
      ['new', '0001-01-01T00:00:00Z'],
    ],
  );
});

test('every registered printer yields one cell per column, even for an empty object', () => {
  const kinds: [string, string][] = [
    ['', 'Pod'],
    ['', 'PodTemplate'],
    ['', 'ReplicationController'],
    ['', 'Service'],
    ['', 'Endpoints'],
    ['', 'Node'],
    ['', 'Namespace'],
    ['', 'Event'],
    ['', 'Secret'],
    ['', 'ConfigMap'],
    ['', 'ServiceAccount'],
    ['', 'PersistentVolume'],
    ['', 'PersistentVolumeClaim'],
    ['', 'ResourceQuota'],
    ['', 'ComponentStatus'],
    ['apps', 'ReplicaSet'],
    ['apps', 'Deployment'],
    ['apps', 'StatefulSet'],
    ['apps', 'DaemonSet'],
    ['apps', 'ControllerRevision'],
    ['batch', 'Job'],
    ['batch', 'CronJob'],
    ['autoscaling', 'HorizontalPodAutoscaler'],
    ['autoscaling', 'Scale'],
    ['policy', 'PodDisruptionBudget'],
    ['networking.k8s.io', 'Ingress'],
    ['networking.k8s.io', 'IngressClass'],
    ['networking.k8s.io', 'NetworkPolicy'],
    ['networking.k8s.io', 'ServiceCIDR'],
    ['networking.k8s.io', 'IPAddress'],
    ['discovery.k8s.io', 'EndpointSlice'],
    ['events.k8s.io', 'Event'],
    ['rbac.authorization.k8s.io', 'RoleBinding'],
    ['rbac.authorization.k8s.io', 'ClusterRoleBinding'],
    ['certificates.k8s.io', 'CertificateSigningRequest'],
    ['coordination.k8s.io', 'Lease'],
    ['storage.k8s.io', 'StorageClass'],
    ['storage.k8s.io', 'VolumeAttachment'],
    ['storage.k8s.io', 'CSIDriver'],
    ['storage.k8s.io', 'CSINode'],
    ['storage.k8s.io', 'CSIStorageCapacity'],
    ['scheduling.k8s.io', 'PriorityClass'],
    ['node.k8s.io', 'RuntimeClass'],
    ['admissionregistration.k8s.io', 'MutatingWebhookConfiguration'],
    ['admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
    ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'],
    ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding'],
    ['flowcontrol.apiserver.k8s.io', 'FlowSchema'],
    ['flowcontrol.apiserver.k8s.io', 'PriorityLevelConfiguration'],
  ];
  for (const [group, kind] of kinds) {
    assert.ok(hasPrinter(group, kind), `${group}/${kind} registered`);
    const p = printerFor(group, kind);
    const table = buildTable(p, [{ metadata: { name: 'x' } }], { includeObject: 'Metadata', now: NOW });
    assert.equal(table.rows[0]!.cells.length, table.columnDefinitions!.length, `${group}/${kind}`);
    assert.ok(
      table.columnDefinitions!.every(
        (c) => typeof c.description === 'string' && (c.priority === 0 || c.priority === 1),
      ),
      `${group}/${kind} column definitions`,
    );
    // The Name column carries the `name` format, with upstream's two exceptions.
    const names = table.columnDefinitions!.filter((c) => c.format === 'name').map((c) => c.name);
    const want = kind === 'Scale' ? [] : kind === 'VolumeAttachment' ? ['Name', 'Attacher'] : ['Name'];
    assert.deepEqual(names, want, `${group}/${kind}`);
  }
});

test('custom resource tables use the CRD columns', () => {
  const table = buildTable(
    customColumnsPrinter([{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }]),
    [
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w', creationTimestamp: ago(DAY) },
        status: { phase: 'Up' },
      },
    ],
    { includeObject: 'Metadata', now: NOW },
  );
  assert.deepEqual(table.rows[0]!.cells, ['w', 'Up']);
  assert.deepEqual(
    table.columnDefinitions!.map((c) => c.name),
    ['Name', 'Phase'],
  );
});

test('parseIncludeObject validates the query parameter', () => {
  assert.equal(parseIncludeObject(undefined), 'Metadata');
  assert.equal(parseIncludeObject(''), 'Metadata');
  assert.equal(parseIncludeObject('None'), 'None');
  assert.equal(parseIncludeObject('Object'), 'Object');
  assert.throws(
    () => parseIncludeObject('Everything'),
    (e: unknown) =>
      e instanceof StatusError &&
      e.code === 400 &&
      e.reason === 'BadRequest' &&
      e.message ===
        `Unable to convert to Table as requested: includeObject: Invalid value: "Everything": must be 'Metadata', 'Object', 'None', or empty`,
  );
});
