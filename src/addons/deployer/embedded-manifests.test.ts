import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEmbeddedManifests } from './embedded-manifests.js';

test('writeEmbeddedManifests: write, keep, rewrite, remove when disabled, leave skipped files alone', (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'kbt-embedded-')), 'manifests');
  t.after(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  const m = (content: string, disabled = false) => [{ file: 'coredns.yaml', content, disabled }];

  assert.deepEqual(writeEmbeddedManifests(dir, m('v1')), { 'coredns.yaml': 'written' });
  assert.equal(readFileSync(join(dir, 'coredns.yaml'), 'utf8'), 'v1');
  assert.deepEqual(writeEmbeddedManifests(dir, m('v1')), { 'coredns.yaml': 'unchanged' });
  // A user's edit is overwritten at the next start (k3s does the same without a .skip).
  writeFileSync(join(dir, 'coredns.yaml'), 'edited');
  assert.deepEqual(writeEmbeddedManifests(dir, m('v1')), { 'coredns.yaml': 'written' });
  assert.equal(readFileSync(join(dir, 'coredns.yaml'), 'utf8'), 'v1');
  assert.deepEqual(readdirSync(dir), ['coredns.yaml'], 'no temporary file left');

  assert.deepEqual(writeEmbeddedManifests(dir, m('v1', true)), { 'coredns.yaml': 'removed' });
  assert.equal(existsSync(join(dir, 'coredns.yaml')), false);
  assert.deepEqual(writeEmbeddedManifests(dir, m('v1', true)), { 'coredns.yaml': 'absent' });

  writeFileSync(join(dir, 'coredns.yaml'), 'mine');
  writeFileSync(join(dir, 'coredns.yaml.skip'), '');
  assert.deepEqual(writeEmbeddedManifests(dir, m('v2')), { 'coredns.yaml': 'skipped' });
  assert.deepEqual(writeEmbeddedManifests(dir, m('v2', true)), { 'coredns.yaml': 'skipped' });
  assert.equal(readFileSync(join(dir, 'coredns.yaml'), 'utf8'), 'mine');
});
