import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdPaths, disabledPlugins, renderContainerdConfig, tomlString } from './config.js';
import { detectCgroupDriver, isCgroupV2Unified, overlaySupported } from './host-probe.js';

test('paths all live under the data dir; over-long socket paths are refused', () => {
  const p = containerdPaths('/var/lib/kubets/containerd');
  assert.deepEqual(p, {
    dataDir: '/var/lib/kubets/containerd',
    config: '/var/lib/kubets/containerd/config.toml',
    socket: '/var/lib/kubets/containerd/containerd.sock',
    root: '/var/lib/kubets/containerd/root',
    state: '/var/lib/kubets/containerd/state',
    runcRoot: '/var/lib/kubets/containerd/runc',
    cniConfDir: '/var/lib/kubets/containerd/cni/net.d',
    log: '/var/lib/kubets/containerd/containerd.log',
  });
  assert.equal(containerdPaths('/d', '/etc/cni/net.d').cniConfDir, '/etc/cni/net.d');
  assert.throws(() => containerdPaths(`/${'x'.repeat(90)}`), /socket path must stay under 100 bytes/);
});

test('tomlString escapes quotes, backslashes and control characters', () => {
  const cases: [string, string][] = [
    ['/plain/path', '"/plain/path"'],
    ['a"b', '"a\\"b"'],
    ['a\\b', '"a\\\\b"'],
    ['a\nb\tc', '"a\\u000ab\\u0009c"'],
    ['ünï', '"ünï"'],
  ];
  for (const [input, want] of cases) assert.equal(tomlString(input), want, JSON.stringify(input));
});

test('the rendered config carries the settings this machine needs', () => {
  const paths = containerdPaths('/data');
  const text = renderContainerdConfig({
    paths,
    sandboxImage: 'kubets.local/pause:1',
    snapshotter: 'overlayfs',
    cgroupDriver: 'cgroupfs',
    runcPath: '/usr/sbin/runc',
  });
  const lines = text.split('\n').map((l) => l.trim());
  const want = [
    'version = 2',
    'root = "/data/root"',
    'state = "/data/state"',
    'address = "/data/containerd.sock"',
    'address = "/data/containerd.sock.ttrpc"',
    '[plugins."io.containerd.grpc.v1.cri"]',
    'sandbox_image = "kubets.local/pause:1"',
    'restrict_oom_score_adj = true',
    'netns_mounts_under_state_dir = true',
    'snapshotter = "overlayfs"',
    'runtime_type = "io.containerd.runc.v2"',
    'SystemdCgroup = false',
    'Root = "/data/runc"',
    'BinaryName = "/usr/sbin/runc"',
    'bin_dir = "/usr/lib/cni"',
    'conf_dir = "/data/cni/net.d"',
  ];
  for (const w of want) assert.ok(lines.includes(w), `config has ${w}`);
  assert.ok(lines.includes(`disabled_plugins = [${disabledPlugins.map((d) => `"${d}"`).join(', ')}]`));
  assert.ok(!disabledPlugins.includes('io.containerd.runtime.v1.linux'), 'containerd 1.6 tasks-service needs it');
  // Each table header appears once (TOML forbids redefining a table).
  const headers = lines.filter((l) => l.startsWith('['));
  assert.equal(new Set(headers).size, headers.length);

  const systemd = renderContainerdConfig({
    paths,
    sandboxImage: 'p',
    snapshotter: 'native',
    cgroupDriver: 'systemd',
    cniBinDir: '/opt/cni/bin',
  });
  assert.match(systemd, /^ {2}SystemdCgroup = true$/m);
  assert.match(systemd, /^ {2}snapshotter = "native"$/m);
  assert.match(systemd, /^ {2}bin_dir = "\/opt\/cni\/bin"$/m);
  assert.doesNotMatch(systemd, /BinaryName/);
});

test('host probes: cgroup driver and unified hierarchy from a given root', () => {
  const root = mkdtempSync(join(tmpdir(), 'kubets-probe-'));
  try {
    mkdirSync(join(root, 'proc/self'), { recursive: true });
    assert.equal(detectCgroupDriver(root), 'cgroupfs');
    mkdirSync(join(root, 'run/systemd/system'), { recursive: true });
    assert.equal(detectCgroupDriver(root), 'systemd');
    const hybrid =
      '31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n40 31 0:35 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n';
    writeFileSync(join(root, 'proc/self/mountinfo'), hybrid);
    assert.equal(isCgroupV2Unified(root), false);
    writeFileSync(join(root, 'proc/self/mountinfo'), '31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n');
    assert.equal(isCgroupV2Unified(root), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('overlaySupported answers without leaving its scratch directory behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-overlay-'));
  try {
    const ok = overlaySupported(dir);
    assert.equal(typeof ok, 'boolean');
    if (process.getuid?.() !== 0) assert.equal(ok, false, 'without root the probe cannot mount');
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
