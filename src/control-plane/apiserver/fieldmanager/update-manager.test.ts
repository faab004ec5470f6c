import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import type { JsonObject } from './go-json.js';
import { deployment, deploymentType, stored } from './test-fixtures.js';
import { managerFromUserAgent, maxUpdateManagers, trackUpdate, type TrackUpdateOptions } from './update-manager.js';

const t0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const at = (minutes: number) => t0 + minutes * 60_000;

function track(
  oldObj: JsonObject | undefined,
  newObj: JsonObject,
  manager: string,
  o: Partial<TrackUpdateOptions> = {},
) {
  return trackUpdate({ oldObj, newObj, manager, apiVersion: 'apps/v1', now: t0, schema: deploymentType, ...o });
}

const entries = (obj: JsonObject) => (obj.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields;
const entry = (obj: JsonObject, manager: string) => entries(obj)?.find((e) => e.manager === manager);
const fields = (obj: JsonObject, manager: string) => JSON.stringify(entry(obj, manager)?.fieldsV1);

function edit(
  obj: JsonObject,
  change: (o: JsonObject & { spec: JsonObject; metadata: JsonObject }) => void,
): JsonObject {
  const copy = structuredClone(obj) as JsonObject & { spec: JsonObject; metadata: JsonObject };
  change(copy);
  return copy;
}

const created = () => stored(track(undefined, deployment({ replicas: 2, env: { A: '1' } }), 'kubectl-create'));

test('create: the creator owns every field it set, as an Update entry', () => {
  const obj = track(undefined, deployment({ replicas: 2, env: { A: '1' } }), 'kubectl-create');
  assert.deepEqual(entries(obj), [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2024-05-01T10:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: JSON.parse(
        '{"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},' +
          '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:env":{".":{},"k:{\\"name\\":\\"A\\"}":' +
          '{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:name":{}}}}}}}',
      ),
    },
  ]);
});

test('update: changed and added fields move to the writer; the previous owner keeps the rest', () => {
  const live = created();
  const next = edit(live, (o) => {
    o.spec.replicas = 3;
    o.metadata.labels = { team: 'a' };
  });
  const out = track(live, next, 'kubectl-edit', { now: at(1) });
  assert.equal(
    fields(out, 'kubectl-edit'),
    '{"f:metadata":{"f:labels":{".":{},"f:team":{}}},"f:spec":{"f:replicas":{}}}',
  );
  assert.ok(!fields(out, 'kubectl-create').includes('f:replicas'));
  assert.ok(fields(out, 'kubectl-create').includes('f:image'));
  assert.deepEqual(
    entries(out)?.map((e) => [e.manager, e.time]),
    [
      ['kubectl-create', '2024-05-01T10:00:00Z'],
      ['kubectl-edit', '2024-05-01T10:01:00Z'],
    ],
  );
});

test('the same manager accumulates; a write that changes nothing keeps the entry and its time', () => {
  let live = created();
  live = stored(
    track(
      live,
      edit(live, (o) => void (o.spec.replicas = 3)),
      'kubectl-edit',
      { now: at(1) },
    ),
  );
  live = stored(
    track(
      live,
      edit(live, (o) => void (o.spec.minReadySeconds = 4)),
      'kubectl-edit',
      { now: at(2) },
    ),
  );
  assert.equal(fields(live, 'kubectl-edit'), '{"f:spec":{"f:minReadySeconds":{},"f:replicas":{}}}');
  assert.equal(entry(live, 'kubectl-edit')?.time, '2024-05-01T10:02:00Z');

  const same = track(
    live,
    edit(live, () => {}),
    'kubectl-edit',
    { now: at(9) },
  );
  assert.deepEqual(entries(same), entries(live));
});

test('removed fields leave every manager', () => {
  const live = created();
  const out = track(
    live,
    edit(
      live,
      (o) => void delete ((o.spec.template as JsonObject).spec as { containers: JsonObject[] }).containers[0].env,
    ),
    'kubectl-edit',
  );
  assert.ok(!fields(out, 'kubectl-create').includes('f:env'));
  assert.equal(entry(out, 'kubectl-edit'), undefined, 'a pure removal owns nothing');
});

test('one entry per manager, API version and subresource; status is owned only via the status subresource', () => {
  let live = created();
  live = stored(
    track(
      live,
      edit(live, (o) => void (o.spec.replicas = 4)),
      'kubectl-create',
      { apiVersion: 'apps/v1beta2' },
    ),
  );
  assert.deepEqual(
    entries(live)?.map((e) => [e.manager, e.apiVersion]),
    [
      ['kubectl-create', 'apps/v1'],
      ['kubectl-create', 'apps/v1beta2'],
    ],
  );

  const withStatus = edit(live, (o) => {
    o.status = { replicas: 4, readyReplicas: 4 };
    // A subresource write cannot rewrite managedFields.
    o.metadata.managedFields = [];
  });
  const out = track(live, withStatus, 'kube-controller-manager', { subresource: 'status', now: at(3) });
  const e = entry(out, 'kube-controller-manager');
  assert.equal(e?.subresource, 'status');
  // status is a struct that always exists (a Go zero value): only its leaves are owned.
  assert.equal(JSON.stringify(e?.fieldsV1), '{"f:status":{"f:readyReplicas":{},"f:replicas":{}}}');
  assert.equal(entries(out)?.length, 3);

  const viaMain = track(
    live,
    edit(withStatus, (o) => void delete o.metadata.managedFields),
    'kubectl-edit',
  );
  assert.equal(entry(viaMain, 'kubectl-edit'), undefined, 'status changes through the main resource are not owned');
});

test('client-sent managedFields: valid ones replace, [] and [{}] reset, invalid ones are ignored', () => {
  const live = created();
  const replaced = track(
    live,
    edit(live, (o) => {
      o.metadata.managedFields = [
        {
          manager: 'migrated',
          operation: 'Apply',
          apiVersion: 'apps/v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
        },
      ];
    }),
    'kubectl-patch',
  );
  assert.deepEqual(
    entries(replaced)?.map((e) => [e.manager, e.operation]),
    [['migrated', 'Apply']],
  );

  for (const reset of [[], [{}]]) {
    const out = track(
      live,
      edit(live, (o) => void (o.metadata.managedFields = reset)),
      'kubectl-patch',
    );
    assert.equal(entries(out), undefined, JSON.stringify(reset));
  }

  const bogus = track(
    live,
    edit(
      live,
      (o) =>
        void (o.metadata.managedFields = [
          { manager: 'x', operation: 'Bogus', apiVersion: 'v1', fieldsType: 'FieldsV1' },
        ]),
    ),
    'kubectl-patch',
  );
  assert.deepEqual(entries(bogus), entries(live));
});

test('an existing object without managedFields stays untracked until someone applies', () => {
  const live = stored(deployment({ replicas: 1 }));
  const out = track(
    live,
    edit(live, (o) => void (o.spec.replicas = 2)),
    'kubectl-scale',
  );
  assert.equal(entries(out), undefined);
});

test('objects that cannot be typed keep their stored entries', () => {
  const live = created();
  const broken = edit(
    live,
    (o) => void (((o.spec.template as JsonObject).spec as JsonObject).containers = [{ image: 'no-name' }]),
  );
  assert.deepEqual(entries(track(live, broken, 'kubectl-edit')), entries(live));
});

test('manager names default from the user agent, then to "unknown"', () => {
  const cases: [string, string][] = [
    ['kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9', 'kubectl'],
    [
      'kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/70d3cc9/system:serviceaccount:kube-system:deployment-controller',
      'kube-controller-manager',
    ],
    ['Go-http-client/1.1', 'Go-http-client'],
    ['tab\there\u0007/1', 'tabhere'],
    ['', ''],
    ['x'.repeat(200), 'x'.repeat(128)],
    ['é'.repeat(100), 'é'.repeat(64)],
  ];
  for (const [ua, want] of cases) assert.equal(managerFromUserAgent(ua), want, ua);

  const fromUA = track(undefined, deployment(), '', { userAgent: 'helm/v3.17.0' });
  assert.equal(entries(fromUA)?.[0].manager, 'helm');
  const unknown = track(undefined, deployment(), '');
  assert.equal(entries(unknown)?.[0].manager, 'unknown');
});

test(`more than ${maxUpdateManagers} Update entries: the oldest fold into ancient-changes`, () => {
  let live = created();
  for (let i = 1; i <= maxUpdateManagers + 1; i++) {
    const next = edit(live, (o) => {
      const labels = (o.metadata.labels ??= {}) as JsonObject;
      labels[`l${i}`] = 'x';
    });
    live = stored(track(live, next, `writer-${i}`, { now: at(i) }));
  }
  const names = entries(live)?.map((e) => e.manager) ?? [];
  assert.equal(names.length, maxUpdateManagers);
  // 12 Update entries: the three oldest (creator, writer-1, writer-2) become one.
  for (const gone of ['kubectl-create', 'writer-1', 'writer-2']) assert.ok(!names.includes(gone), gone);
  assert.ok(names.includes('writer-3'));
  const ancient = entry(live, 'ancient-changes');
  assert.equal(ancient?.time, '2024-05-01T10:02:00Z');
  assert.ok(JSON.stringify(ancient?.fieldsV1).includes('f:l2'));
  assert.ok(JSON.stringify(ancient?.fieldsV1).includes('f:l1'));
  assert.ok(JSON.stringify(ancient?.fieldsV1).includes('f:image'));
});
