// `npm start`: bootstrap (npm packages, Debian packages when root), build, then run
// `kubets server` in the foreground. Extra arguments are passed to the server.
/* global process, console */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, ensureNodeModules, ensureSystemPackages, ensureBuilt } from './bootstrap.mjs';

ensureNodeModules();
ensureSystemPackages();
ensureBuilt();

const args = process.argv.slice(2);
// The local node needs root (containerd, network namespaces, cgroups); without it, run the control plane alone.
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const agentChosen = args.some((a) => /^--(disable-agent|container-runtime-endpoint)\b/.test(a));
if (!isRoot && !agentChosen) {
  console.log('start: not root, so no local node (--disable-agent); run as root for a one-node cluster');
  args.push('--disable-agent');
}

// The flag bin/kubets's shebang carries (a smaller V8 young generation: less idle RSS).
const child = spawn(process.execPath, ['--max-semi-space-size=4', join(root, 'bin', 'kubets'), 'server', ...args], {
  stdio: 'inherit',
  cwd: root,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
