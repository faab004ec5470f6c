import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { validateCustomResourceDefinition } from './apiextensions.js';
import { aggregateMessage } from './field-error.js';

function crd(rules: Record<string, unknown>[]): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' } },
                  'x-kubernetes-validations': rules,
                } as never,
              },
            },
          },
        },
      ],
    },
  };
}

const ruleErrors = (rules: Record<string, unknown>[]) =>
  validateCustomResourceDefinition(crd(rules))
    .filter((e) => e.field.includes('x-kubernetes-validations'))
    .map((e) => aggregateMessage([e]));

test('CRD rules that compile are accepted', () => {
  assert.deepEqual(
    ruleErrors([{ rule: 'self.size < 10' }, { rule: 'self.size == oldSelf.size', messageExpression: '"x"' }]),
    [],
  );
});

test('a CRD rule that does not compile is rejected at its path with the rule printed as upstream', () => {
  const [msg, ...rest] = ruleErrors([{ rule: 'self.size <' }]);
  assert.equal(rest.length, 0);
  assert.match(
    msg ?? '',
    /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{Rule:"self\.size <", Message:"", MessageExpression:"", Reason:\(\*apiextensions\.FieldValueErrorReason\)\(nil\), FieldPath:"", OptionalOldSelf:\(\*bool\)\(nil\)\}: compilation failed: ERROR: <input>:1:\d+: /,
  );
});

test('undeclared references and bad messageExpressions are rejected', () => {
  const errs = ruleErrors([{ rule: 'object.size > 1' }, { rule: 'true', messageExpression: '1 + 1' }]);
  assert.equal(errs.length, 2);
  assert.match(errs[0]!, /\[0\]\.rule: .*undeclared reference to 'object'/);
  assert.match(
    errs[1]!,
    /\[1\]\.messageExpression: .*messageExpression compilation failed: cel expression must evaluate to a string/,
  );
});

test('an empty rule is required', () => {
  assert.deepEqual(ruleErrors([{ rule: '' }]), [
    'spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Required value',
  ]);
});
