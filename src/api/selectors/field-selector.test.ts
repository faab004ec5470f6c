import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StatusError } from '../errors/status-error.js';
import {
  escapeFieldValue,
  everythingFields,
  fieldSelectorFromSet,
  parseFieldSelector,
  tryParseFieldSelector,
  unescapeFieldValue,
} from './field-selector.js';

test('parse: terms, operators, canonical string', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a=b', 'a=b'],
    ['a==b', 'a=b'],
    ['a!=b', 'a!=b'],
    ['c!=d,a=b,e==f', 'a=b,c!=d,e=f'],
    ['a=', 'a='],
    ['=b', '=b'],
    ['a=b,,c=d', 'a=b,c=d'],
    [',', ''],
    ['metadata.name=x\\,y', 'metadata.name=x\\,y'],
    ['a=x\\=y\\\\z', 'a=x\\=y\\\\z'],
    // Whitespace is part of field names and values, as upstream.
    ['a = b', 'a = b'],
  ];
  for (const [input, want] of cases) {
    const sel = parseFieldSelector(input);
    assert.equal(sel.toString(), want, JSON.stringify(input));
    assert.equal(parseFieldSelector(want).toString(), want);
  }
  assert.equal(parseFieldSelector('').isEmpty(), true);
  assert.equal(parseFieldSelector('a=b').isEmpty(), false);
  assert.deepEqual(parseFieldSelector('x!=1,a==b').terms(), [
    { field: 'a', op: '=', value: 'b' },
    { field: 'x', op: '!=', value: '1' },
  ]);
  assert.deepEqual(parseFieldSelector('a = b').terms(), [{ field: 'a ', op: '=', value: ' b' }]);
});

test('parse: errors are 400 with upstream messages', () => {
  const cases: [string, string][] = [
    ['a', "invalid selector: 'a'; can't understand 'a'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a!=b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    ['a=b\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ['a==b=c', 'invalid field selector: unescaped character in value: 61'],
    ['a=b\\,c\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseFieldSelector(input),
      (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message,
      input,
    );
    assert.equal(tryParseFieldSelector(input), message);
  }
});

test('matches: equality, inequality, missing fields read as empty', () => {
  const fields = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': '' };
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=web', true],
    ['metadata.name==web', true],
    ['metadata.name=db', false],
    ['metadata.name!=db', true],
    ['metadata.name!=web', false],
    ['metadata.name=web,status.phase=Running', true],
    ['metadata.name=web,status.phase!=Running', false],
    ['spec.nodeName=', true],
    ['spec.nodeName!=', false],
    ['unknown=', true],
    ['unknown=x', false],
    ['unknown!=x', true],
    ['constructor=', true],
  ];
  for (const [sel, want] of cases) assert.equal(parseFieldSelector(sel).matches(fields), want, sel);
  assert.equal(parseFieldSelector('a=x\\,y').matches({ a: 'x,y' }), true);
  assert.equal(everythingFields.matches({}), true);
});

test('exactMatchValue', () => {
  const sel = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed,metadata.name==p');
  assert.equal(sel.exactMatchValue('spec.nodeName'), 'n1');
  assert.equal(sel.exactMatchValue('metadata.name'), 'p');
  assert.equal(sel.exactMatchValue('status.phase'), undefined);
  assert.equal(sel.exactMatchValue('other'), undefined);
});

test('transform rewrites and drops terms', () => {
  const sel = parseFieldSelector('spec.host=n1,drop=x');
  const out = sel.transform((field, value) =>
    field === 'drop' ? { field: '', value: '' } : { field: field === 'spec.host' ? 'spec.nodeName' : field, value },
  );
  assert.equal(out.toString(), 'spec.nodeName=n1');
  assert.equal(sel.toString(), 'drop=x,spec.host=n1', 'original unchanged');
  assert.equal(
    parseFieldSelector('a=b')
      .transform(() => ({ field: '', value: '' }))
      .isEmpty(),
    true,
  );
});

test('escape and unescape', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['a,b', 'a\\,b'],
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['', ''],
  ];
  for (const [raw, escaped] of cases) {
    assert.equal(escapeFieldValue(raw), escaped);
    assert.equal(unescapeFieldValue(escaped), raw);
  }
  assert.deepEqual(unescapeFieldValue('a,b'), { error: 'invalid field selector: unescaped character in value: 44' });
});

test('fieldSelectorFromSet', () => {
  const sel = fieldSelectorFromSet({ 'spec.nodeName': 'n,1', 'metadata.name': 'x' });
  assert.equal(sel.toString(), 'metadata.name=x,spec.nodeName=n\\,1');
  assert.equal(sel.matches({ 'metadata.name': 'x', 'spec.nodeName': 'n,1' }), true);
  assert.equal(fieldSelectorFromSet({}).isEmpty(), true);
});

test('property: random strings never crash the parser; values round-trip through escaping', () => {
  const alphabet = fc.constantFrom('a', 'b', '=', '!', ',', '\\', ' ', '.', 'é');
  const selectorish = fc.array(alphabet, { maxLength: 16 }).map((p) => p.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), selectorish), (s) => {
      const out = tryParseFieldSelector(s);
      if (typeof out === 'string') {
        assert.throws(
          () => parseFieldSelector(s),
          (e: unknown) => e instanceof StatusError && e.code === 400,
        );
        return;
      }
      out.matches({ a: 'b' });
      // Names that contain no operator characters survive the canonical form.
      if (out.terms().every((t) => !/[=!,\\]/.test(t.field))) {
        const again = parseFieldSelector(out.toString());
        const key = (t: { field: string; op: string; value: string }) => JSON.stringify([t.field, t.op, t.value]);
        assert.deepEqual(again.terms().map(key).sort(), out.terms().map(key).sort());
        assert.equal(parseFieldSelector(again.toString()).toString(), again.toString());
      }
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.string(), (v) => {
      assert.equal(unescapeFieldValue(escapeFieldValue(v)), v);
      assert.equal(parseFieldSelector(`f=${escapeFieldValue(v)}`).matches({ f: v }), true);
    }),
  );
});
