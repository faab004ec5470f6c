import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { registryFixtures } from './testdata.js';
import { validatorFor } from './validators.js';

/**
 * Validators see whatever a client sent once it has been decoded; wrongly
 * typed or oddly shaped fields must come back as field errors (or none), never
 * as a thrown TypeError that would surface as a 500.
 */
const junk = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('', 'None', '*', '10.0.0.1', 'a/b', '..', '1Gi', '-1', 'Always', '25%'),
  fc.array(
    fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { noNullPrototype: true }),
    ),
    { maxLength: 3 },
  ),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)), {
    maxKeys: 3,
    noNullPrototype: true,
  }),
);

/** Every path to a value inside a JSON-like object. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object')
    for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let cur: any = root;
  for (const p of path.slice(0, -1)) cur = cur[p];
  cur[path[path.length - 1]!] = value;
}

test('validators never throw on mutated objects', () => {
  for (const [group, kind, fixture] of registryFixtures()) {
    const v = validatorFor(group, kind)!;
    const all = paths(fixture).filter((p) => p.length > 0 && p[0] !== 'metadata');
    if (all.length === 0) continue;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(all.length - 1), junk), { minLength: 1, maxLength: 4 }), (edits) => {
        const obj = structuredClone(fixture);
        for (const [i, value] of edits) {
          try {
            setAt(obj, all[i]!, value);
          } catch {
            // The path went away with an earlier edit; skip it.
          }
        }
        try {
          const errs = [
            ...v.validate(obj),
            ...v.validateUpdate(obj, fixture),
            ...(v.validateStatusUpdate?.(obj, fixture) ?? []),
          ];
          assert.ok(Array.isArray(errs));
        } catch (e) {
          throw new Error(`${group}/${kind}: ${e instanceof Error ? e.stack : String(e)}`);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  }
});

test('validators never throw on empty or metadata-only objects', () => {
  for (const [group, kind] of registryFixtures()) {
    const v = validatorFor(group, kind)!;
    for (const obj of [{}, { metadata: {} }, { metadata: { name: 'x' }, spec: null }, { metadata: null, spec: {} }]) {
      assert.ok(Array.isArray(v.validate(obj)), `${group}/${kind}`);
      assert.ok(Array.isArray(v.validateUpdate(obj, {})), `${group}/${kind}`);
    }
  }
});
