import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { defaultDataDir } from './local-paths.js';

function findOnPath(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export interface KubectlInvocation {
  /** kubectl's arguments (kubets' own `--data-dir` removed). */
  args: string[];
  /** The environment to run it with. */
  env: NodeJS.ProcessEnv;
  /** Where the kubeconfig came from, for messages. */
  kubeconfigFrom: 'flag' | 'data-dir' | 'env' | 'default' | 'kubectl-default';
}

/**
 * Which kubeconfig `kubets kubectl` uses, most explicit first (k3s's
 * `k3s kubectl` order, plus kubets' `--data-dir`):
 * 1. `--kubeconfig` among the arguments: kubectl reads it; nothing is set;
 * 2. `--data-dir DIR` (taken out of the arguments, kubectl has no such flag):
 *    that server's `DIR/kubeconfig.yaml`;
 * 3. a non-empty KUBECONFIG in the environment, untouched (it may be a list);
 * 4. the default data dir's kubeconfig when it exists, else kubectl's own
 *    default (~/.kube/config).
 * Only arguments before a `--` are looked at: the rest belongs to the
 * command kubectl runs (exec, run).
 */
export function kubectlInvocation(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  o: { defaultDataDir?: string; exists?: (path: string) => boolean } = {},
): KubectlInvocation {
  const exists = o.exists ?? existsSync;
  const end = argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--');
  const args: string[] = [];
  let dataDir: string | undefined;
  let hasKubeconfig = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (i >= end) {
      args.push(a);
      continue;
    }
    if (a === '--data-dir' || a.startsWith('--data-dir=')) {
      const v = a === '--data-dir' ? argv[++i] : a.slice('--data-dir='.length);
      if (!v || i >= end) throw new UsageError('--data-dir needs a folder: kubets kubectl --data-dir DIR ...');
      dataDir = v;
      continue;
    }
    if (a === '--kubeconfig' || a.startsWith('--kubeconfig=')) hasKubeconfig = true;
    args.push(a);
  }
  if (hasKubeconfig) return { args, env: { ...env }, kubeconfigFrom: 'flag' };
  if (dataDir !== undefined) {
    return { args, env: { ...env, KUBECONFIG: join(resolve(dataDir), 'kubeconfig.yaml') }, kubeconfigFrom: 'data-dir' };
  }
  if (env.KUBECONFIG) return { args, env: { ...env }, kubeconfigFrom: 'env' };
  const fallback = join(o.defaultDataDir ?? defaultDataDir(), 'kubeconfig.yaml');
  if (exists(fallback)) return { args, env: { ...env, KUBECONFIG: fallback }, kubeconfigFrom: 'default' };
  return { args, env: { ...env }, kubeconfigFrom: 'kubectl-default' };
}

/** `kubets kubectl ...`: runs kubectl against this machine's cluster (see kubectlInvocation for the kubeconfig). */
export const kubectlCommand: Command = {
  name: 'kubectl',
  summary: "Run kubectl with this cluster's kubeconfig",
  usage: 'kubectl [--data-dir DIR] [kubectl arguments]',
  passthrough: true,
  async run({ args, stderr }) {
    const kubectl = findOnPath('kubectl');
    if (!kubectl) {
      stderr.write(
        'kubets kubectl: kubectl is not installed; install it (e.g. apt-get install kubectl) or use any kubectl with KUBECONFIG=<data-dir>/kubeconfig.yaml\n',
      );
      return 1;
    }
    const inv = kubectlInvocation(args, process.env);
    if (inv.kubeconfigFrom === 'data-dir' && !existsSync(inv.env.KUBECONFIG!)) {
      stderr.write(`kubets kubectl: no kubeconfig at ${inv.env.KUBECONFIG}; has a server run with this --data-dir?\n`);
      return 1;
    }
    return new Promise<number>((resolveExit) => {
      const child = spawn(kubectl, inv.args, { stdio: 'inherit', env: inv.env });
      child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
      child.on('error', (err) => {
        stderr.write(`kubets kubectl: ${err.message}\n`);
        resolveExit(1);
      });
    });
  },
};
