import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath } from '../validation/field-error.js';
import {
  alreadyExists,
  conflict,
  forbidden,
  fromStatus,
  internalError,
  invalid,
  isConflict,
  isExpired,
  isNotFound,
  methodNotSupported,
  notFound,
  StatusError,
  toStatusError,
  tooManyRequests,
  unsupportedMediaType,
} from './status-error.js';

const deployments = { group: 'apps', resource: 'deployments' };

test('messages, codes and reasons match the apiserver', () => {
  const table: [StatusError, number, string, string][] = [
    [notFound(deployments, 'web'), 404, 'NotFound', 'deployments.apps "web" not found'],
    [notFound({ group: '', resource: 'pods' }, 'p'), 404, 'NotFound', 'pods "p" not found'],
    [alreadyExists(deployments, 'web'), 409, 'AlreadyExists', 'deployments.apps "web" already exists'],
    [
      conflict(deployments, 'web'),
      409,
      'Conflict',
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    ],
    [
      forbidden({ group: '', resource: 'secrets' }, '', 'User "bob" cannot list resource "secrets"'),
      403,
      'Forbidden',
      'secrets is forbidden: User "bob" cannot list resource "secrets"',
    ],
    [
      methodNotSupported({ group: '', resource: 'bindings' }, 'list'),
      405,
      'MethodNotAllowed',
      'list is not supported on resources of kind "bindings"',
    ],
    [tooManyRequests('slow down', 3), 429, 'TooManyRequests', 'slow down'],
    [internalError(new Error('disk')), 500, 'InternalError', 'Internal error occurred: disk'],
  ];
  for (const [err, code, reason, message] of table) {
    assert.equal(err.code, code, message);
    assert.equal(err.reason, reason, message);
    assert.equal(err.message, message);
  }
});

test('invalid aggregates field errors into the message and one cause per field', () => {
  const errs = [
    FieldPath.of('spec', 'replicas').invalid(-1, 'must be greater than or equal to 0'),
    FieldPath.of('metadata', 'name').required(),
  ];
  const err = invalid({ group: 'apps', kind: 'Deployment' }, 'web', errs);
  assert.equal(err.code, 422);
  assert.equal(
    err.message,
    'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, metadata.name: Required value]',
  );
  assert.deepEqual(
    err.details?.causes?.map((c) => [c.reason, c.field]),
    [
      ['FieldValueInvalid', 'spec.replicas'],
      ['FieldValueRequired', 'metadata.name'],
    ],
  );
});

test('toStatus is a v1 Status body; fromStatus rebuilds the error a client receives', () => {
  const s = notFound(deployments, 'web').toStatus();
  assert.deepEqual(s, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'deployments.apps "web" not found',
    reason: 'NotFound',
    code: 404,
    details: { name: 'web', group: 'apps', kind: 'deployments' },
  });
  const back = fromStatus(s);
  assert.ok(isNotFound(back));
  assert.equal(back.code, 404);
  assert.equal(unsupportedMediaType('text/csv', ['application/json']).toStatus().code, 415);
});

test('predicates look at reasons; toStatusError wraps anything else as InternalError', () => {
  assert.ok(isConflict(conflict(deployments, 'x')));
  assert.ok(!isConflict(new Error('Conflict')));
  assert.ok(isExpired(new StatusError(410, 'Gone', 'old')));
  const wrapped = toStatusError('boom');
  assert.equal(wrapped.code, 500);
  assert.equal(wrapped.message, 'Internal error occurred: boom');
  const same = notFound(deployments, 'a');
  assert.equal(toStatusError(same), same);
});
