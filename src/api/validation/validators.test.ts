import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldPath } from './field-error.js';
import { isValidPercent, validateFQDN, validateNonSpecialIP } from './formats.js';
import { regexError } from './names.js';
import { nameValidatorFor, validatorFor } from './validators.js';
import { clone, deployment, kinds, messages, registryFixtures } from './testdata.js';

const fixtures = registryFixtures();

test('every registered kind accepts a valid object and a no-op update', () => {
  for (const [group, kind, obj] of fixtures) {
    const v = validatorFor(group, kind);
    assert.ok(v, `${group}/${kind} is registered`);
    assert.deepEqual(messages(v.validate(clone(obj))), [], `${group}/${kind} create`);
    assert.deepEqual(messages(v.validateUpdate(clone(obj), clone(obj))), [], `${group}/${kind} update`);
    if (v.validateStatusUpdate)
      assert.deepEqual(messages(v.validateStatusUpdate(clone(obj), clone(obj))), [], `${group}/${kind} status`);
  }
});

test('every registered kind rejects a bad name and a renaming update', () => {
  for (const [group, kind, obj] of fixtures) {
    const v = validatorFor(group, kind)!;
    const bad = clone(obj);
    bad.metadata.name = 'Bad/Name';
    assert.ok(kinds(v.validate(bad)).includes('FieldValueInvalid metadata.name'), `${group}/${kind} rejects the name`);
    const renamed = clone(obj);
    renamed.metadata.name = `${obj.metadata.name}x`;
    if (group === 'apiextensions.k8s.io') continue; // a CRD rename also breaks the plural.group rule; covered elsewhere
    assert.ok(
      kinds(v.validateUpdate(renamed, clone(obj))).includes('FieldValueInvalid metadata.name'),
      `${group}/${kind} rename`,
    );
  }
});

test('the registry has no entries for unknown kinds and exact messages flow through', () => {
  assert.equal(validatorFor('example.com', 'Widget'), undefined);
  assert.equal(validatorFor('', 'Deployment'), undefined);
  const d = deployment();
  d.spec!.template.spec!.containers[0]!.image = '';
  assert.deepEqual(messages(validatorFor('apps', 'Deployment')!.validate(d)), [
    'spec.template.spec.containers[0].image: Required value',
  ]);
});

test('name validators per kind', () => {
  const cases: [string, string, string, boolean][] = [
    ['', 'Pod', 'web.v1', true],
    ['', 'Namespace', 'web.v1', false],
    ['', 'Service', '1web', false],
    ['', 'Service', 'web-1', true],
    ['apps', 'StatefulSet', 'db.1', false],
    ['rbac.authorization.k8s.io', 'ClusterRole', 'system:controller:job', true],
    ['rbac.authorization.k8s.io', 'Role', '..', false],
    ['policy', 'PodDisruptionBudget', 'Any_Name', true],
    ['example.com', 'Widget', 'Widget', false],
  ];
  for (const [group, kind, name, ok] of cases)
    assert.equal(nameValidatorFor(group, kind)(name, false).length === 0, ok, `${group}/${kind} ${name}`);
  assert.deepEqual(nameValidatorFor('', 'Pod')('web-', true), [], 'generateName prefixes may end in a dash');
});

test('format helpers', () => {
  const p = FieldPath.of('ip');
  const ip = (s: string) => validateNonSpecialIP(p, s).map((e) => e.detail);
  assert.deepEqual(ip('10.0.0.1'), []);
  assert.deepEqual(ip('0.0.0.0'), ['may not be unspecified (0.0.0.0)']);
  assert.deepEqual(ip('127.0.0.2'), ['may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  assert.deepEqual(ip('::1'), ['may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  assert.deepEqual(ip('fe80::1'), ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
  assert.deepEqual(ip('::ffff:169.254.0.1'), ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
  assert.deepEqual(ip('224.0.0.1'), ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)']);
  assert.deepEqual(ip('2001:db8::1'), []);
  assert.deepEqual(validateFQDN(p, 'db.example.com.'), []);
  assert.deepEqual(
    validateFQDN(p, 'localhost').map((e) => e.detail),
    ['should be a domain with at least two segments separated by dots'],
  );
  assert.deepEqual(isValidPercent('25%'), []);
  assert.deepEqual(isValidPercent('25'), [
    "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
  ]);
  assert.equal(regexError('m', 'f'), "m (regex used for validation is 'f')");
});
