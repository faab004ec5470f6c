import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareObjects } from './compare.js';
import { FieldSet } from './field-set.js';
import { mergeValues } from './merge.js';
import { fieldElement as f, keyElement as k, pathString, valueElement as v } from './path-element.js';
import { removeItems } from './remove-items.js';
import { deployment, deploymentType } from './test-fixtures.js';
import { deducedType } from './type-schema.js';

const podSpec = (spec: object) => ({ spec: { template: { spec } } });
const mergedPodSpec = (live: object, cfg: object) =>
  (mergeValues(podSpec(live), podSpec(cfg), deploymentType) as { spec: { template: { spec: unknown } } }).spec.template
    .spec;

test('merge: leaves and atomic values take the config, granular maps merge', () => {
  const cases: { name: string; live: object; cfg: object; want: unknown }[] = [
    {
      name: 'scalar',
      live: { restartPolicy: 'Always' },
      cfg: { restartPolicy: 'Never' },
      want: { restartPolicy: 'Never' },
    },
    {
      name: 'keeps other fields',
      live: { restartPolicy: 'Always' },
      cfg: { serviceAccountName: 'sa' },
      want: { restartPolicy: 'Always', serviceAccountName: 'sa' },
    },
    {
      name: 'atomic map replaced',
      live: { nodeSelector: { a: '1', b: '2' } },
      cfg: { nodeSelector: { c: '3' } },
      want: { nodeSelector: { c: '3' } },
    },
    {
      name: 'atomic list replaced',
      live: { tolerations: [{ key: 'a' }, { key: 'b' }] },
      cfg: { tolerations: [{ key: 'c' }] },
      want: { tolerations: [{ key: 'c' }] },
    },
    {
      name: 'list map merged item by item',
      live: {
        containers: [
          { name: 'a', image: 'a:1', args: ['x'] },
          { name: 'b', image: 'b:1' },
        ],
      },
      cfg: { containers: [{ name: 'a', image: 'a:2' }] },
      want: {
        containers: [
          { name: 'a', image: 'a:2', args: ['x'] },
          { name: 'b', image: 'b:1' },
        ],
      },
    },
    {
      name: 'null removes a scalar',
      live: { restartPolicy: 'Always', serviceAccountName: 'sa' },
      cfg: { restartPolicy: null },
      want: { serviceAccountName: 'sa' },
    },
  ];
  for (const c of cases) assert.deepEqual(mergedPodSpec(c.live, c.cfg), c.want, c.name);

  const labels = mergeValues({ metadata: { labels: { a: '1' } } }, { metadata: { labels: null } }, deploymentType);
  assert.deepEqual(labels, { metadata: { labels: { a: '1' } } }, 'null leaves a granular map alone');
});

test('merge: list order keeps live order and places config items in config order', () => {
  const names = (live: string[], cfg: string[]) =>
    (
      mergedPodSpec({ containers: live.map((name) => ({ name })) }, { containers: cfg.map((name) => ({ name })) }) as {
        containers: { name: string }[];
      }
    ).containers.map((c) => c.name);
  assert.deepEqual(names(['a', 'b', 'c'], ['c', 'a', 'd']), ['b', 'c', 'a', 'd']);
  assert.deepEqual(names(['a', 'b'], ['x', 'b']), ['a', 'x', 'b']);
  assert.deepEqual(names([], ['x', 'y']), ['x', 'y']);

  const finalizers = mergeValues(
    { metadata: { finalizers: ['a', 'b'] } },
    { metadata: { finalizers: ['c', 'a'] } },
    deploymentType,
  );
  assert.deepEqual(finalizers, { metadata: { finalizers: ['c', 'a', 'b'] } }, 'sets union');
});

test('merge: live items sharing a key are replaced by the config item; schema-less maps merge deeply', () => {
  const env = (items: object[]) => ({ containers: [{ name: 'c', env: items }] });
  assert.deepEqual(
    mergedPodSpec(
      env([{ name: 'A', value: '1' }, { name: 'A', value: '2' }, { name: 'B' }]),
      env([{ name: 'A', value: '3' }]),
    ),
    env([{ name: 'A', value: '3' }, { name: 'B' }]),
  );
  assert.deepEqual(
    mergeValues({ spec: { a: { x: 1 }, list: [1, 2] } }, { spec: { a: { y: 2 }, list: [3] } }, deducedType),
    { spec: { a: { x: 1, y: 2 }, list: [3] } },
  );
});

test('compare: added, modified and removed fields', () => {
  const before = deployment({ replicas: 1, env: { A: '1', B: '2' } });
  const after = deployment({ replicas: 2, image: 'nginx:2', env: { A: '1', C: '3' }, labels: { x: 'y' } });
  const c = compareObjects(before, after, deploymentType);
  const show = (s: FieldSet) => s.paths().map(pathString);
  const ctr = '.spec.template.spec.containers[name="nginx"]';
  assert.deepEqual(show(c.modified), ['.spec.replicas', `${ctr}.image`]);
  assert.deepEqual(show(c.added), [
    '.metadata.labels',
    '.metadata.labels.x',
    `${ctr}.env[name="C"]`,
    `${ctr}.env[name="C"].name`,
    `${ctr}.env[name="C"].value`,
  ]);
  assert.deepEqual(show(c.removed), [
    `${ctr}.env[name="B"]`,
    `${ctr}.env[name="B"].name`,
    `${ctr}.env[name="B"].value`,
  ]);

  const same = compareObjects(before, structuredClone(before), deploymentType);
  assert.ok(same.added.isEmpty() && same.modified.isEmpty() && same.removed.isEmpty());
});

test('removeItems: members go with their subtree, emptied containers disappear', () => {
  const obj = deployment({ labels: { a: '1' }, env: { A: '1', B: '2' }, finalizers: ['x', 'y'] });
  const ctr = [f('spec'), f('template'), f('spec'), f('containers'), k({ name: 'nginx' })];
  const out = removeItems(
    obj,
    FieldSet.of(
      [f('metadata'), f('labels'), f('a')],
      [...ctr, f('env'), k({ name: 'A' })],
      [...ctr, f('image')],
      [f('metadata'), f('finalizers'), v('x')],
    ),
    deploymentType,
  );
  assert.deepEqual(
    out,
    deployment({ containers: [{ name: 'nginx', env: [{ name: 'B', value: '2' }] }], finalizers: ['y'] }),
  );
  assert.deepEqual(removeItems(obj, FieldSet.of([f('spec')]), deploymentType), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: obj.metadata,
  });
});
