import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  validatePodBinding,
  validatePodEphemeralContainersUpdate,
  validatePodStatusUpdate,
  validatePodUpdate,
} from './pod.js';
import { clone, container, kinds, messages, pod } from './testdata.js';

function updated(mutate: (p: Pod) => void, base: Pod = pod()): [Pod, Pod] {
  const next = clone(base);
  mutate(next);
  return [next, base];
}

test('pod updates may only change images, deadlines, added tolerations and removed gates', () => {
  const allowed: [string, (p: Pod) => void][] = [
    ['image', (p) => (p.spec!.containers[0]!.image = 'busybox:1.37')],
    ['labels', (p) => (p.metadata!.labels = { app: 'web', v: '2' })],
    ['activeDeadlineSeconds set', (p) => (p.spec!.activeDeadlineSeconds = 60)],
    ['toleration added', (p) => (p.spec!.tolerations = [{ key: 'k', operator: 'Exists' }])],
  ];
  for (const [name, m] of allowed) assert.deepEqual(kinds(validatePodUpdate(...updated(m))), [], name);

  const [np, op] = updated((p) => (p.spec!.restartPolicy = 'Never'));
  const errs = validatePodUpdate(np, op);
  assert.deepEqual(kinds(errs), ['FieldValueForbidden spec']);
  assert.match(
    messages(errs)[0]!,
    /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/,
  );
  assert.match(messages(errs)[0]!, /restartPolicy: "Always"/);

  const cases: [string, (p: Pod) => void, string[], Pod?][] = [
    ['add container', (p) => p.spec!.containers.push(container('b')), ['FieldValueForbidden spec.containers']],
    [
      'clear image',
      (p) => (p.spec!.containers[0]!.image = ''),
      ['FieldValueRequired spec.containers[0].image', 'FieldValueRequired spec.containers[0].image'],
    ],
    [
      'raise deadline',
      (p) => (p.spec!.activeDeadlineSeconds = 100),
      ['FieldValueInvalid spec.activeDeadlineSeconds'],
      pod({ activeDeadlineSeconds: 50 }),
    ],
    [
      'drop deadline',
      (p) => delete p.spec!.activeDeadlineSeconds,
      ['FieldValueInvalid spec.activeDeadlineSeconds'],
      pod({ activeDeadlineSeconds: 50 }),
    ],
    [
      'change toleration',
      (p) => (p.spec!.tolerations = [{ key: 'k2', operator: 'Exists' }]),
      ['FieldValueForbidden spec.tolerations'],
      pod({ tolerations: [{ key: 'k', operator: 'Exists' }] }),
    ],
    [
      'add scheduling gate',
      (p) => (p.spec!.schedulingGates = [{ name: 'x.io/g' }]),
      ['FieldValueForbidden spec.schedulingGates[0].name'],
    ],
    ['rename', (p) => (p.metadata!.name = 'other'), ['FieldValueInvalid metadata.name']],
  ];
  for (const [name, m, want, base] of cases)
    assert.deepEqual(kinds(validatePodUpdate(...updated(m, base))), want, name);
});

test('pod status updates', () => {
  const base = pod({ nodeName: 'n1', restartPolicy: 'Never' });
  (base as { status?: Pod['status'] }).status = {
    qosClass: 'BestEffort',
    containerStatuses: [
      { name: 'app', ready: false, restartCount: 0, image: 'x', imageID: '', state: { terminated: { exitCode: 0 } } },
    ],
  };
  const cases: [string, (p: Pod) => void, string[]][] = [
    ['phase change', (p) => (p.status!.phase = 'Succeeded'), []],
    ['node change', (p) => (p.spec!.nodeName = 'n2'), ['FieldValueForbidden status.nodeName']],
    ['qos change', (p) => (p.status!.qosClass = 'Burstable'), ['FieldValueInvalid status.qosClass']],
    [
      'revive container',
      (p) => (p.status!.containerStatuses![0]!.state = { running: {} }),
      ['FieldValueForbidden status.containerStatuses[0].state'],
    ],
    ['bad pod IP', (p) => (p.status!.podIPs = [{ ip: '10.1.1' }]), ['FieldValueInvalid status.podIPs[0]']],
    [
      'two IPv4 pod IPs',
      (p) => (p.status!.podIPs = [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }]),
      ['FieldValueInvalid status.podIPs'],
    ],
    [
      'custom condition type',
      (p) => (p.status!.conditions = [{ type: 'bad type', status: 'True' }]),
      ['FieldValueInvalid metadata.conditions[0].Type'],
    ],
  ];
  for (const [name, m, want] of cases)
    assert.deepEqual(kinds(validatePodStatusUpdate(...updated(m, base))), want, name);
});

test('ephemeral containers subresource and binding', () => {
  const base = pod();
  const debug = {
    name: 'debug',
    image: 'busybox',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'Always',
    targetContainerName: 'app',
  };
  assert.deepEqual(
    kinds(validatePodEphemeralContainersUpdate(...updated((p) => (p.spec!.ephemeralContainers = [debug]), base))),
    [],
  );
  assert.deepEqual(
    kinds(
      validatePodEphemeralContainersUpdate(
        ...updated(
          (p) =>
            (p.spec!.ephemeralContainers = [
              { ...debug, targetContainerName: 'nope', ports: [{ containerPort: 80, protocol: 'TCP' }] },
            ]),
          base,
        ),
      ),
    ),
    [
      'FieldValueNotFound spec.ephemeralContainers[0].targetContainerName',
      'FieldValueForbidden spec.ephemeralContainers[0].ports',
    ],
  );
  const withDebug = clone(base);
  withDebug.spec!.ephemeralContainers = [debug];
  assert.deepEqual(
    kinds(validatePodEphemeralContainersUpdate(...updated((p) => (p.spec!.ephemeralContainers = []), withDebug))),
    ['FieldValueForbidden spec.ephemeralContainers'],
  );
  assert.deepEqual(kinds(validatePodBinding({ target: { kind: 'Node', name: 'n1' } })), []);
  assert.deepEqual(kinds(validatePodBinding({ target: { kind: 'Pod' } })), [
    'FieldValueNotSupported target.kind',
    'FieldValueRequired target.name',
  ]);
});
