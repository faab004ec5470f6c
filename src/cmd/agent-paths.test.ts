import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentPaths, readNodeHostState, writeNodeHostState } from './agent-paths.js';

test('agent paths live under <data>/agent; the socket path stays short', () => {
  const p = agentPaths('/var/lib/kubets');
  assert.equal(p.containerdSocket, '/var/lib/kubets/agent/containerd/containerd.sock');
  assert.equal(p.kubelet, '/var/lib/kubets/agent/kubelet');
  assert.equal(p.state, '/var/lib/kubets/agent/node-state.json');
});

test('no record, or an unreadable one, reads as undefined', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-state-'));
  try {
    assert.equal(readNodeHostState(agentPaths(dir)), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the host-state record keeps bridges and cgroup roots of earlier starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbt-state-'));
  try {
    const paths = agentPaths(dir);
    const base = { nodeName: 'n', cgroupDriver: 'cgroupfs' as const, sandboxImage: 'p' };
    writeNodeHostState(paths, { ...base, bridge: 'cni0', cgroupRoot: '/' });
    writeNodeHostState(paths, { ...base, bridge: 'kbt1', cgroupRoot: '/a' });
    writeNodeHostState(paths, { ...base, bridge: 'kbt1', cgroupRoot: '/b' });
    writeNodeHostState(paths, { ...base, bridge: 'cni0', cgroupRoot: '/b' });
    const s = readNodeHostState(paths);
    assert.equal(s?.bridge, 'cni0');
    assert.deepEqual(s?.formerBridges, ['kbt1']);
    assert.deepEqual(s?.formerCgroupRoots?.sort(), ['/', '/a']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
