// `npm start`: bootstrap (npm packages, Debian packages when root), build, then run
// `kubets server` in the foreground. Extra arguments are passed to the server.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { root, ensureNodeModules, ensureSystemPackages, ensureBuilt } from './bootstrap.mjs';

ensureNodeModules();
ensureSystemPackages();
ensureBuilt();

const child = spawn(process.execPath, [join(root, 'bin', 'kubets'), 'server', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
