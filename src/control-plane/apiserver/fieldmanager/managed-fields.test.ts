import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import { printManager } from './conflicts.js';
import {
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  ManagedFieldsError,
  managerIdentifier,
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
