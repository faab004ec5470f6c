import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateMessage, FieldPath } from '../../validation/field-error.js';
import type { SchemaProps } from './schema-props.js';
import { validateAgainstSchema } from './validate.js';

const schema: SchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' },
        { rule: 'self.maxReplicas <= 100' },
        { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable' },
        {
          rule: '!has(self.owner) || self.owner.startsWith("team-")',
          fieldPath: '.owner',
          reason: 'FieldValueForbidden',
          message: 'owner must be a team',
        },
        {
          rule: '!oldSelf.hasValue() || self.maxReplicas >= oldSelf.value().maxReplicas',
          optionalOldSelf: true,
          messageExpression: '"maxReplicas may only grow, got " + string(self.maxReplicas)',
        },
      ],
      properties: {
        minReplicas: { type: 'integer' },
        maxReplicas: { type: 'integer' },
        mode: { type: 'string' },
        owner: { type: 'string' },
        name: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() <= 5', message: 'name too long' }] },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }],
          },
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
            'x-kubernetes-validations': [{ rule: 'self != ""', message: 'empty label' }],
          },
        },
      },
    },
  },
};

const spec = (over: Record<string, unknown> = {}) => ({ spec: { minReplicas: 1, maxReplicas: 3, mode: 'a', ...over } });
const messages = (obj: unknown, old?: unknown) =>
  validateAgainstSchema(obj, schema, FieldPath.root(''), old).map((e) => aggregateMessage([e]));

const cases: { name: string; obj: unknown; old?: unknown; want: string[] }[] = [
  { name: 'valid create', obj: spec(), want: [] },
  {
    name: 'message',
    obj: spec({ minReplicas: 5 }),
    want: ['spec: Invalid value: "object": minReplicas must not exceed maxReplicas'],
  },
  {
    name: 'default message; optionalOldSelf runs on create',
    obj: spec({ maxReplicas: 200 }),
    want: ['spec: Invalid value: "object": failed rule: self.maxReplicas <= 100'],
  },
  {
    name: 'scalar node',
    obj: spec({ name: 'toolongname' }),
    want: ['spec.name: Invalid value: "string": name too long'],
  },
  { name: 'fieldPath and reason', obj: spec({ owner: 'bob' }), want: ['spec.owner: Forbidden: owner must be a team'] },
  {
    name: 'additionalProperties key',
    obj: spec({ labels: { a: '' } }),
    want: ['spec.labels[a]: Invalid value: "string": empty label'],
  },
  { name: 'transition rule skipped on create', obj: spec({ mode: 'b' }), want: [] },
  {
    name: 'transition rule on update',
    obj: spec({ mode: 'b' }),
    old: spec(),
    want: ['spec: Invalid value: "object": mode is immutable'],
  },
  {
    name: 'optionalOldSelf with messageExpression',
    obj: spec({ maxReplicas: 2 }),
    old: spec({ maxReplicas: 3 }),
    want: ['spec: Invalid value: "object": maxReplicas may only grow, got 2'],
  },
  {
    name: 'list-map items correlate by key',
    obj: spec({
      ports: [
        { name: 'http', port: 81 },
        { name: 'new', port: 1 },
      ],
    }),
    old: spec({
      ports: [
        { name: 'x', port: 5 },
        { name: 'http', port: 80 },
      ],
    }),
    want: ['spec.ports[0]: Invalid value: "object": port is immutable'],
  },
  {
    name: 'evaluation error',
    obj: { spec: { maxReplicas: 3, mode: 'a' } },
    want: [
      'spec: Invalid value: "object": no such key: minReplicas evaluating rule: minReplicas must not exceed maxReplicas',
    ],
  },
  {
    name: 'blocking schema errors skip the rules',
    obj: spec({ maxReplicas: 'many' }),
    want: [
      'spec.maxReplicas: Invalid value: "string": spec.maxReplicas in body must be of type integer: "string"',
      '<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ],
  },
];

for (const c of cases) {
  test(`x-kubernetes-validations: ${c.name}`, () => {
    assert.deepEqual(messages(c.obj, c.old), c.want);
  });
}

test('a rule at the root reports at <nil>', () => {
  const root: SchemaProps = {
    type: 'object',
    'x-kubernetes-validations': [{ rule: 'has(self.spec)', message: 'spec required' }],
  };
  assert.deepEqual(
    validateAgainstSchema({}, root, FieldPath.root('')).map((e) => aggregateMessage([e])),
    ['<nil>: Invalid value: "object": spec required'],
  );
});

test('a rule that does not compile reports a compile error', () => {
  const bad: SchemaProps = { type: 'object', 'x-kubernetes-validations': [{ rule: 'self.x >' }] };
  const [e] = validateAgainstSchema({ x: 1 }, bad, FieldPath.root(''));
  assert.match(e!.detail, /^rule compile error: compilation failed: ERROR: <input>:1:/);
});
