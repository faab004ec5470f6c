import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kubectlPath } from '../harness/clients.js';
import type { RunResult } from '../harness/control-plane.js';

/**
 * Acceptance, part 1: the real `kubets server --disable-agent` binary on a free
 * port (port 0: the server picks one and prints its URL), driven by kubectl:
 * version, api-resources, api-versions, explain, and a clean SIGTERM shutdown.
 */

const root = process.env.KUBETS_ROOT ?? process.cwd();

/** The GA group versions a v1.32 apiserver serves by default (kube-apiserver + apiextensions + aggregator). */
const upstreamGroupVersions = [
  'admissionregistration.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'apiregistration.k8s.io/v1',
  'apps/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'certificates.k8s.io/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1',
  'networking.k8s.io/v1',
  'node.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1',
  'v1',
];

describe('kubets server --disable-agent (the real binary) with kubectl', () => {
  let dir: string;
  let server: ChildProcessWithoutNullStreams | undefined;
  let serverOut = '';
  let serverExit: Promise<number>;
  let kubeconfig: string;

  const kubectl = (args: string[], timeoutMs = 60_000): Promise<RunResult> =>
    new Promise((resolve, reject) => {
      const home = join(dir, 'home');
      const child = spawn(kubectlPath(), args, {
        env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, KUBECACHEDIR: join(home, '.kube', 'cache') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end();
    });

  const ok = async (args: string[]): Promise<string> => {
    const r = await kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubets-it-bin-'));
    kubeconfig = join(dir, 'kubeconfig.yaml');
    const bin = join(root, 'bin', 'kubets');
    assert.ok(existsSync(join(root, 'dist', 'src', 'cmd', 'main.js')), 'build first (npm run build)');
    const child = spawn(
      process.execPath,
      [
        bin,
        'server',
        '--disable-agent',
        '--https-listen-port',
        '0',
        '--bind-address',
        '127.0.0.1',
        '--advertise-address',
        '127.0.0.1',
        '--data-dir',
        dir,
        '--write-kubeconfig',
        kubeconfig,
        '--log-level',
        'error',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    server = child;
    child.stdin.end();
    child.stdout.on('data', (d: Buffer) => (serverOut += d.toString()));
    child.stderr.on('data', (d: Buffer) => (serverOut += d.toString()));
    serverExit = new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    // Ready once it prints its URL (bounded; the exit promise fails fast on a startup error).
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => {
        const check = () => {
          if (/kubeconfig written to/.test(serverOut)) {
            child.stdout.off('data', check);
            resolve(true);
          }
        };
        child.stdout.on('data', check);
        check();
      }),
      serverExit.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000).unref()),
    ]);
    assert.ok(ready, `kubets server did not become ready:\n${serverOut}`);
  });

  after(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      process.kill(server.pid, 'SIGKILL');
      await serverExit;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('prints the URL it listens on (a free port chosen at start) and its launch -> ready time', (t) => {
    const m = /API server ready at https:\/\/127\.0\.0\.1:(\d+) (\d+) ms after launch/.exec(serverOut);
    assert.ok(m, serverOut);
    t.diagnostic(`kubets server --disable-agent: launch -> API ready ${m[2]} ms`);
    assert.notEqual(Number(m[1]), 0);
    assert.notEqual(Number(m[1]), 6443);
  });

  test('kubectl version', async () => {
    const human = await ok(['version']);
    assert.match(human, /^Client Version: v1\.32\./m);
    assert.match(human, /^Server Version: v1\.32\.\d+/m);
    const v = JSON.parse(await ok(['version', '-o', 'json'])) as {
      serverVersion: { major: string; minor: string; gitVersion: string; platform: string };
    };
    assert.equal(v.serverVersion.major, '1');
    assert.equal(v.serverVersion.minor, '32');
    assert.match(v.serverVersion.gitVersion, /^v1\.32\.\d+/);
    assert.match(v.serverVersion.platform, /^linux\//);
  });

  test('kubectl api-versions lists every GA group version of v1.32', async () => {
    const lines = (await ok(['api-versions'])).trim().split('\n');
    for (const gv of upstreamGroupVersions) assert.ok(lines.includes(gv), `missing ${gv} in:\n${lines.join('\n')}`);
    assert.deepEqual([...lines].sort(), lines, 'api-versions output is sorted');
  });

  test('kubectl api-resources (default, wide, filters, name output)', async () => {
    const out = await ok(['api-resources']);
    assert.match(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    const expected: [string, string, string, string, string][] = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
    ];
    for (const cells of expected) assert.match(out, new RegExp(`^${cells.join('\\s+')}\\s*$`, 'm'), cells.join(' '));
    // Resources without short names, and subresources are not listed.
    assert.match(out, /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole\s*$/m);
    assert.doesNotMatch(out, /pods\/status|deployments\/scale/);

    const wide = await ok(['api-resources', '--api-group=apps', '-o', 'wide']);
    assert.match(
      wide,
      /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all\s*$/m,
    );
    const cluster = await ok(['api-resources', '--namespaced=false', '-o', 'name']);
    assert.ok(cluster.split('\n').includes('nodes'), cluster);
    assert.ok(!cluster.split('\n').includes('pods'), cluster);
    const verbs = await ok(['api-resources', '--verbs=create', '--api-group=authentication.k8s.io', '-o', 'name']);
    assert.deepEqual(verbs.trim().split('\n').sort(), [
      'selfsubjectreviews.authentication.k8s.io',
      'tokenreviews.authentication.k8s.io',
    ]);
  });

  test('kubectl explain deployment.spec.template', async () => {
    const out = await ok(['explain', 'deployment.spec.template']);
    assert.match(out, /^GROUP:\s+apps$/m);
    assert.match(out, /^KIND:\s+Deployment$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD: template <PodTemplateSpec>/m);
    assert.match(out, /Template describes the pods that will be created/);
    assert.match(out, /^\s+metadata\s+<ObjectMeta>$/m);
    assert.match(out, /^\s+spec\s+<PodSpec>$/m);
    const containers = await ok(['explain', 'deployment.spec.template.spec.containers.image']);
    assert.match(containers, /^FIELD: image <string>/m);
  });

  test('SIGTERM shuts the server down cleanly (exit code 0)', async () => {
    assert.ok(server?.pid !== undefined);
    process.kill(server.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      serverExit,
      new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-999), 60_000))),
    ]);
    clearTimeout(timer);
    assert.equal(code, 0, serverOut);
    assert.match(serverOut, /received SIGTERM, shutting down/);
  });
});
