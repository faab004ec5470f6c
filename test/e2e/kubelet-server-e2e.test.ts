/**
 * The kubelet HTTPS server against a real containerd and a real API server:
 * real kubectl v1.32 runs `logs` (tail, timestamps, limit, previous after a
 * restart, follow until the container exits), `exec` (stdout/stderr, stdin,
 * exit codes; WebSocket v5 and the SPDY fallback), `attach -i` and
 * `port-forward` (SPDY in WebSocket and plain SPDY, also to a listener on the
 * pod's own loopback: CRI PortForward into its netns) through the API server,
 * which presents its kubelet client certificate to our server. Direct calls
 * check TTY resizes, `/stats/summary` numbers for a running pod,
 * `/metrics/resource`, and that
 * other users are authenticated by certificate and authorized with a
 * SubjectAccessReview (401 / 403 / 200). A tiny stand-in for the pod workers
 * runs the containers, so only the server is under test. Root only;
 * everything is removed even on failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { ContainerStatus, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1.js';
import { gvr, typed, type RestClient } from '../../src/client/index.js';
import { inProcessRest } from '../../src/cmd/in-process.js';
import { createCertificate, generateKey } from '../../src/control-plane/apiserver/pki/x509.js';
import type { KeyPair } from '../../src/control-plane/apiserver/pki/cluster-pki.js';
import {
  runtimeE2eSkipReason,
  startContainerdEnv,
  type ContainerdEnv,
} from '../../src/node/runtime/testing/containerd-env.js';
import { busyboxImage } from '../../src/node/runtime/images/test-images.js';
import type { SandboxInfo } from '../../src/node/runtime/runtime-types.js';
import {
  startKubeletServer,
  type KubeletServerDeps,
  type RunningKubeletServer,
  type Summary,
} from '../../src/node/kubelet/server/index.js';
import { createLogger, parseLevel } from '../../src/lib/log.js';
import { execOverWebSocket, remoteCommandQuery } from '../../src/node/kubelet/streaming/index.js';
import { kubectlPath } from '../harness/clients.js';
import { startTestCluster, type TestCluster } from '../harness/control-plane.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet server e2e: ${skip}`);

const nodeName = 'srv-node';
const ns = 'default';

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function selfSignedServing(): { certPEM: string; keyPEM: string } {
  const k = generateKey();
  const certPEM = createCertificate({
    subject: { commonName: nodeName },
    publicKey: k.publicKey,
    selfSigningKey: k.privateKey,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth'],
    ipAddresses: ['127.0.0.1'],
  });
  return { certPEM, keyPEM: k.privateKeyPEM };
}

interface Res {
  status: number;
  body: string;
}

function kubeletGet(server: RunningKubeletServer, path: string, cert?: KeyPair): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        rejectUnauthorized: false,
        ...(cert ? { cert: cert.certPEM, key: cert.keyPEM } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function fetchLocal(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/index.html', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('kubelet server e2e', { skip, timeout: 600_000 }, () => {
  let env: ContainerdEnv | undefined;
  let cluster: TestCluster | undefined;
  let server: RunningKubeletServer | undefined;
  let admin: RestClient;
  const children = new Set<ChildProcess>();
  /** The stand-in pod workers' pods: the kubelet's view of each (what its status manager holds). */
  const pods = new Map<string, { pod: Pod; sandbox: SandboxInfo; ids: Map<string, string[]> }>();
  const byUid = (uid: string) => [...pods.values()].find((r) => r.pod.metadata?.uid === uid);

  const kubectl = (args: string[], o: { stdin?: string; env?: Record<string, string> } = {}) =>
    cluster!.kubectl(args, { stdin: o.stdin, env: o.env, timeoutMs: 60_000 });

  const running = (name: string, id: string, lastId?: string): ContainerStatus => ({
    name,
    image: busyboxImage,
    imageID: '',
    containerID: `containerd://${id}`,
    ready: true,
    restartCount: lastId ? 1 : 0,
    started: true,
    state: { running: { startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') } },
    ...(lastId
      ? { lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: `containerd://${lastId}` } } }
      : {}),
  });

  /** Creates the pod in the API (bound to our node) and its sandbox. */
  async function startPod(name: string, containers: string[]): Promise<void> {
    const pod = await typed<Pod>(admin, gvr('', 'v1', 'pods'), ns).create({
      metadata: { name },
      spec: {
        nodeName,
        automountServiceAccountToken: false,
        containers: containers.map((c) => ({ name: c, image: busyboxImage })),
      },
    });
    const sandbox = await env!.runtime.ensureSandbox({
      name,
      namespace: ns,
      uid: pod.metadata!.uid!,
      cgroupParent: env!.cgroupParent,
    });
    pods.set(name, { pod, sandbox, ids: new Map() });
  }

  async function run(
    podName: string,
    name: string,
    attempt: number,
    script: string,
    stdio: { stdin?: boolean; stdinOnce?: boolean } = {},
  ): Promise<string> {
    const r = pods.get(podName)!;
    const id = await env!.runtime.runContainer(r.sandbox, {
      name,
      attempt,
      image: busyboxImage,
      command: ['sh', '-c', script],
      env: [{ name: 'ATTEMPT', value: String(attempt) }],
      ...stdio,
    });
    r.ids.set(name, [id, ...(r.ids.get(name) ?? [])]);
    return id;
  }

  /** Writes the pod's status to the API (kubectl checks the phase) and keeps it as the kubelet's view. */
  async function publishStatus(podName: string, statuses: ContainerStatus[]): Promise<void> {
    const r = pods.get(podName)!;
    const status: Pod['status'] = {
      phase: 'Running',
      podIP: r.sandbox.ip,
      podIPs: [{ ip: r.sandbox.ip }],
      hostIP: '127.0.0.1',
      startTime: new Date(r.sandbox.createdAt).toISOString().replace(/\.\d+Z$/, 'Z'),
      containerStatuses: statuses,
    };
    const client = typed<Pod>(admin, gvr('', 'v1', 'pods'), ns);
    const cur = await client.get(podName);
    r.pod = await client.updateStatus({ ...cur, status: { ...cur.status, ...status } });
  }

  before(async () => {
    env = await startContainerdEnv({ images: ['busybox'] });
    cluster = await startTestCluster({ controllers: ['serviceaccount', 'root-ca-cert-publisher'] });
    const apiserver = cluster.cp.apiserver;
    admin = inProcessRest(
      apiserver,
      { username: 'e2e-admin', groups: ['system:masters', 'system:authenticated'] },
      'e2e',
    );
    const nodeRest = inProcessRest(
      apiserver,
      { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] },
      'kubelet',
    );
    const reviews = typed<SubjectAccessReview>(nodeRest, gvr('authorization.k8s.io', 'v1', 'subjectaccessreviews'));
    const deps: KubeletServerDeps = {
      nodeName,
      runtime: env.runtime,
      pods: () => [...pods.values()].map((r) => r.pod),
      getPod: (namespace, name) => (namespace === ns ? pods.get(name)?.pod : undefined),
      containerId: (uid, container, previous) => byUid(uid)?.ids.get(container)?.[previous ? 1 : 0],
      podIP: (uid) => byUid(uid)?.sandbox.ip,
      sandboxId: (uid) => byUid(uid)?.sandbox.id,
      async authorize(user, attrs) {
        const r = await reviews.create({
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: user.username, groups: user.groups, resourceAttributes: { ...attrs } },
        });
        return r.status?.allowed === true;
      },
    };
    server = await startKubeletServer({
      deps,
      host: '127.0.0.1',
      port: 0,
      tls: selfSignedServing(),
      clientCAPEM: cluster.cp.pki.clientCA.certPEM,
      rootDir: join(env.dir, 'kubelet'),
      podLogsRoot: env.podLogsRoot,
      log: process.env.KUBETS_TEST_LOG
        ? createLogger('kubelet', { level: parseLevel(process.env.KUBETS_TEST_LOG) })
        : undefined,
    });
    const nodes = typed<Node>(admin, gvr('', 'v1', 'nodes'));
    const node = await nodes.create({ metadata: { name: nodeName } });
    await nodes.updateStatus({
      ...node,
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { Port: server.port } },
      },
    });
    await eventually(() => typed(admin, gvr('', 'v1', 'serviceaccounts'), ns).get('default'));

    await startPod('p', ['main', 'crash', 'counter', 'echo']);
    const main = await run(
      'p',
      'main',
      0,
      // stdout and stderr reach the CRI log through separate pipes: the pause orders them.
      'for i in 1 2 3 4 5; do echo "line $i"; done; sleep 1; echo err-line >&2; exec sleep 3600',
    );
    const crash0 = await run('p', 'crash', 0, 'echo "run-$ATTEMPT"; exit 1');
    await env.runtime.waitForContainer(crash0, (s) => s.state === 'CONTAINER_EXITED');
    const crash1 = await run('p', 'crash', 1, 'echo "run-$ATTEMPT"; exec sleep 3600');
    await env.runtime.waitForContainer(main, (s) => s.state === 'CONTAINER_RUNNING');
    await env.runtime.waitForContainer(crash1, (s) => s.state === 'CONTAINER_RUNNING');
    await publishStatus('p', [running('main', main), running('crash', crash1, crash0)]);
    await eventually(async () =>
      assert.match((await env!.runtime.readContainerLog(main)).map((l) => l.text).join('\n'), /err-line/),
    );

    await startPod('web', ['web']);
    const web = await run(
      'web',
      'web',
      0,
      'mkdir -p /www /lo; echo hello-from-pod > /www/index.html; echo hello-from-loopback > /lo/index.html; ' +
        // Reachable only inside the pod's network namespace.
        'httpd -p 127.0.0.1:8081 -h /lo; exec httpd -f -p 8080 -h /www',
    );
    await env.runtime.waitForContainer(web, (s) => s.state === 'CONTAINER_RUNNING');
    await publishStatus('web', [running('web', web)]);
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await server?.close();
    await env?.dispose();
    await cluster?.dispose();
    if (env) assert.equal(existsSync(env.dir), false, 'temp dir removed');
  });

  test('kubectl logs: whole log, tail, timestamps, limit, previous', async () => {
    const all = await kubectl(['logs', 'p', '-c', 'main']);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\nerr-line\n');
    const tail = await kubectl(['logs', 'p', '-c', 'main', '--tail=2']);
    assert.equal(tail.stdout, 'line 5\nerr-line\n');
    const ts = await kubectl(['logs', 'p', '-c', 'main', '--tail=1', '--timestamps']);
    assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err-line\n$/);
    const limited = await kubectl(['logs', 'p', '-c', 'main', '--limit-bytes=9']);
    assert.equal(limited.stdout, 'line 1\nli');
    const current = await kubectl(['logs', 'p', '-c', 'crash']);
    assert.equal(current.stdout, 'run-1\n');
    const previous = await kubectl(['logs', 'p', '-c', 'crash', '--previous']);
    assert.equal(previous.code, 0, previous.stderr);
    assert.equal(previous.stdout, 'run-0\n');
    const none = await kubectl(['logs', 'p', '-c', 'main', '--previous']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /previous terminated container "main" in pod "p" not found/);
  });

  test('kubectl logs -f streams until the container exits', async () => {
    const id = await run('p', 'counter', 0, 'for i in 1 2 3; do echo "count $i"; sleep 0.5; done');
    await env!.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_RUNNING');
    const before = pods.get('p')!.pod.status!.containerStatuses!.filter((c) => c.name !== 'counter');
    await publishStatus('p', [...before, running('counter', id)]);
    const t0 = Date.now();
    const r = await kubectl(['logs', '-f', 'p', '-c', 'counter']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'count 1\ncount 2\ncount 3\n');
    assert.ok(Date.now() - t0 < 20_000, 'follow ended with the container');
  });

  for (const [mode, env_] of [
    ['WebSocket v5', {}],
    ['SPDY', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
  ] as const) {
    test(`kubectl exec over ${mode}: streams, stdin and exit codes`, async () => {
      const r = await kubectl(['exec', 'p', '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], {
        env: env_,
      });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err\n/);
      assert.match(r.stderr, /command terminated with exit code 3/);
      const input = 'first line\nsecond line\n'.repeat(200);
      const cat = await kubectl(['exec', '-i', 'p', '-c', 'main', '--', 'cat'], { stdin: input, env: env_ });
      assert.equal(cat.code, 0, cat.stderr);
      assert.equal(cat.stdout, input);
      const ok = await kubectl(['exec', 'p', '-c', 'crash', '--', 'cat', '/proc/1/cmdline'], { env: env_ });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout.replace(/\0/g, ' ').trim(), 'sleep 3600');
    });
  }

  test("kubectl attach -i reaches the container's stdin and output", async () => {
    const id = await run('p', 'echo', 0, 'exec cat', { stdin: true, stdinOnce: true });
    await env!.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_RUNNING');
    const before = pods.get('p')!.pod.status!.containerStatuses!.filter((c) => c.name !== 'echo');
    await publishStatus('p', [...before, running('echo', id)]);
    const r = await kubectl(['attach', '-i', 'p', '-c', 'echo'], { stdin: 'attached input\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /attached input\n/);
    // stdinOnce: closing stdin ended `cat`, so the container is gone.
    await env!.runtime.waitForContainer(id, (s) => s.state === 'CONTAINER_EXITED');
  });

  test('exec with a TTY forwards terminal resizes to the runtime', async () => {
    const apiserverCert = cluster!.cp.pki.kubeletClient;
    const cmd = ['sh', '-c', 'sleep 1; stty size'];
    const url = `wss://127.0.0.1:${server!.port}/exec/${ns}/p/main${remoteCommandQuery(cmd, { tty: true })}`;
    const r = await execOverWebSocket(url, {
      tty: true,
      resizes: [{ width: 100, height: 30 }],
      tls: { cert: apiserverCert.certPEM, key: apiserverCert.keyPEM, rejectUnauthorized: false },
    });
    assert.equal(r.exitCode, 0, JSON.stringify(r.status));
    assert.equal(r.stdout.trim(), '30 100');
  });

  test('exec into a container that is not running is refused', async () => {
    const r = await kubectl(['exec', 'p', '-c', 'counter', '--', 'true']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /container not found \("counter"\)/);
  });

  for (const [mode, env_, podPort, want] of [
    ['SPDY in WebSocket', {}, 8080, 'hello-from-pod\n'],
    ['plain SPDY', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, 8080, 'hello-from-pod\n'],
    ["SPDY in WebSocket (a listener on the pod's 127.0.0.1)", {}, 8081, 'hello-from-loopback\n'],
  ] as const) {
    test(`kubectl port-forward over ${mode} reaches the pod's port`, { timeout: 60_000 }, async () => {
      const child = spawn(kubectlPath(), ['port-forward', 'pod/web', `0:${podPort}`], {
        env: { ...process.env, KUBECONFIG: cluster!.kubeconfig, HOME: join(cluster!.dir, 'home'), ...env_ },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.add(child);
      try {
        let out = '';
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err += d));
        const port = await new Promise<number>((resolve, reject) => {
          child.stdout!.on('data', (d: Buffer) => {
            out += d;
            const m = new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${podPort}`).exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.once('exit', (code) => reject(new Error(`kubectl exited ${code}: ${out}${err}`)));
          setTimeout(() => reject(new Error(`kubectl did not start forwarding: ${out}${err}`)), 20_000).unref();
        });
        for (let i = 0; i < 3; i++) {
          const body = await fetchLocal(port).catch((e: unknown) => {
            throw new Error(`GET through the forward failed: ${String(e)}; kubectl: ${out}${err}`);
          });
          assert.equal(body, want, `kubectl: ${out}${err}`);
        }
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          await exited;
        }
        children.delete(child);
      }
    });
  }

  test('/stats/summary reports the running pod with CPU and memory usage', async () => {
    const apiserverCert = cluster!.cp.pki.kubeletClient;
    const first = await kubeletGet(server!, '/stats/summary', apiserverCert);
    assert.equal(first.status, 200, first.body);
    await new Promise((r) => setTimeout(r, 300));
    const s = JSON.parse((await kubeletGet(server!, '/stats/summary', apiserverCert)).body) as Summary;
    assert.equal(s.node.nodeName, nodeName);
    assert.ok((s.node.memory?.workingSetBytes ?? 0) > 0);
    assert.ok((s.node.fs?.capacityBytes ?? 0) > 0);
    assert.ok((s.node.cpu?.usageCoreNanoSeconds ?? 0) > 0);
    const p = s.pods.find((x) => x.podRef.name === 'p');
    assert.ok(p, 'the pod is listed');
    assert.equal(p.podRef.uid, pods.get('p')!.pod.metadata!.uid);
    assert.ok((p.cpu?.usageCoreNanoSeconds ?? 0) > 0, JSON.stringify(p.cpu));
    assert.ok((p.memory?.workingSetBytes ?? 0) > 0, JSON.stringify(p.memory));
    const main = p.containers.find((c) => c.name === 'main');
    assert.ok(main, 'running containers are listed');
    assert.ok((main.cpu?.usageCoreNanoSeconds ?? 0) > 0);
    assert.ok(main.cpu?.usageNanoCores !== undefined, 'a rate from the second sample on');
    assert.ok((main.memory?.workingSetBytes ?? 0) > 0);
    assert.ok((main.logs?.usedBytes ?? 0) > 0, 'its log file counts');
    assert.ok((p['ephemeral-storage']?.usedBytes ?? 0) > 0);
    assert.equal(
      p.containers.some((c) => c.name === 'counter'),
      false,
      'exited containers are not listed',
    );
    const metrics = await kubeletGet(server!, '/metrics/resource', apiserverCert);
    assert.match(
      metrics.body,
      /^container_memory_working_set_bytes\{container="main",namespace="default",pod="p"\} [1-9]\d* \d+$/m,
    );
  });

  test('other users: client certificate, then SubjectAccessReview on nodes/<subresource>', async () => {
    const pki = cluster!.cp.pki;
    assert.deepEqual(await kubeletGet(server!, '/pods'), { status: 401, body: 'Unauthorized\n' });
    const alice = pki.clientCert('client-alice', { commonName: 'alice', organizations: ['e2e-users'] });
    assert.deepEqual(await kubeletGet(server!, '/pods', alice), {
      status: 403,
      body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)\n',
    });
    await typed<ClusterRole>(admin, gvr('rbac.authorization.k8s.io', 'v1', 'clusterroles')).create({
      metadata: { name: 'e2e-node-proxy' },
      rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }],
    });
    await typed<ClusterRoleBinding>(admin, gvr('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')).create({
      metadata: { name: 'e2e-node-proxy' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'e2e-node-proxy' },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'e2e-users' }],
    });
    const list = await eventually(async () => {
      const r = await kubeletGet(server!, '/pods', alice);
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body) as { kind: string; items: Pod[] };
    });
    assert.equal(list.kind, 'PodList');
    assert.deepEqual(list.items.map((x) => x.metadata?.name).sort(), ['p', 'web']);
    const stats = await kubeletGet(server!, '/stats/summary', alice);
    assert.deepEqual(stats, {
      status: 403,
      body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)\n',
    });
  });
});
