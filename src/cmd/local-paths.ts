import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FlagSpec } from '../cli/flags.js';

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Where `kubets server` keeps state unless `--data-dir` says otherwise (k3s: /var/lib/rancher/k3s). */
export function defaultDataDir(): string {
  return isRoot() ? '/var/lib/kubets' : join(homedir(), '.kubets');
}

export const dataDirFlag: FlagSpec = {
  name: 'data-dir',
  type: 'string',
  description: 'Folder for state (default /var/lib/kubets as root, ~/.kubets otherwise)',
  placeholder: 'DIR',
};

export function dataDirOf(flags: Record<string, unknown>): string {
  return resolve((flags['data-dir'] as string | undefined) ?? defaultDataDir());
}

/** The admin kubeconfig a server in `dataDir` wrote. */
export function kubeconfigOf(flags: Record<string, unknown>): string {
  return resolve(
    (flags.kubeconfig as string | undefined) ?? process.env.KUBECONFIG ?? join(dataDirOf(flags), 'kubeconfig.yaml'),
  );
}
