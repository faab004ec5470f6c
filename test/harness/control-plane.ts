import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../src/cmd/control-plane.js';
import { createLogger, parseLevel } from '../../src/lib/log.js';
import { helmPath, kubectlPath } from './clients.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  cp: ControlPlane;
  url: string;
  kubeconfig: string;
  dir: string;
  /** Runs real kubectl against the cluster (fresh $HOME per cluster, so discovery caches don't leak between tests). */
  kubectl(
    args: string[],
    opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number },
  ): Promise<RunResult>;
  helm(args: string[], opts?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult>;
  /** Writes a file in the cluster's temp dir and returns its path. */
  file(name: string, content: string): string;
  dispose(): Promise<void>;
}

function run(
  bin: string,
  args: string[],
  env: Record<string, string>,
  stdin?: string,
  timeoutMs = 60_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${bin} ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Starts a real control plane (in this process) on an ephemeral loopback port
 * with a temporary data dir and SQLite datastore — our "envtest". Every test
 * file gets its own cluster; `dispose()` stops everything and removes the dir.
 */
export async function startTestCluster(
  opts: {
    datastoreEndpoint?: string;
    controllers?: string[];
    scheduler?: boolean;
    /** Passed through to `startControlPlane` (`--token-auth-file`, `--encryption-provider-config`). */
    tokenAuthFile?: string;
    encryptionConfigPath?: string;
  } = {},
): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-it-'));
  const home = join(dir, 'home');
  const level = process.env.KUBETS_TEST_LOG ? parseLevel(process.env.KUBETS_TEST_LOG) : 'error';
  const cp = await startControlPlane({
    dataDir: dir,
    bindAddress: '127.0.0.1',
    httpsPort: 0,
    advertiseAddress: '127.0.0.1',
    datastoreEndpoint: opts.datastoreEndpoint,
    kubeconfigPath: join(dir, 'kubeconfig.yaml'),
    kubeconfigMode: 0o600,
    tlsSans: [],
    serviceCIDR: '10.43.0.0/16',
    clusterCIDR: '10.42.0.0/16',
    clusterDomain: 'cluster.local',
    controllers: opts.controllers,
    scheduler: opts.scheduler ?? false,
    tokenAuthFile: opts.tokenAuthFile,
    encryptionConfigPath: opts.encryptionConfigPath,
    log: createLogger('test', { level }),
  });
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const env = { KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') };
  return {
    cp,
    url: cp.url,
    kubeconfig,
    dir,
    kubectl: (args, o = {}) => run(kubectlPath(), args, { ...env, ...(o.env ?? {}) }, o.stdin, o.timeoutMs),
    helm: (args, o = {}) =>
      run(
        helmPath(),
        args,
        {
          ...env,
          HELM_CACHE_HOME: join(home, 'helm-cache'),
          HELM_CONFIG_HOME: join(home, 'helm-config'),
          HELM_DATA_HOME: join(home, 'helm-data'),
          ...(o.env ?? {}),
        },
        o.stdin,
        o.timeoutMs,
      ),
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    async dispose() {
      await cp.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
