import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateLabelSelector } from './label-selector.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { FieldPath } from './field-error.js';
import { kinds, messages } from './testdata.js';

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test('metadata.name uses the kind name rule with the upstream message', () => {
  const errs = validateObjectMeta({ name: 'Foo', namespace: 'default' }, true, nameIsDNSSubdomain);
  assert.deepEqual(messages(errs), [`metadata.name: Invalid value: "Foo": ${subdomainMsg}`]);
});

test('name and namespace presence', () => {
  const cases: [string, Parameters<typeof validateObjectMeta>[0], boolean, string[]][] = [
    ['missing name', { namespace: 'ns' }, true, ['FieldValueRequired metadata.name']],
    ['missing namespace', { name: 'a' }, true, ['FieldValueRequired metadata.namespace']],
    [
      'namespace on cluster-scoped kind',
      { name: 'a', namespace: 'ns' },
      false,
      ['FieldValueForbidden metadata.namespace'],
    ],
    ['bad namespace', { name: 'a', namespace: 'Bad_NS' }, true, ['FieldValueInvalid metadata.namespace']],
    [
      'bad generateName',
      { name: 'a', generateName: 'Web-', namespace: 'ns' },
      true,
      ['FieldValueInvalid metadata.generateName'],
    ],
    [
      'valid generateName prefix with trailing dash',
      { name: 'web-x1', generateName: 'web-', namespace: 'ns' },
      true,
      [],
    ],
    [
      'negative generation',
      { name: 'a', namespace: 'ns', generation: -1 },
      true,
      ['FieldValueInvalid metadata.generation'],
    ],
  ];
  for (const [name, meta, namespaced, want] of cases)
    assert.deepEqual(kinds(validateObjectMeta(meta, namespaced, nameIsDNSSubdomain)), want, name);
  assert.deepEqual(messages(validateObjectMeta({ namespace: 'ns' }, true, nameIsDNSSubdomain)), [
    'metadata.name: Required value: name or generateName is required',
  ]);
  assert.deepEqual(messages(validateObjectMeta({ name: 'a', namespace: 'ns' }, false, nameIsDNSLabel)), [
    'metadata.namespace: Forbidden: not allowed on this type',
  ]);
});

test('labels and annotations', () => {
  const labelErrs = validateObjectMeta(
    { name: 'a', namespace: 'n', labels: { 'bad key!': 'v', ok: 'bad value!' } },
    true,
    nameIsDNSSubdomain,
  );
  assert.deepEqual(kinds(labelErrs), ['FieldValueInvalid metadata.labels', 'FieldValueInvalid metadata.labels']);
  assert.match(messages(labelErrs)[0]!, /^metadata\.labels: Invalid value: "bad key!": name part must consist of/);
  assert.match(
    messages(labelErrs)[1]!,
    /^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string/,
  );

  const big = { a: 'x'.repeat(256 * 1024) };
  assert.deepEqual(
    messages(validateObjectMeta({ name: 'a', namespace: 'n', annotations: big }, true, nameIsDNSSubdomain)),
    ['metadata.annotations: Too long: may not be more than 262144 bytes'],
  );
  // Annotation keys are case-insensitive qualified names.
  assert.deepEqual(
    kinds(
      validateObjectMeta(
        { name: 'a', namespace: 'n', annotations: { 'Example.COM/Key': 'v' } },
        true,
        nameIsDNSSubdomain,
      ),
    ),
    [],
  );
  assert.deepEqual(
    kinds(validateObjectMeta({ name: 'a', namespace: 'n', annotations: { 'a/b/c': 'v' } }, true, nameIsDNSSubdomain)),
    ['FieldValueInvalid metadata.annotations'],
  );
});

test('owner references and finalizers', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid', { ownerReferences: [ref] }, []],
    [
      'missing fields',
      { ownerReferences: [{ apiVersion: 'apps/', kind: '', name: '', uid: '' }] },
      [
        'FieldValueInvalid metadata.ownerReferences.apiVersion',
        'FieldValueInvalid metadata.ownerReferences.kind',
        'FieldValueInvalid metadata.ownerReferences.name',
        'FieldValueInvalid metadata.ownerReferences.uid',
      ],
    ],
    [
      'two controllers',
      {
        ownerReferences: [
          { ...ref, controller: true },
          { ...ref, name: 'b', controller: true },
        ],
      },
      ['FieldValueInvalid metadata.ownerReferences'],
    ],
    [
      'event owner',
      { ownerReferences: [{ ...ref, apiVersion: 'v1', kind: 'Event' }] },
      ['FieldValueInvalid metadata.ownerReferences'],
    ],
    ['qualified finalizer', { finalizers: ['example.com/cleanup', 'kubernetes', 'orphan'] }, []],
    ['unqualified custom finalizer', { finalizers: ['cleanup'] }, ['FieldValueInvalid metadata.finalizers[0]']],
    ['invalid finalizer', { finalizers: ['a/b/c'] }, ['FieldValueInvalid metadata.finalizers']],
    [
      'orphan and foreground',
      { finalizers: ['orphan', 'foregroundDeletion'] },
      ['FieldValueInvalid metadata.finalizers'],
    ],
  ];
  for (const [name, extra, want] of cases)
    assert.deepEqual(
      kinds(validateObjectMeta({ name: 'a', namespace: 'n', ...extra }, true, nameIsDNSSubdomain)),
      want,
      name,
    );
  const two = validateObjectMeta(
    {
      name: 'a',
      namespace: 'n',
      ownerReferences: [
        { ...ref, controller: true },
        { ...ref, name: 'b', controller: true },
      ],
    },
    true,
    nameIsDNSSubdomain,
  );
  assert.match(
    messages(two)[0]!,
    /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/b$/,
  );
});

test('metadata updates: immutable identity, generation, resourceVersion, finalizers while deleting', () => {
  const old = {
    name: 'a',
    namespace: 'n',
    uid: 'u1',
    resourceVersion: '5',
    generation: 3,
    creationTimestamp: '2026-01-01T00:00:00Z',
  };
  assert.deepEqual(kinds(validateObjectMetaUpdate({ ...old }, old)), []);
  assert.deepEqual(messages(validateObjectMetaUpdate({ ...old, name: 'b' }, old)), [
    'metadata.name: Invalid value: "b": field is immutable',
  ]);
  const cases: [string, Record<string, unknown>, Record<string, unknown>, string[]][] = [
    ['namespace', { namespace: 'm' }, {}, ['FieldValueInvalid metadata.namespace']],
    ['uid', { uid: 'u2' }, {}, ['FieldValueInvalid metadata.uid']],
    [
      'creationTimestamp',
      { creationTimestamp: '2027-01-01T00:00:00Z' },
      {},
      ['FieldValueInvalid metadata.creationTimestamp'],
    ],
    ['generation decremented', { generation: 2 }, {}, ['FieldValueInvalid metadata.generation']],
    ['no resourceVersion', { resourceVersion: '' }, {}, ['FieldValueInvalid metadata.resourceVersion']],
    [
      'finalizer added while deleting',
      { finalizers: ['x.io/f'], deletionTimestamp: 'T' },
      { deletionTimestamp: 'T' },
      ['FieldValueForbidden metadata.finalizers'],
    ],
    [
      'finalizer removed while deleting',
      { finalizers: [], deletionTimestamp: 'T' },
      { deletionTimestamp: 'T', finalizers: ['x.io/f'] },
      [],
    ],
  ];
  for (const [name, change, oldExtra, want] of cases)
    assert.deepEqual(kinds(validateObjectMetaUpdate({ ...old, ...change }, { ...old, ...oldExtra })), want, name);
});

test('label selectors: operators, values and keys', () => {
  const p = FieldPath.of('spec', 'selector');
  const cases: [string, Parameters<typeof validateLabelSelector>[0], string[]][] = [
    ['valid', { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] }, []],
    [
      'In without values',
      { matchExpressions: [{ key: 'tier', operator: 'In' }] },
      ['FieldValueRequired spec.selector.matchExpressions[0].values'],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['x'] }] },
      ['FieldValueForbidden spec.selector.matchExpressions[0].values'],
    ],
    [
      'bad operator',
      { matchExpressions: [{ key: 'tier', operator: 'Equals' }] },
      ['FieldValueInvalid spec.selector.matchExpressions[0].operator'],
    ],
    [
      'bad key',
      { matchExpressions: [{ key: '-x', operator: 'Exists' }] },
      ['FieldValueInvalid spec.selector.matchExpressions[0].key'],
    ],
    [
      'bad value',
      { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['a b'] }] },
      ['FieldValueInvalid spec.selector.matchExpressions[0].values[0]'],
    ],
    ['bad matchLabels', { matchLabels: { x: 'a b' } }, ['FieldValueInvalid spec.selector.matchLabels']],
  ];
  for (const [name, sel, want] of cases) assert.deepEqual(kinds(validateLabelSelector(sel, p)), want, name);
  assert.deepEqual(messages(validateLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In' }] }, p)), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ]);
  assert.deepEqual(messages(validateLabelSelector({ matchExpressions: [{ key: 'k', operator: 'Equals' }] }, p)), [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
  ]);
});
