import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePodNetwork } from './pod-network.js';

test('the CNI config is written for the pod CIDR and rewritten only when it changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-'));
  try {
    const cni = { confDir: dir, bridgeName: 'kbt0', ipMasq: false };
    assert.equal(ensurePodNetwork(cni, '10.42.3.0/24'), true);
    const file = join(dir, '10-kubets.conflist');
    const conf = JSON.parse(readFileSync(file, 'utf8')) as {
      plugins: { type: string; bridge?: string; ipMasq?: boolean; ipam?: { ranges: { subnet: string }[][] } }[];
    };
    assert.deepEqual(
      conf.plugins.map((p) => p.type),
      ['bridge', 'portmap'],
    );
    assert.equal(conf.plugins[0]!.bridge, 'kbt0');
    assert.equal(conf.plugins[0]!.ipMasq, false, 'the node agent masquerades, not the bridge plugin');
    assert.equal(conf.plugins[0]!.ipam!.ranges[0]![0]!.subnet, '10.42.3.0/24');
    const mtime = statSync(file).mtimeMs;
    assert.equal(ensurePodNetwork(cni, '10.42.3.0/24'), false);
    assert.equal(statSync(file).mtimeMs, mtime);
    assert.equal(ensurePodNetwork(cni, '10.42.4.0/24'), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ipMasq follows the CNI options (the bridge plugin masquerades by default)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cni-'));
  try {
    const read = () =>
      (JSON.parse(readFileSync(join(dir, '10-kubets.conflist'), 'utf8')) as { plugins: { ipMasq?: boolean }[] })
        .plugins[0]!.ipMasq;
    assert.equal(ensurePodNetwork({ confDir: dir }, '10.42.3.0/24'), true);
    assert.equal(read(), true);
    assert.equal(ensurePodNetwork({ confDir: dir, ipMasq: false }, '10.42.3.0/24'), true, 'a flipped flag rewrites');
    assert.equal(read(), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
