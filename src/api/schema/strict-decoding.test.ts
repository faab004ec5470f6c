import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyFieldValidation,
  customResourceStrictIssues,
  duplicateFieldMessage,
  strictDecodingError,
  unknownFieldMessage,
} from './strict-decoding.js';

test('strict decoding errors are 400 BadRequest with upstream wording for one and several problems', () => {
  const cases: { gvk: { kind: string; version: string }; messages: string[]; want: string }[] = [
    {
      gvk: { kind: 'Pod', version: 'v1' },
      messages: [unknownFieldMessage('spec.bogus')],
      want: 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"',
    },
    {
      gvk: { kind: 'Deployment', version: 'v1' },
      messages: [
        duplicateFieldMessage('metadata.name'),
        unknownFieldMessage('spec.unknown1'),
        unknownFieldMessage('x'),
      ],
      want:
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
        'duplicate field "metadata.name", unknown field "spec.unknown1", unknown field "x"',
    },
    {
      gvk: { kind: 'Pet', version: 'v1alpha1' },
      messages: [unknownFieldMessage('spec.favoriteColor')],
      want: 'Pet in version "v1alpha1" cannot be handled as a Pet: strict decoding error: unknown field "spec.favoriteColor"',
    },
  ];
  for (const c of cases) {
    const err = strictDecodingError(c.gvk, c.messages);
    const status = err.toStatus();
    assert.equal(status.code, 400);
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, c.want);
  }
});

test('field validation directives: Strict fails, Warn warns with each message, Ignore is silent', () => {
  const gvk = { kind: 'Pod', version: 'v1' };
  const msgs = ['unknown field "spec.bogus"', 'duplicate field "metadata.name"'];
  const strict = applyFieldValidation('Strict', gvk, msgs);
  assert.equal(strict.error?.reason, 'BadRequest');
  assert.deepEqual(strict.warnings, []);
  const warn = applyFieldValidation('Warn', gvk, msgs);
  assert.equal(warn.error, undefined);
  assert.deepEqual(warn.warnings, msgs);
  assert.deepEqual(applyFieldValidation('Ignore', gvk, msgs), { warnings: [] });
  assert.deepEqual(applyFieldValidation('Strict', gvk, []), { warnings: [] });
});

test('custom resource issues: duplicates, root metadata, pruned fields, embedded metadata (upstream order)', () => {
  // kube-apiserver field_validation_test, schemaless CRD PUT with crdInvalidBody.
  const got = customResourceStrictIssues({
    duplicates: ['metadata.name', 'spec.unknownDupe', 'spec.knownField1', 'spec.ports[0].hostPort'],
    metadataUnknown: ['metadata.unknownMeta'],
    pruned: ['spec.ports[0].unknownNested'],
    embeddedMetadataUnknown: ['spec.embeddedObj.metadata.unknownEmbeddedMeta'],
  });
  assert.deepEqual(got, [
    'duplicate field "metadata.name"',
    'duplicate field "spec.unknownDupe"',
    'duplicate field "spec.knownField1"',
    'duplicate field "spec.ports[0].hostPort"',
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.ports[0].unknownNested"',
    'unknown field "spec.embeddedObj.metadata.unknownEmbeddedMeta"',
  ]);
  assert.deepEqual(customResourceStrictIssues({ pruned: ['a', 'a'] }), ['unknown field "a"']);
});
