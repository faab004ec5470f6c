import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listModules, parseModule, parseModuleText, type InterfaceDecl } from './parse-declarations.js';

function withTypesDir(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-openapi-'));
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const widget = `import { ObjectMeta } from "../meta/v1";
/**
 * Widget is a test kind.
 *
 * Second paragraph: mail me @ example.
 *   indented line
 */
export interface Widget {
    /** API version. */
    apiVersion?: "example.com/v1";
    kind?: "Widget";
    metadata?: ObjectMeta;
    /** Port or name. */
    port: number | string;
    /** Tags. */
    tags?: Array<string>;
    "x-extra"?: boolean;
    labels?: {
        [name: string]: string;
    };
    nested?: Array<Array<Part>>;
    either?: Part | boolean;
}
/** Part of a widget. */
export interface Part {
}
/** A stamp. */
export type Stamp = string;
`;

test('listModules finds every declaration file by module key, sorted', () => {
  withTypesDir({ 'meta/v1.d.ts': '', 'example/v1.d.ts': '', 'runtime.d.ts': '', 'README.md': '' }, (dir) => {
    assert.deepEqual(listModules(dir), ['example/v1', 'meta/v1', 'runtime']);
  });
});

test('parseModule maps properties, imports, optionality and doc comments', () => {
  withTypesDir({ 'example/v1.d.ts': widget }, (dir) => {
    const mod = parseModule(dir, 'example/v1');
    assert.equal(mod.key, 'example/v1');
    assert.deepEqual(
      mod.declarations.map((d) => [d.kind, d.name]),
      [
        ['interface', 'Widget'],
        ['interface', 'Part'],
        ['alias', 'Stamp'],
      ],
    );
    const w = mod.declarations[0] as InterfaceDecl;
    assert.equal(w.description, 'Widget is a test kind.\n\nSecond paragraph: mail me @ example.\n  indented line');
    const byName = Object.fromEntries(w.properties.map((p) => [p.name, p]));
    assert.deepEqual(byName.apiVersion.type, { kind: 'literal', value: 'example.com/v1' });
    assert.equal(byName.apiVersion.description, 'API version.');
    assert.equal(byName.apiVersion.optional, true);
    assert.equal(byName.kind.description, '');
    assert.deepEqual(byName.metadata.type, { kind: 'ref', module: 'meta/v1', name: 'ObjectMeta' });
    assert.deepEqual(byName.port.type, { kind: 'int-or-string' });
    assert.equal(byName.port.optional, false);
    assert.deepEqual(byName.tags.type, { kind: 'array', items: { kind: 'string' } });
    assert.deepEqual(byName['x-extra'].type, { kind: 'boolean' });
    assert.deepEqual(byName.labels.type, { kind: 'map', values: { kind: 'string' } });
    assert.deepEqual(byName.nested.type, {
      kind: 'array',
      items: { kind: 'array', items: { kind: 'ref', module: 'example/v1', name: 'Part' } },
    });
    assert.deepEqual(byName.either.type, {
      kind: 'union',
      members: [{ kind: 'ref', module: 'example/v1', name: 'Part' }, { kind: 'boolean' }],
    });
    assert.deepEqual(mod.declarations[2], {
      kind: 'alias',
      name: 'Stamp',
      description: 'A stamp.',
      type: { kind: 'string' },
    });
  });
});

test('unsupported type forms fail with the file and line', () => {
  const text = 'export interface Bad {\n    ok?: string;\n    f?: () => void;\n}\n';
  assert.throws(() => parseModuleText('x/v1', 'bad.d.ts', text), /unsupported type "\(\) => void" at bad\.d\.ts:3/);
  assert.throws(() => parseModuleText('x/v1', 'bad.d.ts', 'export interface B { u?: Unknown; }'), /"Unknown"/);
});

test('parseModuleText resolves extra local names and unescapes *\\/ in comments', () => {
  const text = '/** Matches "*\\/foo". */\nexport interface Extra {\n    /** Ref. */\n    other?: Elsewhere;\n}\n';
  const mod = parseModuleText('x/v1', 'extra', text, ['Elsewhere']);
  const d = mod.declarations[0] as InterfaceDecl;
  assert.equal(d.description, 'Matches "*/foo".');
  assert.deepEqual(d.properties[0].type, { kind: 'ref', module: 'x/v1', name: 'Elsewhere' });
});
