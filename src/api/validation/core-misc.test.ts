import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ConfigMap,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  ResourceQuota,
  Secret,
} from 'kubernetes-types/core/v1.js';
import { validateNamespace, validateNamespaceStatusUpdate, validateNode, validateNodeUpdate } from './cluster.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config.js';
import { validateEvent, validateEventUpdate } from './event.js';
import { validateLimitRange, validateResourceQuota, validateResourceQuotaUpdate } from './quota.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
} from './storage.js';
import { clone, kinds, messages } from './testdata.js';

const meta = (name: string, namespace?: string) => ({ name, namespace, uid: 'u', resourceVersion: '1' });
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('configmaps: keys, binaryData clashes, 1 MiB total, immutability', () => {
  const cm: ConfigMap = {
    metadata: meta('cfg', 'default'),
    data: { 'app.conf': 'x=1' },
    binaryData: { 'logo.png': b64('png') },
  };
  assert.deepEqual(kinds(validateConfigMap(cm)), []);
  const cases: [string, Partial<ConfigMap>, string[]][] = [
    ['bad key', { data: { 'a b': 'x' } }, ['FieldValueInvalid data[a b]']],
    ['dot-dot key', { data: { '..x': 'x' } }, ['FieldValueInvalid data[..x]']],
    ['duplicate in binaryData', { data: { k: 'x' }, binaryData: { k: b64('y') } }, ['FieldValueInvalid data[k]']],
    ['too large', { data: { k: 'x'.repeat(1024 * 1024 + 1) } }, ['FieldValueTooLong ']],
  ];
  for (const [name, extra, want] of cases)
    assert.deepEqual(kinds(validateConfigMap({ metadata: cm.metadata, ...extra })), want, name);
  assert.deepEqual(messages(validateConfigMap({ metadata: cm.metadata, data: { 'a b': 'x' } })), [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
  ]);
  const frozen = { ...cm, immutable: true };
  const changed = { ...clone(frozen), data: { 'app.conf': 'x=2' } };
  assert.deepEqual(kinds(validateConfigMapUpdate(changed, frozen)), ['FieldValueForbidden data']);
  assert.deepEqual(kinds(validateConfigMapUpdate({ ...clone(frozen), immutable: false }, frozen)), [
    'FieldValueForbidden immutable',
  ]);
});

test('secrets: typed secrets need their keys; data is sized decoded', () => {
  const s = (type: string, data: Record<string, string>, annotations?: Record<string, string>): Secret => ({
    metadata: { ...meta('s', 'default'), annotations },
    type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  });
  const cases: [string, Secret, string[]][] = [
    ['opaque', s('Opaque', { a: 'b' }), []],
    [
      'sa token without annotation',
      s('kubernetes.io/service-account-token', {}),
      ['FieldValueRequired metadata.annotations[kubernetes.io/service-account.name]'],
    ],
    ['sa token', s('kubernetes.io/service-account-token', {}, { 'kubernetes.io/service-account.name': 'default' }), []],
    ['dockercfg missing', s('kubernetes.io/dockercfg', {}), ['FieldValueRequired data[.dockercfg]']],
    [
      'dockerconfigjson not json',
      s('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{bad' }),
      ['FieldValueInvalid data[.dockerconfigjson]'],
    ],
    ['dockerconfigjson', s('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': '{"auths":{}}' }), []],
    [
      'basic-auth',
      s('kubernetes.io/basic-auth', {}),
      ['FieldValueRequired data[username]', 'FieldValueRequired data[password]'],
    ],
    ['basic-auth username only', s('kubernetes.io/basic-auth', { username: 'u' }), []],
    ['ssh-auth', s('kubernetes.io/ssh-auth', {}), ['FieldValueRequired data[ssh-privatekey]']],
    ['tls', s('kubernetes.io/tls', { 'tls.crt': 'c' }), ['FieldValueRequired data[tls.key]']],
    ['too large', s('Opaque', { a: 'x'.repeat(1024 * 1024 + 1) }), ['FieldValueTooLong data']],
  ];
  for (const [name, secret, want] of cases) assert.deepEqual(kinds(validateSecret(secret)), want, name);
  // stringData counts as data (it is merged in before validation upstream).
  assert.deepEqual(
    kinds(
      validateSecret({
        metadata: meta('s', 'd'),
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': 'c', 'tls.key': 'k' },
      }),
    ),
    [],
  );
  const old = s('Opaque', { a: 'b' });
  assert.deepEqual(
    kinds(
      validateSecretUpdate(
        { ...clone(old), type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } },
        old,
      ),
    ),
    ['FieldValueInvalid type'],
  );
  assert.deepEqual(messages(validateSecretUpdate({ ...clone(old), type: 'x' }, old)), [
    'type: Invalid value: "x": field is immutable',
  ]);
});

test('namespaces and nodes', () => {
  const ns: Namespace = { metadata: { name: 'team-a' }, spec: { finalizers: ['kubernetes'] } };
  assert.deepEqual(kinds(validateNamespace(ns)), []);
  assert.deepEqual(kinds(validateNamespace({ metadata: { name: 'team.a' } })), ['FieldValueInvalid metadata.name']);
  assert.deepEqual(kinds(validateNamespace({ metadata: { name: 'a' }, spec: { finalizers: ['custom'] } })), [
    'FieldValueInvalid spec.finalizers',
  ]);
  const active = { metadata: meta('a'), status: { phase: 'Active' } };
  assert.deepEqual(kinds(validateNamespaceStatusUpdate(active, active)), []);
  assert.deepEqual(kinds(validateNamespaceStatusUpdate({ ...active, status: { phase: 'Terminating' } }, active)), [
    'FieldValueInvalid status.Phase',
  ]);

  const node: Node = {
    metadata: meta('node-1'),
    spec: { podCIDRs: ['10.42.0.0/24'], taints: [{ key: 'k', effect: 'NoSchedule' }] },
    status: { capacity: { cpu: '2', pods: '110' } },
  };
  assert.deepEqual(kinds(validateNode(node)), []);
  const cases: [string, Node['spec'], Node['status'], string[]][] = [
    [
      'taint effect',
      { taints: [{ key: 'k', effect: 'Sometimes' }] },
      {},
      ['FieldValueNotSupported metadata.taints[0].effect'],
    ],
    [
      'taint effect required',
      { taints: [{ key: 'k', effect: '' }] },
      {},
      ['FieldValueRequired metadata.taints[0].effect'],
    ],
    [
      'duplicate taints',
      {
        taints: [
          { key: 'k', effect: 'NoSchedule' },
          { key: 'k', value: 'v', effect: 'NoSchedule' },
        ],
      },
      {},
      ['FieldValueDuplicate metadata.taints[1]'],
    ],
    ['bad cidr', { podCIDRs: ['10.42.0.0/33'] }, {}, ['FieldValueInvalid spec.podCIDRs[0]']],
    ['two ipv4 cidrs', { podCIDRs: ['10.42.0.0/24', '10.43.0.0/24'] }, {}, ['FieldValueInvalid spec.podCIDRs']],
    ['fractional pods', {}, { capacity: { pods: '1.5' } }, ['FieldValueInvalid status.capacity.pods']],
  ];
  for (const [name, spec, status, want] of cases)
    assert.deepEqual(kinds(validateNode({ metadata: meta('n'), spec, status })), want, name);
  const updated = clone(node);
  updated.spec!.podCIDRs = ['10.42.1.0/24'];
  updated.spec!.unschedulable = true;
  assert.deepEqual(messages(validateNodeUpdate(updated, node)), [
    'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid',
  ]);
  const assigned = clone(node);
  delete assigned.spec!.podCIDRs;
  assert.deepEqual(kinds(validateNodeUpdate(node, assigned)), []);
});

test('limit ranges and resource quotas', () => {
  const lr = (limits: NonNullable<LimitRange['spec']>['limits']): LimitRange => ({
    metadata: meta('lr', 'default'),
    spec: { limits },
  });
  assert.deepEqual(
    kinds(
      validateLimitRange(
        lr([
          {
            type: 'Container',
            max: { cpu: '2' },
            min: { cpu: '100m' },
            default: { cpu: '500m' },
            defaultRequest: { cpu: '200m' },
          },
        ]),
      ),
    ),
    [],
  );
  const cases: [string, LimitRange, string[]][] = [
    [
      'min above max',
      lr([{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }]),
      ['FieldValueInvalid spec.limits[0].min[cpu]'],
    ],
    ['bad type', lr([{ type: 'Node' }]), ['FieldValueInvalid spec.limits[0].type']],
    ['duplicate type', lr([{ type: 'Pod' }, { type: 'Pod' }]), ['FieldValueDuplicate spec.limits[1].type']],
    ['pod default', lr([{ type: 'Pod', default: { cpu: '1' } }]), ['FieldValueForbidden spec.limits[0].default']],
    ['pvc needs storage bound', lr([{ type: 'PersistentVolumeClaim' }]), ['FieldValueRequired spec.limits[0].limits']],
    [
      'ratio below 1',
      lr([{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }]),
      ['FieldValueInvalid spec.limits[0].maxLimitRequestRatio[cpu]'],
    ],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(kinds(validateLimitRange(obj)), want, name);
  assert.deepEqual(messages(validateLimitRange(lr([{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }]))), [
    'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
  ]);

  const rq = (spec: ResourceQuota['spec']): ResourceQuota => ({ metadata: meta('q', 'default'), spec });
  assert.deepEqual(
    kinds(validateResourceQuota(rq({ hard: { pods: '10', 'requests.cpu': '4', 'count/deployments.apps': '5' } }))),
    [],
  );
  const qcases: [string, ResourceQuota['spec'], string[]][] = [
    ['fractional pods', { hard: { pods: '1.5' } }, ['FieldValueInvalid spec.hard[pods]']],
    ['negative', { hard: { cpu: '-1' } }, ['FieldValueInvalid spec.hard[cpu]']],
    [
      'unknown resource',
      { hard: { widgets: '1' } },
      ['FieldValueInvalid spec.hard[widgets]', 'FieldValueInvalid spec.hard[widgets]'],
    ],
    [
      'conflicting scopes',
      { hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] },
      ['FieldValueInvalid spec.scopes'],
    ],
    ['scope not for resource', { hard: { cpu: '1' }, scopes: ['BestEffort'] }, ['FieldValueInvalid spec.scopes']],
  ];
  for (const [name, spec, want] of qcases) assert.deepEqual(kinds(validateResourceQuota(rq(spec))), want, name);
  const old = rq({ hard: { pods: '1' }, scopes: ['Terminating'] });
  assert.deepEqual(kinds(validateResourceQuotaUpdate(rq({ hard: { pods: '2' }, scopes: ['NotTerminating'] }), old)), [
    'FieldValueInvalid spec.scopes',
  ]);
});

test('persistent volumes and claims', () => {
  const pv: PersistentVolume = {
    metadata: meta('pv1'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      capacity: { storage: '1Gi' },
      hostPath: { path: '/data' },
      persistentVolumeReclaimPolicy: 'Retain',
      volumeMode: 'Filesystem',
    },
  };
  assert.deepEqual(kinds(validatePersistentVolume(pv)), []);
  const cases: [string, Partial<NonNullable<PersistentVolume['spec']>>, string[]][] = [
    ['no access modes', { accessModes: [] }, ['FieldValueRequired spec.accessModes']],
    ['bad access mode', { accessModes: ['ReadWriteSometimes'] }, ['FieldValueNotSupported spec.accessModes']],
    [
      'RWOP with others',
      { accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] },
      ['FieldValueForbidden spec.accessModes'],
    ],
    ['no capacity', { capacity: {} }, ['FieldValueRequired spec.capacity', 'FieldValueNotSupported spec.capacity']],
    ['zero capacity', { capacity: { storage: '0' } }, ['FieldValueInvalid spec.capacity[storage]']],
    ['no source', { hostPath: undefined }, ['FieldValueRequired spec']],
    ['two sources', { nfs: { server: 's', path: '/p' } }, ['FieldValueForbidden spec.nfs']],
    [
      'local needs affinity',
      { hostPath: undefined, local: { path: '/mnt/d' } },
      ['FieldValueRequired spec.nodeAffinity'],
    ],
  ];
  for (const [name, extra, want] of cases)
    assert.deepEqual(
      kinds(validatePersistentVolume({ metadata: pv.metadata, spec: { ...pv.spec, ...extra } })),
      want,
      name,
    );
  const moved = clone(pv);
  moved.spec!.hostPath = { path: '/other' };
  assert.deepEqual(kinds(validatePersistentVolumeUpdate(moved, pv)), [
    'FieldValueForbidden spec.persistentvolumesource',
  ]);

  const pvc: PersistentVolumeClaim = {
    metadata: meta('data', 'default'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      volumeMode: 'Filesystem',
      storageClassName: 'local',
    },
  };
  assert.deepEqual(kinds(validatePersistentVolumeClaim(pvc)), []);
  assert.deepEqual(
    messages(
      validatePersistentVolumeClaim({
        metadata: pvc.metadata,
        spec: { accessModes: ['ReadWriteOnce'], resources: {} },
      }),
    ),
    ['spec.resources[storage]: Required value'],
  );
  assert.deepEqual(
    messages(validatePersistentVolumeClaim({ metadata: pvc.metadata, spec: { ...pvc.spec, accessModes: [] } })),
    ['spec.accessModes: Required value: at least 1 access mode is required'],
  );
  const bound = clone(pvc);
  bound.spec!.volumeName = 'pv1';
  assert.deepEqual(kinds(validatePersistentVolumeClaimUpdate(bound, pvc)), [], 'volumeName may be set once');
  const changed = clone(bound);
  changed.spec!.accessModes = ['ReadWriteMany'];
  assert.deepEqual(kinds(validatePersistentVolumeClaimUpdate(changed, bound)), ['FieldValueForbidden spec']);
});

test('events: legacy core/v1 rules and strict events.k8s.io rules', () => {
  const ev = {
    metadata: meta('web.1', 'default'),
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'Started',
    message: 'ok',
    type: 'Normal',
    count: 1,
  };
  assert.deepEqual(kinds(validateEvent(ev, false)), []);
  assert.deepEqual(
    kinds(validateEvent({ ...ev, involvedObject: { ...ev.involvedObject, namespace: 'other' } }, false)),
    ['FieldValueInvalid involvedObject.namespace'],
  );
  const strict = {
    metadata: meta('web.2', 'default'),
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    eventTime: '2026-01-01T00:00:00.000000Z',
    reportingComponent: 'kubelet',
    reportingInstance: 'node-1',
    action: 'Started',
    reason: 'Started',
    type: 'Normal',
  };
  assert.deepEqual(kinds(validateEvent(strict, true)), []);
  assert.deepEqual(kinds(validateEvent({ ...strict, action: '', type: 'Info', count: 2 }, true)), [
    'FieldValueRequired action',
    'FieldValueInvalid type',
    'FieldValueInvalid count',
  ]);
  assert.deepEqual(kinds(validateEventUpdate({ ...strict, reason: 'Other' }, strict, true)), [
    'FieldValueInvalid reason',
  ]);
});
