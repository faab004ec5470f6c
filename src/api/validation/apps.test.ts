import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DaemonSet, Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import {
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentStatusUpdate,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetUpdate,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './apps.js';
import { validateReplicationController } from './replication-controller.js';
import {
  clone,
  container,
  daemonSet,
  deployment,
  kinds,
  messages,
  replicaSet,
  statefulSet,
  template,
} from './testdata.js';

function mutated<T>(base: T, mutate: (o: T) => void): T {
  const o = clone(base);
  mutate(o);
  return o;
}

test('defaulted workloads are valid', () => {
  assert.deepEqual(messages(validateDeployment(deployment())), []);
  assert.deepEqual(messages(validateReplicaSet(replicaSet())), []);
  assert.deepEqual(messages(validateStatefulSet(statefulSet())), []);
  assert.deepEqual(messages(validateDaemonSet(daemonSet())), []);
});

test('deployment rules', () => {
  const cases: [string, (d: Deployment) => void, string[]][] = [
    ['negative replicas', (d) => (d.spec!.replicas = -1), ['FieldValueInvalid spec.replicas']],
    [
      'no selector',
      (d) => delete (d.spec as Partial<NonNullable<Deployment['spec']>>).selector,
      ['FieldValueRequired spec.selector', 'FieldValueInvalid spec.template.metadata.labels'],
    ],
    ['empty selector', (d) => (d.spec!.selector = {}), ['FieldValueInvalid spec.selector']],
    [
      'selector mismatch',
      (d) => (d.spec!.selector = { matchLabels: { app: 'other' } }),
      ['FieldValueInvalid spec.template.metadata.labels'],
    ],
    [
      'template pod spec',
      (d) => (d.spec!.template.spec!.containers[0]!.image = ''),
      ['FieldValueRequired spec.template.spec.containers[0].image'],
    ],
    [
      'template labels',
      (d) => (d.spec!.template.metadata!.labels = { app: 'web', 'bad key!': 'x' }),
      ['FieldValueInvalid spec.template.labels'],
    ],
    [
      'restartPolicy',
      (d) => (d.spec!.template.spec!.restartPolicy = 'Never'),
      ['FieldValueNotSupported spec.template.spec.restartPolicy'],
    ],
    ['strategy type', (d) => (d.spec!.strategy = { type: 'BlueGreen' }), ['FieldValueNotSupported spec.strategy']],
    [
      'recreate with rollingUpdate',
      (d) => (d.spec!.strategy!.type = 'Recreate'),
      ['FieldValueForbidden spec.strategy.rollingUpdate'],
    ],
    [
      'both zero',
      (d) => (d.spec!.strategy!.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' }),
      ['FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'over 100%',
      (d) => (d.spec!.strategy!.rollingUpdate = { maxSurge: 1, maxUnavailable: '110%' }),
      ['FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'bad percent',
      (d) => (d.spec!.strategy!.rollingUpdate = { maxSurge: '1x', maxUnavailable: 1 }),
      ['FieldValueInvalid spec.strategy.rollingUpdate.maxSurge'],
    ],
    [
      'revisionHistoryLimit',
      (d) => (d.spec!.revisionHistoryLimit = -1),
      ['FieldValueInvalid spec.revisionHistoryLimit'],
    ],
    [
      'progressDeadline <= minReady',
      (d) => ((d.spec!.minReadySeconds = 600), (d.spec!.progressDeadlineSeconds = 600)),
      ['FieldValueInvalid spec.progressDeadlineSeconds'],
    ],
    [
      'activeDeadlineSeconds',
      (d) => (d.spec!.template.spec!.activeDeadlineSeconds = 5),
      ['FieldValueForbidden spec.template.spec.activeDeadlineSeconds'],
    ],
  ];
  for (const [name, m, want] of cases)
    assert.deepEqual(kinds(validateDeployment(mutated(deployment(), m))), want, name);
  assert.deepEqual(
    messages(validateDeployment(mutated(deployment(), (d) => (d.spec!.selector = { matchLabels: { app: 'other' } })))),
    ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
  );
  assert.deepEqual(
    messages(
      validateDeployment(
        mutated(deployment(), (d) => (d.spec!.strategy!.rollingUpdate = { maxSurge: 0, maxUnavailable: 0 })),
      ),
    ),
    ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
  );
});

test('deployment and replicaset updates: selectors are immutable', () => {
  const d = deployment();
  const changed = mutated(d, (x) => {
    x.spec!.selector = { matchLabels: { app: 'web', tier: 'fe' } };
    x.spec!.template.metadata!.labels = { app: 'web', tier: 'fe' };
  });
  assert.deepEqual(kinds(validateDeploymentUpdate(changed, d)), ['FieldValueInvalid spec.selector']);
  assert.deepEqual(
    kinds(
      validateDeploymentUpdate(
        mutated(d, (x) => (x.spec!.replicas = 5)),
        d,
      ),
    ),
    [],
  );
  const rs = replicaSet();
  assert.deepEqual(
    kinds(
      validateReplicaSetUpdate(
        mutated(rs, (x) => (x.spec!.selector = { matchLabels: { app: 'x' } })),
        rs,
      ),
    ),
    ['FieldValueInvalid spec.template.metadata.labels', 'FieldValueInvalid spec.selector'],
  );
  const st = mutated(d, (x) => (x.status = { replicas: 1, readyReplicas: 2, collisionCount: 1 }));
  const older = mutated(d, (x) => (x.status = { collisionCount: 2 }));
  assert.deepEqual(kinds(validateDeploymentStatusUpdate(st, older)), [
    'FieldValueInvalid status.readyReplicas',
    'FieldValueInvalid status.collisionCount',
  ]);
});

test('statefulset rules and update restrictions', () => {
  const cases: [string, (s: StatefulSet) => void, string[]][] = [
    ['policy', (s) => (s.spec!.podManagementPolicy = 'Random'), ['FieldValueInvalid spec.podManagementPolicy']],
    ['strategy', (s) => (s.spec!.updateStrategy = { type: 'Surge' }), ['FieldValueInvalid spec.updateStrategy']],
    [
      'ondelete with rollingUpdate',
      (s) => (s.spec!.updateStrategy = { type: 'OnDelete', rollingUpdate: {} }),
      ['FieldValueInvalid spec.updateStrategy.rollingUpdate'],
    ],
    [
      'partition',
      (s) => (s.spec!.updateStrategy!.rollingUpdate = { partition: -1 }),
      ['FieldValueInvalid spec.updateStrategy.rollingUpdate.partition'],
    ],
    [
      'maxUnavailable 0',
      (s) => (s.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0 }),
      ['FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'retention policy',
      (s) => (s.spec!.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' }),
      [
        'FieldValueNotSupported spec.persistentVolumeClaimRetentionPolicy.whenDeleted',
        'FieldValueNotSupported spec.persistentVolumeClaimRetentionPolicy.whenScaled',
      ],
    ],
    ['empty selector', (s) => (s.spec!.selector = {}), ['FieldValueInvalid spec.selector']],
    ['dotted name', (s) => (s.metadata!.name = 'db.1'), ['FieldValueInvalid metadata.name']],
    // The pod spec of a StatefulSet template is not validated (upstream TODO).
    [
      'template pod spec not validated',
      (s) => (s.spec!.template.spec!.containers = [container('a', { image: '' })]),
      [],
    ],
  ];
  for (const [name, m, want] of cases)
    assert.deepEqual(kinds(validateStatefulSet(mutated(statefulSet(), m))), want, name);
  const ss = statefulSet();
  assert.deepEqual(
    kinds(
      validateStatefulSetUpdate(
        mutated(ss, (s) => ((s.spec!.replicas = 3), (s.spec!.template = template({ app: 'db' }, { hostname: 'x' })))),
        ss,
      ),
    ),
    [],
  );
  const renamed = validateStatefulSetUpdate(
    mutated(ss, (s) => (s.spec!.serviceName = 'other')),
    ss,
  );
  assert.deepEqual(messages(renamed), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('daemonset rules', () => {
  const cases: [string, (d: DaemonSet) => void, string[]][] = [
    [
      'both surge and unavailable',
      (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 1, maxSurge: 1 }),
      ['FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge'],
    ],
    [
      'neither',
      (d) => (d.spec!.updateStrategy!.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 }),
      ['FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable'],
    ],
    [
      'strategy type',
      (d) => (d.spec!.updateStrategy = { type: 'Never' }),
      ['FieldValueNotSupported spec.updateStrategy'],
    ],
    [
      'selector mismatch',
      (d) => (d.spec!.selector = { matchLabels: { app: 'x' } }),
      ['FieldValueInvalid spec.template.metadata.labels'],
    ],
  ];
  for (const [name, m, want] of cases) assert.deepEqual(kinds(validateDaemonSet(mutated(daemonSet(), m))), want, name);
  const ds = daemonSet();
  assert.deepEqual(
    kinds(
      validateDaemonSetUpdate(
        mutated(ds, (d) => (d.spec!.template.spec!.containers[0]!.image = 'agent:2')),
        ds,
      ),
    ),
    [],
  );
});

test('replication controllers use map selectors', () => {
  const rc = {
    metadata: { name: 'rc', namespace: 'default' },
    spec: { replicas: 1, selector: { app: 'web' }, template: template() },
  };
  assert.deepEqual(kinds(validateReplicationController(rc)), []);
  assert.deepEqual(kinds(validateReplicationController({ ...rc, spec: { ...rc.spec, selector: {} } })), [
    'FieldValueRequired spec.selector',
  ]);
  assert.deepEqual(kinds(validateReplicationController({ ...rc, spec: { ...rc.spec, selector: { app: 'x' } } })), [
    'FieldValueInvalid spec.template.metadata.labels',
  ]);
  assert.deepEqual(kinds(validateReplicationController({ ...rc, spec: { replicas: 1, selector: { app: 'web' } } })), [
    'FieldValueRequired spec.template',
  ]);
});
