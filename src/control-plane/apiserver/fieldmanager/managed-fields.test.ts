import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import { printManager } from './conflicts.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  isPrintable,
  isResetManagedFields,
  ManagedFieldsError,
  managedFieldsStripped,
  managerIdentifier,
  parseManagerIdentifier,
  validateFieldManager,
  validateManagedFields,
} from './managed-fields.js';

const fieldsV1 = { 'f:spec': { 'f:replicas': {} } };
const e = (o: Partial<ManagedFieldsEntry>): ManagedFieldsEntry => ({
  apiVersion: 'apps/v1',
  fieldsType: 'FieldsV1',
  fieldsV1,
  ...o,
});

test('manager identities: name, operation, subresource, and the API version only for Update', () => {
  assert.equal(
    managerIdentifier({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1' }),
    '{"manager":"kubectl","operation":"Apply"}',
  );
  assert.equal(
    managerIdentifier({ manager: 'kcm', operation: 'Update', apiVersion: 'apps/v1', subresource: 'status' }),
    '{"manager":"kcm","operation":"Update","apiVersion":"apps/v1","subresource":"status"}',
  );
  const cases: [string, string][] = [
    [managerIdentifier({ manager: 'kubectl', operation: 'Apply' }), '"kubectl"'],
    [
      managerIdentifier({ manager: 'ctl', operation: 'Apply', subresource: 'status' }),
      '"ctl" with subresource "status"',
    ],
    [managerIdentifier({ manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1' }), '"kubectl-edit" using v1'],
    ['not json', '"not json"'],
  ];
  for (const [id, want] of cases) assert.equal(printManager(id), want);
});

test('decode then encode: entries sorted by operation, time, manager, version, subresource; times normalized', () => {
  const input = [
    e({ manager: 'b', operation: 'Update', time: '2024-05-01T10:00:00Z' }),
    e({ manager: 'a', operation: 'Update', time: '2024-05-01T10:00:00Z', subresource: 'status' }),
    e({ manager: 'z', operation: 'Apply', time: '2024-05-01T11:00:00+01:00' }),
    e({ manager: 'a', operation: 'Update', time: '2024-05-01T09:00:00.500Z' }),
    e({ manager: 'y', operation: 'Apply' }),
  ];
  const out = encodeManagedFields(decodeManagedFields(input));
  assert.deepEqual(
    out?.map((x) => [x.manager, x.operation, x.time, x.subresource]),
    [
      ['y', 'Apply', undefined, undefined],
      ['z', 'Apply', '2024-05-01T10:00:00Z', undefined],
      ['a', 'Update', '2024-05-01T09:00:00Z', undefined],
      ['a', 'Update', '2024-05-01T10:00:00Z', 'status'],
      ['b', 'Update', '2024-05-01T10:00:00Z', undefined],
    ],
  );
  assert.deepEqual(Object.keys(out![3]), [
    'manager',
    'operation',
    'apiVersion',
    'time',
    'fieldsType',
    'fieldsV1',
    'subresource',
  ]);
  assert.deepEqual(out![0].fieldsV1, fieldsV1);
  assert.equal(encodeManagedFields(decodeManagedFields([])), undefined);
});

test('decode rejects what upstream rejects', () => {
  const cases: [unknown, RegExp][] = [
    [[e({ manager: 'x', operation: 'Patch' })], /operation must be `Apply` or `Update`/],
    [[e({ manager: 'x', operation: 'Update', apiVersion: '' })], /apiVersion must not be empty/],
    [[e({ manager: 'x', operation: 'Update', fieldsType: undefined })], /missing fieldsType in managed fields entry 0/],
    [
      [e({ manager: 'x', operation: 'Update', fieldsType: 'FieldsV2' })],
      /invalid fieldsType "FieldsV2" in managed fields entry 0/,
    ],
    [[e({ manager: 'x', operation: 'Update', fieldsV1: { spec: {} } })], /missing colon/],
    ['nope', /must be a list/],
  ];
  for (const [input, re] of cases)
    assert.throws(
      () => decodeManagedFields(input),
      (err: unknown) => err instanceof ManagedFieldsError && re.test(err.message),
    );
});

test('reset detection: [] and [{}] reset; absent, null and real entries do not', () => {
  const cases: [unknown, boolean][] = [
    [[], true],
    [[{}], true],
    [[{ manager: '' }], true],
    [undefined, false],
    [null, false],
    [[{}, {}], false],
    [[e({ manager: 'x', operation: 'Update' })], false],
  ];
  for (const [input, want] of cases) assert.equal(isResetManagedFields(input), want, JSON.stringify(input));
});

test('ObjectMeta validation of managedFields entries', () => {
  const errs = validateManagedFields(
    [
      e({ manager: 'ok', operation: 'Update' }),
      e({ manager: 'bad\u0007', operation: 'Merge', fieldsType: 'X' }),
      e({ manager: 'm'.repeat(129), operation: 'Apply' }),
    ],
    FieldPath.of('metadata', 'managedFields'),
  );
  assert.deepEqual(
    errs.map((x) => [x.field, x.type, x.detail]),
    [
      ['metadata.managedFields[1].operation', 'FieldValueInvalid', 'must be `Apply` or `Update`'],
      ['metadata.managedFields[1].fieldsType', 'FieldValueInvalid', 'must be `FieldsV1`'],
      ['metadata.managedFields[1].manager', 'FieldValueInvalid', 'invalid character U+0007 (at position 3)'],
      ['metadata.managedFields[2].manager', 'FieldValueTooLong', 'may not be more than 128 bytes'],
    ],
  );
});

test('parsed identities round-trip and are shared, frozen values', () => {
  const ids = [
    { manager: 'kubectl', operation: 'Apply' as const, apiVersion: undefined, subresource: undefined },
    { manager: 'kcm', operation: 'Update' as const, apiVersion: 'apps/v1', subresource: 'status' },
    { manager: '', operation: 'Update' as const, apiVersion: 'v1', subresource: undefined },
  ];
  for (const id of ids) {
    const key = managerIdentifier(id);
    const parsed = parseManagerIdentifier(key);
    assert.deepEqual({ ...parsed }, id, key);
    assert.equal(parseManagerIdentifier(key), parsed, 'parsed once, then reused');
    assert.ok(Object.isFrozen(parsed), 'callers cannot corrupt the shared value');
  }
});

test('formatTime: whole seconds in UTC, also outside years 0-9999', () => {
  const cases: [number, string][] = [
    [Date.UTC(2024, 4, 1, 10, 0, 0, 999), '2024-05-01T10:00:00Z'],
    [0, '1970-01-01T00:00:00Z'],
    [Date.UTC(10000, 0, 1, 0, 0, 1, 500), '+010000-01-01T00:00:01Z'],
  ];
  for (const [ms, want] of cases) {
    assert.equal(formatTime(ms), want);
    assert.equal(formatTime(new Date(ms)), want);
  }
});

test('printable characters: ASCII fast path agrees with the Unicode classes', () => {
  const unicodePrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
  for (let c = 0; c < 0x80; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(isPrintable(ch), unicodePrintable.test(ch), `U+${c.toString(16)}`);
  }
  assert.equal(isPrintable('é'), true);
  assert.equal(isPrintable('\u200b'), false); // zero-width space: a format character
  const p = FieldPath.of('metadata', 'managedFields').index(0).child('manager');
  assert.deepEqual(validateFieldManager('kube-controller-manager', p), []);
  assert.deepEqual(validateFieldManager('x'.repeat(128), p), []);
  assert.equal(validateFieldManager('x'.repeat(129), p).length, 1);
  assert.deepEqual(
    validateFieldManager('a\tb', p).map((e) => e.detail),
    ['invalid character U+0009 (at position 1)'],
  );
});

test('managedFieldsStripped: a view without managedFields that leaves the object untouched', () => {
  const obj = {
    metadata: { name: 'a', managedFields: [{ manager: 'm' }] },
    data: { k: 'v' },
  };
  const view = managedFieldsStripped(obj);
  assert.deepEqual(view, { metadata: { name: 'a' }, data: { k: 'v' } });
  assert.deepEqual(obj.metadata.managedFields, [{ manager: 'm' }], 'the original keeps its entries');
  assert.equal(view.data, obj.data, 'everything else is shared, not copied');
  const plain = { metadata: { name: 'b' } };
  assert.equal(managedFieldsStripped(plain), plain);
});
