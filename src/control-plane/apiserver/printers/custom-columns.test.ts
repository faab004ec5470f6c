import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellForJSONValue, customColumnsPrinter, type CustomColumnDefinition } from './custom-columns.js';
import { defaultPrinter } from './default-printer.js';
import { ago, DAY, MINUTE, NOW, rowOf } from './testing.js';

const widget = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'default', creationTimestamp: ago(3 * DAY), labels: { app: 'shop' } },
  spec: { replicas: 3, size: 2.75, paused: false, selector: { matchLabels: { app: 'shop' } }, ports: [80, 443] },
  status: {
    lastSync: ago(5 * MINUTE),
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False', message: 'waiting for <db> & cache' },
    ],
  },
};

const columns: CustomColumnDefinition[] = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'App', type: 'string', jsonPath: '.metadata.labels.app', priority: 1 },
  { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSync' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'How old it is' },
];

test('custom columns: definitions after a Name column', () => {
  const p = customColumnsPrinter(columns);
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Replicas', 'integer', '', 0],
      ['Ready', 'string', '', 0],
      ['App', 'string', '', 1],
      ['Last Sync', 'date', '', 0],
      ['Age', 'date', '', 0],
    ],
  );
  assert.equal(p.columns[1]!.description, 'Custom resource definition column (in JSONPath format): .spec.replicas');
  assert.equal(p.columns[5]!.description, 'How old it is');
});

test('custom columns: cells by type, dates as ages, filters and missing values', () => {
  assert.deepEqual(rowOf(customColumnsPrinter(columns), widget), {
    Name: 'w1',
    Replicas: 3,
    Ready: 'False',
    App: 'shop',
    'Last Sync': '5m',
    Age: '3d',
  });
  const bare = rowOf(customColumnsPrinter(columns), { metadata: { name: 'w2' } });
  assert.deepEqual(bare, { Name: 'w2', Replicas: null, Ready: null, App: null, 'Last Sync': null, Age: null });
});

test('custom columns: string columns print any value the way kubectl JSONPath does', () => {
  const p = customColumnsPrinter([
    { name: 'Size', type: 'string', jsonPath: '.spec.size' },
    { name: 'Replicas', type: 'string', jsonPath: '.spec.replicas' },
    { name: 'Paused', type: 'string', jsonPath: '.spec.paused' },
    { name: 'Selector', type: 'string', jsonPath: '.spec.selector' },
    { name: 'Ports', type: 'string', jsonPath: '.spec.ports' },
    { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    { name: 'First', type: 'string', jsonPath: '.status.conditions[*].type' },
    { name: 'Out of range', type: 'string', jsonPath: '.spec.ports[5]' },
  ]);
  assert.deepEqual(rowOf(p, widget), {
    Name: 'w1',
    Size: '2.75',
    Replicas: '3',
    Paused: 'false',
    Selector: '{"matchLabels":{"app":"shop"}}',
    Ports: '[80,443]',
    Message: 'waiting for <db> & cache',
    First: 'Synced',
    'Out of range': null,
  });
  const nulls = rowOf(customColumnsPrinter([{ name: 'N', type: 'string', jsonPath: '.spec.n' }]), {
    metadata: { name: 'x' },
    spec: { n: null },
  });
  assert.equal(nulls.N, '<no value>');
});

test('cellForJSONValue: type conversions', () => {
  const cases: [string, unknown, unknown][] = [
    ['integer', 3, 3],
    ['integer', 3.9, 3],
    ['integer', -3.9, -3],
    ['integer', '3', null],
    ['number', 3, 3],
    ['number', 2.5, 2.5],
    ['number', true, null],
    ['boolean', true, true],
    ['boolean', 'true', null],
    ['string', 'x', 'x'],
    ['string', 1, null],
    ['date', ago(90 * 1000), '90s'],
    ['date', '', '<unknown>'],
    ['date', 'null', '<unknown>'],
    ['date', '0001-01-01T00:00:00Z', '<unknown>'],
    ['date', 'yesterday', '<invalid>'],
    ['date', new Date(NOW + DAY).toISOString(), '<invalid>'],
    ['date', 5, null],
    ['widget', 'x', null],
    ['integer', null, null],
  ];
  for (const [type, value, want] of cases)
    assert.equal(cellForJSONValue(type, value, NOW), want, `${type} ${String(value)}`);
});

test('custom columns: none declared means an Age column; a bad JSONPath falls back to the default printer', () => {
  const p = customColumnsPrinter([]);
  assert.deepEqual(
    p.columns.map((c) => c.name),
    ['Name', 'Age'],
  );
  assert.deepEqual(rowOf(p, widget), { Name: 'w1', Age: '3d' });
  assert.equal(customColumnsPrinter([{ name: 'X', type: 'string', jsonPath: '.spec[' }]), defaultPrinter);
});
