import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDefinitionsPath, definitionForGVK, loadDefinitions } from './definitions.js';
import { writeDefinitionsFile } from './generator/generate-definitions.js';
import type { Definitions } from './schema-types.js';

const sample: Definitions = {
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions': {
    type: 'object',
    'x-kubernetes-group-version-kind': [
      { group: '', kind: 'DeleteOptions', version: 'v1' },
      { group: 'apps', kind: 'DeleteOptions', version: 'v1' },
    ],
  },
  'io.k8s.api.core.v1.PodSpec': { type: 'object' },
};

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-defs-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('loadDefinitions reads the generated file once and caches it', () => {
  withTempDir((dir) => {
    const file = join(dir, 'nested', 'definitions.json');
    writeDefinitionsFile(sample, file);
    const first = loadDefinitions(file);
    assert.deepEqual(first, sample);
    rmSync(file);
    assert.equal(loadDefinitions(file), first, 'served from the cache after the file is gone');
  });
});

test('a missing definitions file names the file and the fix', () => {
  withTempDir((dir) => {
    const file = join(dir, 'definitions.json');
    assert.throws(
      () => loadDefinitions(file),
      (err: Error) => err.message.includes(file) && err.message.includes('run npm run build'),
    );
  });
});

test('the default path is dist/generated/definitions.json at the repository root', () => {
  assert.match(defaultDefinitionsPath(), /[/\\]dist[/\\]generated[/\\]definitions\.json$/);
  assert.doesNotMatch(defaultDefinitionsPath(), /[/\\]dist[/\\](src|dist)[/\\]/);
});

test('definitionForGVK finds a definition by any of its GVKs', () => {
  assert.equal(
    definitionForGVK(sample, { group: 'apps', version: 'v1', kind: 'Deployment' })?.name,
    'io.k8s.api.apps.v1.Deployment',
  );
  const del = definitionForGVK(sample, { group: 'apps', version: 'v1', kind: 'DeleteOptions' });
  assert.equal(del?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  assert.equal(del?.schema, sample['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
  assert.equal(definitionForGVK(sample, { group: 'apps', version: 'v2', kind: 'Deployment' }), undefined);
  assert.equal(definitionForGVK(sample, { group: '', version: 'v1', kind: 'PodSpec' }), undefined);
});
