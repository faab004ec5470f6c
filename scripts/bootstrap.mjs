// Bootstrap shared by `npm start`, `npm test` and `.ci/run`: makes sure the npm
// dependencies and the Debian packages kubets relies on are present, and that the
// TypeScript build in dist/ is current. Plain Node (no dependencies), because it
// runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages later pieces need, keyed by a command or file that proves presence. */
export const systemPackages = [
  { pkg: 'containerd', probe: '/usr/bin/containerd' },
  { pkg: 'runc', probe: '/usr/sbin/runc' },
  { pkg: 'containernetworking-plugins', probe: '/usr/lib/cni/bridge' },
  { pkg: 'etcd-server', probe: '/usr/bin/etcd' },
  { pkg: 'iptables', probe: '/usr/sbin/iptables' },
  { pkg: 'nftables', probe: '/usr/sbin/nft' },
  { pkg: 'busybox-static', probe: '/bin/busybox' },
  { pkg: 'iproute2', probe: '/usr/sbin/ip' },
  // kube-proxy clears stale UDP conntrack entries when endpoints change.
  { pkg: 'conntrack', probe: '/usr/sbin/conntrack' },
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function lockHash() {
  const lock = join(root, 'package-lock.json');
  return createHash('sha256').update(readFileSync(lock)).digest('hex');
}

/** Runs `npm ci` when node_modules is missing or was installed from another lock file. */
export function ensureNodeModules() {
  const stamp = join(root, 'node_modules', '.kubets-lock-hash');
  const want = lockHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('bootstrap: installing npm packages (npm ci)');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) {
    throw new Error('npm ci failed; check network access to the npm registry and retry');
  }
  writeFileSync(stamp, want);
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs missing Debian packages with apt-get when root; otherwise prints the command. */
export function ensureSystemPackages({ required = false } = {}) {
  const missing = systemPackages.filter((p) => !existsSync(p.probe)).map((p) => p.pkg);
  if (missing.length === 0) return true;
  const cmd = `apt-get install -y ${missing.join(' ')}`;
  if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
    const msg = `bootstrap: missing system packages: ${missing.join(', ')}; install them with: sudo ${cmd}`;
    if (required) throw new Error(msg);
    console.warn(msg);
    return false;
  }
  console.log(`bootstrap: installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  if (run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }) !== 0) {
    const msg = `bootstrap: apt-get failed; run it by hand: ${cmd}`;
    if (required) throw new Error(msg);
    console.warn(msg);
    return false;
  }
  return true;
}

function newestMtime(dir, exts) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds when any source is newer than the last build (tsc is incremental anyway). */
export function ensureBuilt({ force = false } = {}) {
  const stamp = join(root, 'dist', '.build-stamp');
  const sources = Math.max(
    ...['src', 'test', 'bench', 'scripts'].map((d) => newestMtime(join(root, d), ['.ts', '.mjs', '.proto', '.json'])),
    statSync(join(root, 'tsconfig.json')).mtimeMs,
    statSync(join(root, 'package-lock.json')).mtimeMs,
  );
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return;
  if (run(process.execPath, [join(root, 'scripts', 'build.mjs')]) !== 0) throw new Error('build failed');
}
