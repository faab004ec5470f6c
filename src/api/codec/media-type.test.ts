import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors/status-error.js';
import {
  decodeBody,
  MediaTypes,
  mediaRangeMatches,
  parseAccept,
  parseMediaType,
  patchMediaTypes,
} from './media-type.js';
import { encodeProtobuf } from './protobuf/envelope.js';

function failure(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('parseMediaType lower-cases type and parameter names, keeps values', () => {
  assert.deepEqual(parseMediaType('application/json;as=Table;v=v1;g=meta.k8s.io'), {
    type: 'application',
    subtype: 'json',
    essence: 'application/json',
    params: { as: 'Table', v: 'v1', g: 'meta.k8s.io' },
    q: 1,
  });
  assert.deepEqual(parseMediaType(' Application/JSON ; Charset="UTF-8"; '), {
    type: 'application',
    subtype: 'json',
    essence: 'application/json',
    params: { charset: 'UTF-8' },
    q: 1,
  });
  assert.deepEqual(parseMediaType('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')?.params, {
    g: 'apidiscovery.k8s.io',
    v: 'v2',
    as: 'APIGroupDiscoveryList',
  });
  assert.equal(parseMediaType('text/plain; x="a;b\\"c"')?.params.x, 'a;b"c');
  for (const bad of ['', 'json', 'application/', '/json', 'a b/c', 'a/b; x', 'a/b; x=1; x=2', 'a/b; x="open']) {
    assert.equal(parseMediaType(bad), undefined, bad);
  }
});

test('parseAccept orders by quality, then specificity, then header order', () => {
  const kubectl =
    'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
  assert.deepEqual(
    parseAccept(kubectl).map((m) => m.params.v ?? '-'),
    ['v1', 'v1beta1', '-'],
  );
  assert.deepEqual(
    parseAccept('*/*;q=0.8, text/*, application/yaml;q=0.9, application/json, bad, image/png;q=0').map(
      (m) => m.essence,
    ),
    ['application/json', 'text/*', 'application/yaml', '*/*'],
  );
  assert.deepEqual(
    parseAccept('application/vnd.kubernetes.protobuf, */*').map((m) => m.essence),
    ['application/vnd.kubernetes.protobuf', '*/*'],
  );
  assert.deepEqual(
    parseAccept(undefined).map((m) => m.essence),
    ['*/*'],
  );
  assert.deepEqual(
    parseAccept('*').map((m) => m.essence),
    ['*/*'],
  );
  assert.equal(parseAccept('a/b;q=0.5')[0].q, 0.5);
});

test('mediaRangeMatches handles wildcards', () => {
  const [any] = parseAccept('*/*');
  const [app] = parseAccept('application/*');
  const [json] = parseAccept('application/json');
  assert.ok(mediaRangeMatches(any, 'text/plain'));
  assert.ok(mediaRangeMatches(app, 'application/yaml'));
  assert.ok(!mediaRangeMatches(app, 'text/yaml'));
  assert.ok(mediaRangeMatches(json, 'Application/JSON'));
  assert.ok(!mediaRangeMatches(json, 'application/yaml'));
});

test('decodeBody dispatches by Content-Type', () => {
  const json = Buffer.from('{"kind":"ConfigMap","apiVersion":"v1","data":{"a":"yes"}}');
  assert.deepEqual(decodeBody(json, 'application/json; charset=utf-8'), {
    mediaType: 'application/json',
    value: { kind: 'ConfigMap', apiVersion: 'v1', data: { a: 'yes' } },
  });
  // No Content-Type: upstream uses the first supported type (JSON).
  assert.equal(decodeBody(json, undefined).mediaType, 'application/json');
  assert.deepEqual(decodeBody(Buffer.from('kind: ConfigMap\ndata: {a: yes}\n'), 'application/yaml').value, {
    kind: 'ConfigMap',
    data: { a: true },
  });
  const pb = encodeProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'x' } });
  assert.deepEqual(decodeBody(pb, 'application/vnd.kubernetes.protobuf').value, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: 'x' },
  });
  const patch = Buffer.from('[{"op":"add","path":"/a","value":1}]');
  assert.deepEqual(decodeBody(patch, MediaTypes.jsonPatch, { supported: patchMediaTypes }).value, [
    { op: 'add', path: '/a', value: 1 },
  ]);
  assert.deepEqual(
    decodeBody(Buffer.from('kind: Pod\n'), MediaTypes.applyPatchYAML, { supported: patchMediaTypes }).value,
    {
      kind: 'Pod',
    },
  );
});

test('decodeBody answers 415 for unsupported or malformed types', () => {
  const body = Buffer.from('{}');
  const err = failure(() => decodeBody(body, 'text/plain'));
  assert.equal(err.code, 415);
  assert.equal(err.reason, 'UnsupportedMediaType');
  assert.equal(
    err.message,
    'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf',
  );
  assert.equal(failure(() => decodeBody(body, 'not a type')).code, 415);
  assert.equal(failure(() => decodeBody(body, 'application/json', { supported: patchMediaTypes })).code, 415);
  assert.equal(
    failure(() => decodeBody(body, 'application/cbor', { supported: patchMediaTypes })).message,
    'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
  );
});

test('decodeBody passes decode failures through as 400 with the expected kind', () => {
  const err = failure(() => decodeBody(Buffer.from('{bad'), 'application/json', { kind: 'Deployment' }));
  assert.equal(err.code, 400);
  assert.match(
    err.message,
    /^the object provided is unrecognized \(must be of type Deployment\): couldn't get version\/kind/,
  );
  const pb = failure(() => decodeBody(Buffer.from('nope'), 'application/vnd.kubernetes.protobuf'));
  assert.equal(pb.message, 'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
});

test('object bodies get upstream type-meta checks whatever their media type', () => {
  const arr = failure(() => decodeBody(Buffer.from('- a\n'), 'application/yaml', { kind: 'ConfigMap' }));
  assert.match(
    arr.message,
    /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct/,
  );
  const yamlSyntax = failure(() => decodeBody(Buffer.from('a: b: c\n'), 'application/yaml', { kind: 'ConfigMap' }));
  assert.equal(
    yamlSyntax.message,
    'the object provided is unrecognized (must be of type ConfigMap): error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context (613a20623a20630a)',
  );
  assert.match(
    failure(() => decodeBody(Buffer.from('"x"'), 'application/json')).message,
    /cannot unmarshal string into Go value/,
  );
  assert.deepEqual(decodeBody(Buffer.from(''), 'application/yaml').value, {});
  // Patch bodies are documents of any shape, errors bare.
  assert.deepEqual(decodeBody(Buffer.from('"x"'), MediaTypes.mergePatch, { supported: patchMediaTypes }).value, 'x');
  assert.equal(
    failure(() => decodeBody(Buffer.from('{bad'), MediaTypes.strategicMergePatch, { supported: patchMediaTypes }))
      .message,
    "invalid character 'b' looking for beginning of object key string",
  );
  assert.equal(
    failure(() => decodeBody(Buffer.from('a: b: c'), MediaTypes.applyPatchYAML, { supported: patchMediaTypes }))
      .message,
    'error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context',
  );
});
