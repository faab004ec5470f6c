import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Command } from '../cli/command.js';
import { kubeconfigOf } from './local-paths.js';

function findOnPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** `kubets kubectl ...`: runs kubectl against this machine's cluster (KUBECONFIG defaults to the server's admin kubeconfig). */
export const kubectlCommand: Command = {
  name: 'kubectl',
  summary: "Run kubectl with this cluster's kubeconfig",
  usage: 'kubectl [kubectl arguments]',
  passthrough: true,
  async run({ args, stderr }) {
    const kubectl = findOnPath('kubectl');
    if (!kubectl) {
      stderr.write(
        'kubets kubectl: kubectl is not installed; install it (e.g. apt-get install kubectl) or use any kubectl with KUBECONFIG=<data-dir>/kubeconfig.yaml\n',
      );
      return 1;
    }
    const env = { ...process.env, KUBECONFIG: kubeconfigOf({}) };
    return new Promise<number>((resolve) => {
      const child = spawn(kubectl, args, { stdio: 'inherit', env });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.on('error', (err) => {
        stderr.write(`kubets kubectl: ${err.message}\n`);
        resolve(1);
      });
    });
  },
};
