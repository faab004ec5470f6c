import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { StatusError } from '../../../api/errors/status-error.js';
import { applyPatch, type ApplyOptions } from './apply.js';
import type { JsonObject } from './go-json.js';
import { lastAppliedAnnotation } from './last-applied.js';
import { deployment, deploymentType, stored } from './test-fixtures.js';
import { trackUpdate } from './update-manager.js';

const t0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const at = (minutes: number) => t0 + minutes * 60_000;

function apply(live: JsonObject | undefined, config: JsonObject, o: Partial<ApplyOptions> = {}) {
  return applyPatch({ live, config, manager: 'kubectl', apiVersion: 'apps/v1', now: t0, schema: deploymentType, ...o });
}

/** Apply, then store (server-set metadata), as the PATCH handler would. */
function applied(live: JsonObject | undefined, config: JsonObject, o: Partial<ApplyOptions> = {}): JsonObject {
  return stored(apply(live, config, o).object);
}

const entries = (obj: JsonObject) => (obj.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
const entry = (obj: JsonObject, manager: string) => entries(obj).find((e) => e.manager === manager);
const fields = (obj: JsonObject, manager: string) => JSON.stringify(entry(obj, manager)?.fieldsV1);
const spec = (obj: JsonObject) => obj.spec as { replicas?: number; template: { spec: { containers: JsonObject[] } } };
const containers = (obj: JsonObject) => spec(obj).template.spec.containers;

function conflictOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

test('create via apply: the object is the config and one Apply entry owns exactly its fields', () => {
  const cfg = deployment({ replicas: 2, env: { A: '1', B: '2' } });
  const { object, changed } = apply(undefined, cfg);
  assert.equal(changed, true);
  assert.equal(spec(object).replicas, 2);
  assert.deepEqual(containers(object), [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    },
  ]);
  assert.deepEqual(entries(object), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: JSON.parse(
        '{"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},' +
          '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:env":{' +
          '"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:value":{}},"k:{\\"name\\":\\"B\\"}":{".":{},"f:name":{},"f:value":{}}},' +
          '"f:image":{},"f:name":{}}}}}}}',
      ),
    },
  ]);
  assert.equal(cfg.metadata && (cfg.metadata as JsonObject).managedFields, undefined, 'the config is not modified');
});

test('re-apply without an env var and with a new image: the var is pruned, the image changes, defaults stay', () => {
  const live = applied(undefined, deployment({ env: { A: '1', B: '2' } }));
  // Defaulting added fields nobody applied.
  containers(live)[0].imagePullPolicy = 'IfNotPresent';
  (live.spec as JsonObject).revisionHistoryLimit = 10;

  const { object, changed } = apply(live, deployment({ image: 'nginx:1.28', env: { A: '1' } }), { now: at(1) });
  assert.equal(changed, true);
  assert.deepEqual(containers(object), [
    { name: 'nginx', image: 'nginx:1.28', env: [{ name: 'A', value: '1' }], imagePullPolicy: 'IfNotPresent' },
  ]);
  assert.equal((object.spec as JsonObject).revisionHistoryLimit, 10);
  assert.equal(entry(object, 'kubectl')?.time, '2024-05-01T10:01:00Z');
  assert.ok(!fields(object, 'kubectl').includes('\\"B\\"'));
  assert.equal((object.metadata as JsonObject).uid, (live.metadata as JsonObject).uid);
});

test('re-applying the same config changes nothing, not even the time or stored nulls', () => {
  const live = applied(undefined, deployment({ replicas: 2 }));
  ((live.spec as JsonObject).template as { metadata: JsonObject }).metadata.creationTimestamp = null;
  const { object, changed } = apply(live, deployment({ replicas: 2 }), { now: at(5) });
  assert.equal(changed, false);
  assert.equal(entry(object, 'kubectl')?.time, '2024-05-01T10:00:00Z');
  assert.deepEqual(object, live);
});

test('a null in the config unsets the field', () => {
  const live = applied(undefined, deployment({ replicas: 2 }));
  const cfg = deployment();
  (cfg.spec as JsonObject).replicas = null;
  const { object } = apply(live, cfg, { now: at(1) });
  assert.equal('replicas' in (object.spec as JsonObject), false);
  assert.ok(fields(object, 'kubectl').includes('f:replicas'), 'the applier owns the field it set to null');
});

function scaledBy(live: JsonObject, manager: string, replicas: number, subresource?: string): JsonObject {
  const next = structuredClone(live);
  (next.spec as JsonObject).replicas = replicas;
  return stored(
    trackUpdate({
      oldObj: live,
      newObj: next,
      manager,
      apiVersion: 'apps/v1',
      now: at(2),
      schema: deploymentType,
      subresource,
    }),
    '3',
  );
}

test('changing a field another manager updated is a 409 with upstream message and causes', () => {
  const live = scaledBy(applied(undefined, deployment({ replicas: 2 })), 'kubectl-scale', 5);
  assert.equal(fields(live, 'kubectl-scale'), '{"f:spec":{"f:replicas":{}}}');
  assert.ok(!fields(live, 'kubectl').includes('replicas'), 'the applier lost the field to the update');

  const err = conflictOf(() => apply(live, deployment({ replicas: 3 }), { now: at(3) }));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
  );
  assert.deepEqual(err.toStatus().details, {
    causes: [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-scale" using apps/v1',
        field: '.spec.replicas',
      },
    ],
  });

  // Applying the value the other manager set is no conflict: both own it.
  const shared = apply(live, deployment({ replicas: 5 }), { now: at(3) }).object;
  assert.ok(fields(shared, 'kubectl').includes('f:replicas'));
  assert.equal(fields(shared, 'kubectl-scale'), '{"f:spec":{"f:replicas":{}}}');
});

test('force takes ownership: the value changes and the other manager loses the field', () => {
  const live = scaledBy(applied(undefined, deployment({ replicas: 2 })), 'kubectl-scale', 5);
  const { object } = apply(live, deployment({ replicas: 3 }), { force: true, now: at(3) });
  assert.equal(spec(object).replicas, 3);
  assert.ok(fields(object, 'kubectl').includes('f:replicas'));
  assert.equal(entry(object, 'kubectl-scale'), undefined, 'an entry left empty disappears');
});

test('several conflicts are grouped by manager, with subresource and applier forms', () => {
  let live = applied(undefined, deployment({ replicas: 2, labels: { tier: 'web' } }));
  live = scaledBy(live, 'kubectl-scale', 4, 'scale');
  const relabel = structuredClone(live);
  ((relabel.metadata as JsonObject).labels as JsonObject).tier = 'api';
  live = stored(
    trackUpdate({
      oldObj: live,
      newObj: relabel,
      manager: 'kubectl-label',
      apiVersion: 'apps/v1',
      now: at(3),
      schema: deploymentType,
    }),
  );
  live = applied(
    live,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { minReadySeconds: 5 } },
    { manager: 'ops-bot', now: at(4) },
  );

  const err = conflictOf(() =>
    apply(
      live,
      {
        ...deployment({ replicas: 3, labels: { tier: 'db' } }),
        spec: { ...(deployment().spec as JsonObject), replicas: 3, minReadySeconds: 9 },
      },
      { manager: 'ci' },
    ),
  );
  assert.equal(
    err.message,
    'Apply failed with 3 conflicts: conflicts with "kubectl-label" using apps/v1:\n- .metadata.labels.tier\n' +
      'conflicts with "kubectl-scale" with subresource "scale" using apps/v1:\n- .spec.replicas\n' +
      'conflicts with "ops-bot":\n- .spec.minReadySeconds',
  );
  assert.deepEqual(
    err.details?.causes?.map((c) => [c.message, c.field]),
    [
      ['conflict with "kubectl-label" using apps/v1', '.metadata.labels.tier'],
      ['conflict with "kubectl-scale" with subresource "scale" using apps/v1', '.spec.replicas'],
      ['conflict with "ops-bot"', '.spec.minReadySeconds'],
    ],
  );
});

test('two appliers sharing a field: dropping it from one keeps it; dropping it from the last removes it', () => {
  let live = applied(undefined, deployment({ replicas: 2 }), { manager: 'team-a' });
  live = applied(live, deployment({ replicas: 2 }), { manager: 'team-b', now: at(1) });
  assert.ok(fields(live, 'team-a').includes('f:replicas') && fields(live, 'team-b').includes('f:replicas'));

  live = applied(live, deployment(), { manager: 'team-a', now: at(2) });
  assert.equal(spec(live).replicas, 2, 'team-b still owns replicas');
  assert.ok(!fields(live, 'team-a').includes('f:replicas'));

  live = applied(live, deployment(), { manager: 'team-b', now: at(3) });
  assert.equal(spec(live).replicas, undefined, 'nobody owns replicas any more');
});

test('associative lists merge by key: another applier keeps its container', () => {
  let live = applied(undefined, deployment(), { manager: 'app' });
  const sidecar = deployment({ containers: [{ name: 'proxy', image: 'envoy:1' }] });
  live = applied(live, sidecar, { manager: 'mesh', now: at(1) });
  assert.deepEqual(
    containers(live).map((c) => c.name),
    ['nginx', 'proxy'],
  );
  assert.ok(!fields(live, 'app').includes('proxy'));

  live = applied(live, deployment({ image: 'nginx:1.28' }), { manager: 'app', now: at(2) });
  assert.deepEqual(containers(live), [
    { name: 'nginx', image: 'nginx:1.28' },
    { name: 'proxy', image: 'envoy:1' },
  ]);

  // The mesh applier removing its container removes only that one.
  live = applied(live, deployment({ containers: [] }), { manager: 'mesh', now: at(3) });
  assert.deepEqual(
    containers(live).map((c) => c.name),
    ['nginx'],
  );
});

test('sets (finalizers) union across appliers and prune only the applier’s own values', () => {
  let live = applied(undefined, deployment({ finalizers: ['a.io/x'] }), { manager: 'a' });
  live = applied(live, deployment({ finalizers: ['b.io/y'] }), { manager: 'b', now: at(1) });
  assert.deepEqual((live.metadata as JsonObject).finalizers, ['a.io/x', 'b.io/y']);
  live = applied(live, deployment(), { manager: 'a', now: at(2) });
  assert.deepEqual((live.metadata as JsonObject).finalizers, ['b.io/y']);
});

test('request checks: fieldManager, version, kind, managedFields, duplicate keys', () => {
  const cases: { name: string; run: () => unknown; code: number; message: string }[] = [
    {
      name: 'missing manager',
      run: () => apply(undefined, deployment(), { manager: '' }),
      code: 422,
      message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    },
    {
      name: 'wrong kind',
      run: () => apply(undefined, { ...deployment(), kind: 'StatefulSet' }, { kind: 'Deployment' }),
      code: 400,
      message: 'invalid object type: apps/v1, Kind=StatefulSet',
    },
    {
      name: 'wrong version',
      run: () => apply(undefined, { ...deployment(), apiVersion: 'apps/v1beta2' }),
      code: 400,
      message: 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta2, expected: apps/v1',
    },
    {
      name: 'managedFields in the config',
      run: () => apply(undefined, { ...deployment(), metadata: { name: 'web', managedFields: [] } }),
      code: 400,
      message: 'metadata.managedFields must be nil',
    },
    {
      name: 'duplicate keys',
      run: () => apply(undefined, deployment({ containers: [{ name: 'nginx' }, { name: 'nginx', image: 'x' }] })),
      code: 500,
      message:
        'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="nginx"]',
    },
  ];
  for (const c of cases) {
    const err = conflictOf(c.run);
    assert.equal(err.code, c.code, c.name);
    assert.equal(err.message, c.message, c.name);
  }
});

test('status is not owned through the main resource', () => {
  const cfg = { ...deployment(), status: { replicas: 7 } };
  const { object } = apply(undefined, cfg);
  assert.ok(!fields(object, 'kubectl').includes('status'));
});

test('kubectl --server-side upgrades from client-side apply: fields the annotation accounts for are forced', () => {
  const csaConfig = deployment({ replicas: 2 });
  const created = structuredClone(csaConfig);
  (created.metadata as JsonObject).annotations = { [lastAppliedAnnotation]: JSON.stringify(csaConfig) + '\n' };
  const live = stored(
    trackUpdate({
      oldObj: undefined,
      newObj: created,
      manager: 'kubectl-client-side-apply',
      apiVersion: 'apps/v1',
      now: t0,
      schema: deploymentType,
    }),
  );

  // Another applier name gets the plain conflict.
  const err = conflictOf(() => apply(live, deployment({ replicas: 3 }), { manager: 'someone', now: at(1) }));
  assert.match(
    err.message,
    /^Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps\/v1: \.spec\.replicas$/,
  );

  const { object } = apply(live, deployment({ replicas: 3 }), { now: at(1) });
  assert.equal(spec(object).replicas, 3);
  const annotation = ((object.metadata as JsonObject).annotations as JsonObject)[lastAppliedAnnotation];
  assert.equal(annotation, JSON.stringify(sortKeys(deployment({ replicas: 3 }))) + '\n');
  assert.ok(fields(object, 'kubectl').includes('f:replicas'));

  // A later change by someone else is not covered by the annotation any more.
  const scaled = scaledBy(live, 'kubectl-scale', 5);
  const err2 = conflictOf(() => apply(scaled, deployment({ replicas: 3 }), { now: at(3) }));
  assert.equal(
    err2.message,
    'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
  );
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
