import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StatusError } from '../errors/status-error.js';
import { decodeJSON, decodeJSONObject, encodeJSON, findDuplicateKeys } from './json.js';
import { scanJSON } from './json-scanner.js';
import { decodeBody, objectMediaTypes, patchMediaTypes } from './media-type.js';
import { decodeProtobuf, encodeProtobuf } from './protobuf/envelope.js';
import { kubectlBodies } from './protobuf/testdata/kubectl-bodies.js';
import { sampleObjects } from './protobuf/testdata/objects.js';
import { decodeYAMLDocuments, decodeYAMLObject, encodeYAML } from './yaml.js';

/*
 * Hostile bodies must never crash a decoder: every outcome is a value or a
 * StatusError (never a TypeError/RangeError), and every call returns promptly.
 */
const decoders: [string, (b: Uint8Array) => unknown][] = [
  ['decodeJSON', (b) => decodeJSON(b, 'Pod')],
  ['decodeJSONObject', (b) => decodeJSONObject(b, '', { requireKind: true })],
  ['findDuplicateKeys', (b) => findDuplicateKeys(b)],
  ['decodeYAMLObject', (b) => decodeYAMLObject(b)],
  ['decodeYAMLDocuments', (b) => decodeYAMLDocuments(b)],
  ['decodeProtobuf', (b) => decodeProtobuf(b)],
  [
    'decodeBody protobuf',
    (b) => decodeBody(b, 'application/vnd.kubernetes.protobuf', { kind: 'Pod', apiVersion: 'v1' }),
  ],
  ['decodeBody apply', (b) => decodeBody(b, 'application/apply-patch+yaml', { supported: patchMediaTypes })],
];

/** Runs every decoder; fails on anything but a value or a StatusError, or a slow call. */
function survives(bytes: Uint8Array): boolean {
  for (const [name, decode] of decoders) {
    const started = performance.now();
    try {
      decode(bytes);
    } catch (e) {
      if (!(e instanceof StatusError)) {
        throw new Error(`${name} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      }
      assert.ok(e.code === 400 || e.code === 415, `${name}: unexpected status ${e.code}`);
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `${name} took ${Math.round(elapsed)} ms on ${bytes.length} bytes`);
  }
  return true;
}

type Mutation = {
  at: number;
  op: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'duplicate';
  byte: number;
  len: number;
};
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'),
  byte: fc.integer({ min: 0, max: 255 }),
  len: fc.integer({ min: 1, max: 16 }),
});

function mutate(seed: Uint8Array, mutations: Mutation[]): Uint8Array {
  let b = [...seed];
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length) b[at] ^= 1 << (m.byte % 8);
        break;
      case 'set':
        if (b.length) b[at] = m.byte;
        break;
      case 'insert':
        b.splice(at, 0, m.byte);
        break;
      case 'delete':
        b.splice(at, m.len);
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'duplicate':
        b.splice(at, 0, ...b.slice(at, at + m.len));
        break;
    }
  }
  return Uint8Array.from(b);
}

const seeds: Uint8Array[] = [
  ...sampleObjects.slice(0, 12).map((o) => encodeProtobuf(o)),
  ...kubectlBodies.map((b) => Uint8Array.from(Buffer.from(b.hex, 'hex'))),
  ...sampleObjects.slice(0, 8).map((o) => Uint8Array.from(encodeJSON(o))),
  ...sampleObjects.slice(0, 8).map((o) => Uint8Array.from(Buffer.from(encodeYAML(o)))),
  Uint8Array.from(Buffer.from('a: &a [1, *a]\nb: {<<: [*a]}\n? [x]\n: y\n---\n- !!int z\n')),
];

test('random bytes never crash a decoder', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), survives), { numRuns: 300 });
  // Bytes that start like a protobuf envelope reach deeper into the message decoder.
  const magic = fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...b]));
  fc.assert(fc.property(magic, survives), { numRuns: 300 });
});

test('random mutations of valid JSON, YAML and protobuf bodies never crash a decoder', () => {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, ms) =>
      survives(mutate(seed, ms)),
    ),
    { numRuns: 400 },
  );
});

test('pathological nesting is rejected cleanly', () => {
  for (const text of ['['.repeat(20000), '{"a":'.repeat(20000), '- '.repeat(3000) + 'x', '{a: '.repeat(3000)]) {
    survives(Buffer.from(text));
  }
  // Deeply nested length-delimited fields inside a v1 Pod envelope.
  let nested = Uint8Array.of(0x08, 0x01);
  for (let i = 0; i < 2000; i++) nested = Uint8Array.from([0x0a, ...varint(nested.length), ...nested]);
  const typeMeta = [0x0a, 0x02, 0x76, 0x31, 0x12, 0x03, 0x50, 0x6f, 0x64];
  survives(
    Uint8Array.from([
      0x6b,
      0x38,
      0x73,
      0x00,
      0x0a,
      typeMeta.length,
      ...typeMeta,
      0x12,
      ...varint(nested.length),
      ...nested,
    ]),
  );
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

test('the JSON scanner accepts exactly what JSON.parse accepts', () => {
  const text = fc.oneof(
    fc.json(),
    fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '"', ':', '0', '-', '.', 'e', ' ', '\n', 'x', '\\', '\u0001'),
      )
      .map(([j, at, ch]) => j.slice(0, at % (j.length + 1)) + ch + j.slice(at % (j.length + 1))),
    fc.string({ maxLength: 40 }),
  );
  fc.assert(
    fc.property(text, (t) => {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      const { error } = scanJSON(Buffer.from(t, 'utf8'));
      assert.equal(error === undefined, valid, `${JSON.stringify(t)}: scanner says ${error ?? 'valid'}`);
      if (valid) assert.deepEqual(decodeJSON(t, ''), JSON.parse(t));
    }),
    { numRuns: 1000 },
  );
});

test('encodeJSON output always parses back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.deepEqual(decodeJSON(encodeJSON(v), ''), JSON.parse(JSON.stringify(v)));
    }),
    { numRuns: 300 },
  );
});

test('every media type the decoders accept survives random bodies', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...objectMediaTypes, ...patchMediaTypes),
      fc.uint8Array({ maxLength: 100 }),
      (ct, b) => {
        const supported = [...objectMediaTypes, ...patchMediaTypes];
        try {
          decodeBody(b, ct, { supported });
        } catch (e) {
          if (!(e instanceof StatusError)) throw e;
        }
        return true;
      },
    ),
    { numRuns: 200 },
  );
});
