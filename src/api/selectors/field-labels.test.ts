import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors/status-error.js';
import { fieldsOf, supportedFieldLabels, validateFieldSelector } from './field-labels.js';
import { parseFieldSelector } from './field-selector.js';

const pod = {
  metadata: { name: 'web-0', namespace: 'default' },
  spec: {
    nodeName: 'node-1',
    restartPolicy: 'Always',
    schedulerName: 'default-scheduler',
    serviceAccountName: 'default',
    hostNetwork: true,
  },
  status: {
    phase: 'Running',
    podIP: '10.42.0.5',
    podIPs: [{ ip: '10.42.0.5' }, { ip: 'fd00::5' }],
    nominatedNodeName: 'node-2',
  },
};

test('fieldsOf: per-resource values (upstream ToSelectableFields)', () => {
  const cases: [string, string, unknown, Record<string, string>][] = [
    [
      '',
      'pods',
      pod,
      {
        'metadata.name': 'web-0',
        'metadata.namespace': 'default',
        'spec.nodeName': 'node-1',
        'spec.restartPolicy': 'Always',
        'spec.schedulerName': 'default-scheduler',
        'spec.serviceAccountName': 'default',
        'spec.hostNetwork': 'true',
        'status.phase': 'Running',
        'status.podIP': '10.42.0.5',
        'status.nominatedNodeName': 'node-2',
      },
    ],
    [
      '',
      'pods',
      { metadata: { name: 'p' } },
      {
        'metadata.name': 'p',
        'metadata.namespace': '',
        'spec.nodeName': '',
        'spec.restartPolicy': '',
        'spec.schedulerName': '',
        'spec.serviceAccountName': '',
        'spec.hostNetwork': 'false',
        'status.phase': '',
        'status.podIP': '',
        'status.nominatedNodeName': '',
      },
    ],
    [
      '',
      'nodes',
      { metadata: { name: 'n1' }, spec: { unschedulable: true } },
      { 'metadata.name': 'n1', 'metadata.namespace': '', 'spec.unschedulable': 'true' },
    ],
    [
      '',
      'nodes',
      { metadata: { name: 'n2' } },
      { 'metadata.name': 'n2', 'metadata.namespace': '', 'spec.unschedulable': 'false' },
    ],
    [
      '',
      'namespaces',
      { metadata: { name: 'ns' }, status: { phase: 'Terminating' } },
      { 'metadata.name': 'ns', 'metadata.namespace': '', 'status.phase': 'Terminating' },
    ],
    [
      '',
      'secrets',
      { metadata: { name: 's', namespace: 'a' }, type: 'kubernetes.io/tls' },
      { 'metadata.name': 's', 'metadata.namespace': 'a', type: 'kubernetes.io/tls' },
    ],
    [
      '',
      'services',
      { metadata: { name: 'svc', namespace: 'a' }, spec: { clusterIP: '10.43.0.10', type: 'ClusterIP' } },
      { 'metadata.name': 'svc', 'metadata.namespace': 'a', 'spec.clusterIP': '10.43.0.10', 'spec.type': 'ClusterIP' },
    ],
    [
      '',
      'replicationcontrollers',
      { metadata: { name: 'rc', namespace: 'a' }, status: { replicas: 3 } },
      { 'metadata.name': 'rc', 'metadata.namespace': 'a', 'status.replicas': '3' },
    ],
    [
      'batch',
      'jobs',
      { metadata: { name: 'j', namespace: 'a' }, status: {} },
      { 'metadata.name': 'j', 'metadata.namespace': 'a', 'status.successful': '0' },
    ],
    [
      'batch',
      'jobs',
      { metadata: { name: 'j', namespace: 'a' }, status: { succeeded: 2 } },
      { 'metadata.name': 'j', 'metadata.namespace': 'a', 'status.successful': '2' },
    ],
    [
      'certificates.k8s.io',
      'certificatesigningrequests',
      { metadata: { name: 'csr' }, spec: { signerName: 'kubernetes.io/kubelet-serving' } },
      { 'metadata.name': 'csr', 'metadata.namespace': '', 'spec.signerName': 'kubernetes.io/kubelet-serving' },
    ],
    [
      '',
      'configmaps',
      { metadata: { name: 'cm', namespace: 'a' }, data: {} },
      { 'metadata.name': 'cm', 'metadata.namespace': 'a' },
    ],
    [
      'apps',
      'replicasets',
      { metadata: { name: 'rs', namespace: 'a' }, status: { replicas: 2 } },
      { 'metadata.name': 'rs', 'metadata.namespace': 'a' },
    ],
  ];
  for (const [group, resource, obj, want] of cases)
    assert.deepEqual(fieldsOf(group, resource, obj), want, `${group}/${resource}`);
});

test('fieldsOf: core and events.k8s.io events', () => {
  const event = {
    metadata: { name: 'e1', namespace: 'default' },
    involvedObject: {
      kind: 'Pod',
      namespace: 'default',
      name: 'web-0',
      uid: 'u-1',
      apiVersion: 'v1',
      resourceVersion: '42',
      fieldPath: 'spec.containers{app}',
    },
    reason: 'Scheduled',
    reportingComponent: 'default-scheduler',
    source: {},
    type: 'Normal',
  };
  assert.deepEqual(fieldsOf('', 'events', event), {
    'metadata.name': 'e1',
    'metadata.namespace': 'default',
    'involvedObject.kind': 'Pod',
    'involvedObject.namespace': 'default',
    'involvedObject.name': 'web-0',
    'involvedObject.uid': 'u-1',
    'involvedObject.apiVersion': 'v1',
    'involvedObject.resourceVersion': '42',
    'involvedObject.fieldPath': 'spec.containers{app}',
    reason: 'Scheduled',
    reportingComponent: 'default-scheduler',
    // The source falls back to the reporting controller when no component is set.
    source: 'default-scheduler',
    type: 'Normal',
  });
  assert.equal(fieldsOf('', 'events', { ...event, source: { component: 'kubelet' } }).source, 'kubelet');

  const v1 = {
    metadata: { name: 'e2', namespace: 'default' },
    regarding: { kind: 'Node', name: 'n1', uid: 'u-2' },
    reason: 'Ready',
    reportingController: 'kubelet',
    type: 'Normal',
  };
  const f = fieldsOf('events.k8s.io', 'events', v1);
  assert.equal(f['regarding.kind'], 'Node');
  assert.equal(f['regarding.name'], 'n1');
  assert.equal(f['regarding.namespace'], '');
  assert.equal(f.reportingController, 'kubelet');
  assert.equal(f.reason, 'Ready');
  assert.equal(fieldsOf('events.k8s.io', 'events', event)['regarding.name'], 'web-0');
});

test('validateFieldSelector: accepted labels pass and aliases are rewritten', () => {
  const ok: [string, string, string, string][] = [
    ['', 'pods', 'spec.nodeName=n1,status.phase!=Failed', 'spec.nodeName=n1,status.phase!=Failed'],
    ['', 'pods', 'spec.host=n1', 'spec.nodeName=n1'],
    ['', 'pods', 'status.podIPs=10.42.0.5', 'status.podIPs=10.42.0.5'],
    ['', 'pods', 'metadata.namespace=default,metadata.name=x', 'metadata.name=x,metadata.namespace=default'],
    ['', 'nodes', 'spec.unschedulable=false', 'spec.unschedulable=false'],
    ['', 'namespaces', 'status.phase=Active', 'status.phase=Active'],
    ['', 'secrets', 'type=Opaque', 'type=Opaque'],
    ['', 'services', 'spec.type=NodePort,spec.clusterIP=None', 'spec.clusterIP=None,spec.type=NodePort'],
    ['', 'replicationcontrollers', 'status.replicas=0', 'status.replicas=0'],
    [
      '',
      'events',
      'involvedObject.name=web-0,type=Warning,source=kubelet',
      'involvedObject.name=web-0,source=kubelet,type=Warning',
    ],
    ['events.k8s.io', 'events', 'regarding.kind=Pod,reportingController=k', 'regarding.kind=Pod,reportingController=k'],
    ['batch', 'jobs', 'status.successful=1', 'status.successful=1'],
    ['certificates.k8s.io', 'certificatesigningrequests', 'spec.signerName=x', 'spec.signerName=x'],
    ['', 'configmaps', 'metadata.name=x', 'metadata.name=x'],
    ['example.com', 'widgets', 'metadata.namespace=a', 'metadata.namespace=a'],
    ['', 'pods', '', ''],
  ];
  for (const [group, resource, sel, want] of ok) {
    assert.equal(
      validateFieldSelector(group, resource, parseFieldSelector(sel)).toString(),
      want,
      `${resource}: ${sel}`,
    );
  }
});

test('validateFieldSelector: unsupported labels throw 400 with upstream messages', () => {
  const bad: [string, string, string, string][] = [
    ['', 'pods', 'spec.foo=x', 'field label not supported: spec.foo'],
    ['', 'pods', 'metadata.name=a,status.hostIP=1', 'field label not supported: status.hostIP'],
    // Cluster-scoped kinds do not accept metadata.namespace.
    ['', 'nodes', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['', 'namespaces', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['', 'events', 'regarding.kind=Pod', 'field label not supported: regarding.kind'],
    ['events.k8s.io', 'events', 'involvedObject.kind=Pod', 'field label not supported: involvedObject.kind'],
    ['batch', 'jobs', 'status.active=1', 'field label "status.active" not supported for Job'],
    // Kinds without a conversion func fall back to the metadata-only default.
    [
      '',
      'configmaps',
      'data.x=1',
      '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    [
      'apps',
      'replicasets',
      'status.replicas=1',
      '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    ],
    ['', 'pods', 'a = b', 'field label not supported: a '],
  ];
  for (const [group, resource, sel, message] of bad) {
    assert.throws(
      () => validateFieldSelector(group, resource, parseFieldSelector(sel)),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message,
      `${resource}: ${sel}`,
    );
  }
});

test('end to end: validated selector against fieldsOf', () => {
  const match = (sel: string, obj: unknown, group = '', resource = 'pods') =>
    validateFieldSelector(group, resource, parseFieldSelector(sel)).matches(fieldsOf(group, resource, obj));
  assert.equal(match('spec.host=node-1', pod), true);
  assert.equal(match('spec.nodeName=node-2', pod), false);
  assert.equal(match('spec.hostNetwork=true', pod), true);
  assert.equal(match('spec.hostNetwork=false', { metadata: { name: 'x' } }), true);
  assert.equal(match('status.podIP=10.42.0.5', pod), true);
  // Accepted but never set upstream: reads as "" whatever the pod's IPs are.
  assert.equal(match('status.podIPs=10.42.0.5', pod), false);
  assert.equal(match('status.podIPs=', pod), true);
  assert.equal(match('metadata.namespace=default,status.phase!=Succeeded', pod), true);
  assert.equal(
    match('spec.unschedulable=true', { metadata: { name: 'n' }, spec: { unschedulable: true } }, '', 'nodes'),
    true,
  );
});

test('supportedFieldLabels', () => {
  assert.deepEqual(supportedFieldLabels('', 'nodes'), ['metadata.name', 'spec.unschedulable']);
  assert.deepEqual(supportedFieldLabels('', 'configmaps'), ['metadata.name', 'metadata.namespace']);
  assert.equal(supportedFieldLabels('', 'pods').includes('spec.host'), false);
});
