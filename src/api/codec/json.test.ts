import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors/status-error.js';
import { decodeJSON, decodeJSONObject, encodeJSON, findDuplicateKeys, summarizeData } from './json.js';

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('decodeJSON parses valid documents of any type', () => {
  assert.deepEqual(decodeJSON('{"a":[1,2.5,"x",true,null]}', ''), { a: [1, 2.5, 'x', true, null] });
  assert.deepEqual(decodeJSON(Buffer.from(' [ {"op":"add"} ] '), ''), [{ op: 'add' }]);
  assert.equal(decodeJSON('"\\u00e9\\n"', ''), 'é\n');
  assert.equal(decodeJSON('-0.5e-3', ''), -0.0005);
});

test('syntax errors carry Go encoding/json wording', () => {
  const cases: [string, string][] = [
    ['', 'unexpected end of JSON input'],
    ['{"a":1', 'unexpected end of JSON input'],
    ['bogus', "invalid character 'b' looking for beginning of value"],
    ['{bad}', "invalid character 'b' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
    ['1e+', 'unexpected end of JSON input'],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['tru', 'unexpected end of JSON input'],
    ['trUe', "invalid character 'U' in literal true (expecting 'u')"],
    ['nul1', "invalid character '1' in literal null (expecting 'l')"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ["'single'", "invalid character '\\'' looking for beginning of value"],
    ['\u00e9', "invalid character 'Ã' looking for beginning of value"],
    ['\x00', "invalid character '\\x00' looking for beginning of value"],
    ['\ufeff{}', "invalid character 'ï' looking for beginning of value"], // Go does not skip a BOM
  ];
  for (const [input, message] of cases) {
    const err = failure(() => decodeJSON(input, ''));
    assert.equal(err.code, 400, input);
    assert.equal(err.reason, 'BadRequest', input);
    assert.equal(err.message, message, JSON.stringify(input));
  }
});

test('nesting deeper than Go allows is an error, not a stack overflow', () => {
  const deep = '['.repeat(10001) + ']'.repeat(10001);
  assert.equal(failure(() => decodeJSON(deep, '')).message, "invalid character '[' exceeded max depth");
  const ok = '['.repeat(10000) + ']'.repeat(10000);
  assert.ok(Array.isArray(decodeJSON(ok, '')));
});

test('with an expected kind, errors read like transformDecodeError', () => {
  const err = failure(() => decodeJSON('{"kind": }', 'Pod'));
  assert.equal(
    err.message,
    `the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of value ({"kind": })`,
  );
  assert.equal(
    failure(() => decodeJSON('bogus', 'Pod')).message,
    "the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: invalid character 'b' looking for beginning of value (626f677573)",
  );
});

test('summarizeData truncates and hex-encodes non-objects', () => {
  assert.equal(summarizeData(new Uint8Array()), '<empty>');
  assert.equal(summarizeData(Buffer.from('{"a":1}')), '{"a":1}');
  assert.equal(summarizeData(Buffer.from('x'.repeat(40)), 4), '78787878 ...');
  assert.equal(summarizeData(Buffer.from(`{${'"k":1,'.repeat(10)}}`), 10), '{"k":1,"k" ...');
});

test('decodeJSONObject checks the type meta like upstream', () => {
  assert.deepEqual(decodeJSONObject('{"kind":"Pod","apiVersion":"v1"}', 'Pod'), { kind: 'Pod', apiVersion: 'v1' });
  assert.deepEqual(decodeJSONObject('null', 'Pod'), {});
  assert.match(
    failure(() => decodeJSONObject('[1]', '')).message,
    /^couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct \{ APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" \}$/,
  );
  assert.equal(
    failure(() => decodeJSONObject('{"kind":5}', '')).message,
    "couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string",
  );
  assert.equal(
    failure(() => decodeJSONObject('{"apiVersion":"v1"}', '', { requireKind: true })).message,
    `Object 'Kind' is missing in '{"apiVersion":"v1"}'`,
  );
});

test('findDuplicateKeys reports every repeated key with its field path', () => {
  const body = `{
    "metadata": {"name": "a", "name": "b", "labels": {"x": "1", "x": "2"}},
    "spec": {"paused": true, "paused": false,
      "template": {"spec": {"containers": [{"name": "c"}, {"image": "i", "image": "j"}]}}},
    "spec": {}
  }`;
  assert.deepEqual(findDuplicateKeys(body), [
    'metadata.name',
    'metadata.labels.x',
    'spec.paused',
    'spec.template.spec.containers[1].image',
    'spec',
  ]);
  // A JSON patch (top-level array), as upstream prints it: `[1].path`.
  assert.deepEqual(findDuplicateKeys('[{"op":"add"},{"path":"/a","path":"/b"}]'), ['[1].path']);
  // Escapes are compared decoded; no duplicates in valid distinct keys.
  assert.deepEqual(findDuplicateKeys('{"a":1,"\\u0061":2}'), ['a']);
  assert.deepEqual(findDuplicateKeys('{"a":{"b":1},"c":{"b":1}}'), []);
});

test('encodeJSON writes like Go json.Encoder', () => {
  const out = encodeJSON({ a: '<b>&</b>', s: '\u2028', n: 1, u: undefined });
  assert.equal(out.toString('utf8'), '{"a":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","s":"\\u2028","n":1}\n');
  assert.deepEqual(JSON.parse(out.toString('utf8')), { a: '<b>&</b>', s: '\u2028', n: 1 });
  assert.equal(encodeJSON({ plain: 'x' }).toString(), '{"plain":"x"}\n');
});
