// Issue 9's acceptance list through one `kubets server` (control plane and
// local node on a real containerd, as a child process) driven only by real
// kubectl v1.32: run + logs -f, exec -i with stdin and exit codes, attach,
// port-forward to busybox httpd fetched over loopback (also to a listener on
// the pod's own 127.0.0.1, through CRI into its netns), cp both ways, debug
// with an ephemeral container, a 10-replica Deployment becoming Available,
// liveness restarts with crash-loop back-off, readiness flipping Ready, preStop
// before SIGTERM within the grace period, configMap/secret volumes updated in
// place, SIGKILL of the server and a restart on the same data dir leaving
// containers untouched, a Job completing, and the memory limit in the pod's
// cgroups. Registry auth (imagePullSecrets) is covered up to the CRI pull call
// in src/node/kubelet/pod-workers/image-pull-auth.test.ts. Root only; `kubets uninstall`
// removes everything in `after`, also when a test failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import { agentPaths } from '../../src/cmd/agent-paths.js';
import { findContainerdDaemons } from '../../src/cmd/host-teardown.js';
import { runKubets } from '../../src/cmd/testing/server-process.js';
import { findShimPids } from '../../src/node/runtime/containerd/host-cleanup.js';
import { busyboxImage, httpdImage } from '../../src/node/runtime/index.js';
import { httpdIndexHtml } from '../../src/node/runtime/images/test-images.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { kubectlPath } from '../harness/clients.js';
import { follow, hostUptime, httpGetLocal, poll } from './kubelet-acceptance/helpers.js';
import * as m from './kubelet-acceptance/manifests.js';
import { AcceptanceServer } from './kubelet-acceptance/server.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubelet acceptance e2e: ${skip}`);

/** The kubelet's sync period here (`--kubelet-arg sync-frequency`); volume contents refresh on it. */
const syncSeconds = 10;
const readyLine = /node (\S+) Ready (\d+) ms after launch/;

const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type);
const isReady = (p: Pod) => condition(p, 'Ready')?.status === 'True';
const isRunning = (p: Pod) => p.status?.phase === 'Running';
/** `kubectl get pod --no-headers` columns: NAME READY STATUS RESTARTS AGE. */
const tableRow = (line: string) => {
  const [name, ready, status, restarts] = line.trim().split(/\s{2,}/);
  return { name, ready, status, restarts };
};

describe('kubelet acceptance (issue 9): kubets server + real kubectl', { skip, timeout: 480_000 }, () => {
  let dir: string;
  let server: AcceptanceServer;
  let debugLog = '';

  const ok = async (args: string[], o: { stdin?: string; timeoutMs?: number } = {}) => {
    const r = await server.kubectl(args, o);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} -> ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const apply = (json: string) => ok(['apply', '-f', '-'], { stdin: json });
  const getPod = async (name: string) => JSON.parse(await ok(['get', 'pod', name, '-o', 'json'])) as Pod;
  const waitPod = (name: string, what: string, pred: (p: Pod) => boolean, timeoutMs = 120_000) =>
    poll(
      `pod ${name} ${what}`,
      async () => {
        const p = await getPod(name);
        return pred(p) ? p : undefined;
      },
      timeoutMs,
    );
  const execOut = (pod: string, cmd: string[]) => ok(['exec', pod, '--', ...cmd]);

  before(() => {
    dir = mkdtempSync('/tmp/kbt-ka-');
    server = new AcceptanceServer({
      dir,
      kubectl: kubectlPath(),
      extraArgs: ['--kubelet-arg', `sync-frequency=${syncSeconds}s`],
    });
    server.launch();
  });

  after(async () => {
    if (server) {
      const stopping = setTimeout(() => void server.kill('SIGKILL'), 30_000);
      await server.kill('SIGTERM').catch(() => undefined);
      clearTimeout(stopping);
      const r = await runKubets(['uninstall', '--data-dir', server.dataDir], { timeoutMs: 180_000 });
      if (r.code !== 0) console.log(`# kubets uninstall failed: ${r.stdout}${r.stderr}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the node registers and becomes Ready', async (t) => {
    const r = await server.run.waitFor(readyLine, 180_000);
    assert.equal(r[1], server.nodeName);
    t.diagnostic(`kubets server launch -> node Ready: ${r[2]} ms`);
    const node = JSON.parse(await ok(['get', 'node', server.nodeName, '-o', 'json'])) as Node;
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  test('a Deployment of 10 replicas becomes Available', async (t) => {
    const t0 = Date.now();
    await ok(['create', 'deployment', 'ten', `--image=${httpdImage}`, '--replicas=10']);
    await ok(['wait', '--for=condition=Available', 'deployment/ten', '--timeout=180s'], { timeoutMs: 200_000 });
    const availableAt = Date.now() - t0;
    const d = await poll('10 available replicas', async () => {
      const dep = JSON.parse(await ok(['get', 'deployment', 'ten', '-o', 'json'])) as Deployment;
      return dep.status?.availableReplicas === 10 ? dep : undefined;
    });
    t.diagnostic(
      `Deployment 10 replicas: create -> Available ${availableAt} ms, -> 10/10 available ${Date.now() - t0} ms`,
    );
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    assert.equal(d.status?.readyReplicas, 10);
    const pods = (JSON.parse(await ok(['get', 'pods', '-l', 'app=ten', '-o', 'json'])) as { items: Pod[] }).items;
    assert.equal(pods.length, 10);
    assert.ok(pods.every((p) => isRunning(p) && isReady(p) && p.spec?.nodeName === server.nodeName));
    assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 10, 'distinct pod IPs');
  });

  test('kubectl run, then kubectl logs -f follows until the container exits', async () => {
    await ok(['run', 'logger', `--image=${busyboxImage}`, '--restart=Never', '--', ...m.gatedLoggerCommand]);
    await waitPod('logger', 'Running', isRunning);
    const logs = follow(server.spawnKubectl(['logs', '-f', 'logger']));
    try {
      await logs.waitStdout(/^start\n/);
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(logs.running(), 'logs -f still following while the container runs');
      await execOut('logger', ['touch', '/tmp/go']);
      const code = await Promise.race([logs.exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
      assert.equal(code, 0, `logs -f exit: ${logs.stderr()}`);
      assert.equal(logs.stdout(), 'start\ndone\n');
    } finally {
      await logs.stop();
    }
    const done = await waitPod('logger', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  });

  test('kubectl exec -i -- sh -c: stdin, stdout, stderr and exit codes', async () => {
    await ok(['run', 'shell', `--image=${busyboxImage}`, '--', ...m.sleeperCommand]);
    await waitPod('shell', 'Ready', isReady);
    const r = await server.kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z; echo oops >&2; exit 7'], {
      stdin: 'hello\nworld\n',
    });
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'HELLO\nWORLD\n');
    assert.match(r.stderr, /^oops\n/);
    assert.match(r.stderr, /command terminated with exit code 7/);
    const input = 'a line of stdin for cat\n'.repeat(4000);
    const cat = await server.kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'cat'], { stdin: input });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, input);
  });

  test("kubectl attach -i reaches the container's stdin and output", async () => {
    const script = 'while read l; do echo "got $l"; done; echo bye';
    await ok([
      'run',
      'att',
      `--image=${busyboxImage}`,
      '--restart=Never',
      '-i',
      '--attach=false',
      '--',
      'sh',
      '-c',
      script,
    ]);
    const p = await waitPod('att', 'Running', isRunning);
    assert.equal(p.spec?.containers[0]?.stdin, true);
    const r = await server.kubectl(['attach', '-i', 'att'], { stdin: 'a\nb\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got a\ngot b\nbye\n/);
    // stdinOnce: the attach closed stdin for good, so the loop ended and the pod finished.
    await waitPod('att', 'Succeeded', (x) => x.status?.phase === 'Succeeded');
  });

  test('kubectl port-forward to busybox httpd serves the page on loopback', async () => {
    await ok(['run', 'web', `--image=${httpdImage}`, '--port=8080']);
    await waitPod('web', 'Ready', isReady);
    const pf = follow(server.spawnKubectl(['port-forward', 'pod/web', ':8080']));
    try {
      const port = Number((await pf.waitStdout(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/))[1]);
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await httpGetLocal(port, '/'), { status: 200, body: httpdIndexHtml });
      assert.equal((await httpGetLocal(port, '/missing.html')).status, 404);
    } finally {
      await pf.stop();
    }
  });

  test("kubectl port-forward reaches a listener bound to 127.0.0.1 inside the pod's network namespace", async () => {
    // busybox httpd without -f daemonizes: it keeps serving after the exec returns.
    await execOut('web', ['httpd', '-p', '127.0.0.1:8081', '-h', '/www']);
    const pf = follow(server.spawnKubectl(['port-forward', 'pod/web', ':8081', ':8082']));
    try {
      const out = await pf.waitStdout(/-> 8081\n[\s\S]*Forwarding from 127\.0\.0\.1:(\d+) -> 8082/);
      const loopback = Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8081/.exec(pf.stdout())![1]);
      const page = await httpGetLocal(loopback, '/').catch((e: unknown) => {
        throw new Error(`GET through the forward: ${String(e)}\nkubectl: ${pf.stdout()}${pf.stderr()}`);
      });
      assert.deepEqual(page, { status: 200, body: httpdIndexHtml });
      // Nothing listens on 8082: the GET fails and kubectl reports the runtime's error (then, as
      // client-go does since 1.29, drops the whole connection).
      await assert.rejects(httpGetLocal(Number(out[1]), '/'));
      await poll('the forwarding error', async () =>
        /an error occurred forwarding \d+ -> 8082: error forwarding port 8082 to pod web, uid [0-9a-f-]+: /.test(
          pf.stderr(),
        )
          ? true
          : undefined,
      );
    } finally {
      await pf.stop();
    }
  });

  test('kubectl cp copies into and out of a container', async () => {
    const local = join(dir, 'cp-in.txt');
    const content = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n') + '\n';
    writeFileSync(local, content);
    await ok(['cp', local, 'shell:/tmp/cp-in.txt']);
    assert.equal(await execOut('shell', ['cat', '/tmp/cp-in.txt']), content);
    await execOut('shell', ['sh', '-c', 'mkdir -p /tmp/out/sub && seq 1 2000 > /tmp/out/sub/seq.txt']);
    await ok(['cp', 'shell:/tmp/out/sub/seq.txt', join(dir, 'seq.txt')]);
    const seq = Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join('');
    assert.equal(readFileSync(join(dir, 'seq.txt'), 'utf8'), seq);
    await ok(['cp', 'shell:/tmp/out', join(dir, 'out')]);
    assert.equal(readFileSync(join(dir, 'out', 'sub', 'seq.txt'), 'utf8'), seq, 'a directory, recursively');
  });

  test('kubectl debug adds an ephemeral container that runs and shows in the pod status', async () => {
    const debug = ['debug', 'shell', `--image=${busyboxImage}`, '--target=shell', '--profile=general'];
    await ok([...debug, '-c', 'dbg', '--', 'sh', '-c', 'echo debug-ran; ps -o pid,args']);
    const p = await waitPod('shell', 'ephemeral container dbg terminated', (x) =>
      Boolean(x.status?.ephemeralContainerStatuses?.find((s) => s.name === 'dbg')?.state?.terminated),
    );
    const spec = p.spec?.ephemeralContainers?.find((c) => c.name === 'dbg');
    assert.equal(spec?.targetContainerName, 'shell');
    const st = p.status!.ephemeralContainerStatuses!.find((s) => s.name === 'dbg')!;
    assert.equal(st.state?.terminated?.exitCode, 0);
    assert.equal(st.state?.terminated?.reason, 'Completed');
    assert.match(st.containerID ?? '', /^containerd:\/\//);
    debugLog = await ok(['logs', 'shell', '-c', 'dbg']);
    assert.match(debugLog, /^debug-ran\n/);
    // Interactive: kubectl attaches to the new container's stdin.
    const r = await server.kubectl([...debug, '-i', '-c', 'dbg-i', '--', 'sh'], {
      stdin: 'echo from-stdin $((6*7))\n',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /from-stdin 42\n/);
    assert.equal((await getPod('shell')).status?.containerStatuses?.[0]?.restartCount, 0, 'the target kept running');
  });

  test("kubectl debug --target shares the target container's process namespace", () => {
    assert.match(debugLog, /sleep 3600/, `ps in the debug container:\n${debugLog}`);
  });

  test('a failing liveness probe restarts the container with back-off visible in kubectl get pod', async () => {
    await apply(JSON.stringify(m.livenessPod('live')));
    const statuses = new Set<string>();
    const restartsColumn: string[] = [];
    const p = await poll(
      'restart 2 of the liveness pod running',
      async () => {
        const row = tableRow(await ok(['get', 'pod', 'live', '--no-headers']));
        statuses.add(row.status ?? '');
        restartsColumn.push(row.restarts ?? '');
        const pod = await getPod('live');
        const cs = pod.status?.containerStatuses?.[0];
        return (cs?.restartCount ?? 0) >= 2 && cs?.state?.running ? pod : undefined;
      },
      150_000,
      500,
    );
    assert.ok(statuses.has('CrashLoopBackOff'), `STATUS seen: ${[...statuses].join(', ')}`);
    const row = tableRow(await ok(['get', 'pod', 'live', '--no-headers']));
    assert.match(row.restarts ?? '', /^[2-9] \(\d+s ago\)$/, `RESTARTS column: ${row.restarts}`);
    assert.ok(
      restartsColumn.some((c) => /^1 \(\d+s ago\)$/.test(c)),
      `RESTARTS seen: ${restartsColumn.join(', ')}`,
    );
    // The second restart waited out the 10 s back-off (timestamps have 1 s resolution).
    const cs = p.status!.containerStatuses![0]!;
    const gapMs = Date.parse(cs.state!.running!.startedAt!) - Date.parse(cs.lastState!.terminated!.finishedAt!);
    assert.ok(gapMs >= 9000, `back-off before restart ${cs.restartCount}: ${gapMs} ms`);
    const events = (
      JSON.parse(await ok(['get', 'events', '--field-selector', 'involvedObject.name=live', '-o', 'json'])) as {
        items: Event[];
      }
    ).items;
    const reasons = new Set(events.map((e) => e.reason));
    for (const r of ['Unhealthy', 'Killing', 'BackOff'])
      assert.ok(reasons.has(r), `event ${r}; got ${[...reasons].join(', ')}`);
    await ok(['delete', 'pod', 'live', '--wait=false']);
  });

  test('a readiness probe flips Ready both ways', async () => {
    await apply(JSON.stringify(m.readinessPod('ready-web')));
    await waitPod('ready-web', 'Ready', isReady);
    assert.equal(tableRow(await ok(['get', 'pod', 'ready-web', '--no-headers'])).ready, '1/1');
    await execOut('ready-web', ['mv', '/www/index.html', '/www/away.html']);
    const unready = await waitPod('ready-web', 'not Ready', (p) => condition(p, 'Ready')?.status === 'False', 60_000);
    assert.equal(condition(unready, 'Ready')?.reason, 'ContainersNotReady');
    assert.equal(unready.status?.phase, 'Running');
    assert.equal(unready.status?.containerStatuses?.[0]?.restartCount, 0, 'readiness never restarts');
    assert.equal(tableRow(await ok(['get', 'pod', 'ready-web', '--no-headers'])).ready, '0/1');
    await execOut('ready-web', ['mv', '/www/away.html', '/www/index.html']);
    await waitPod('ready-web', 'Ready again', isReady, 60_000);
  });

  test('a preStop hook runs before SIGTERM and the grace period is honored', async (t) => {
    const grace = 6;
    const hookSleep = 2;
    const logDir = join(dir, 'grace');
    await apply(JSON.stringify(m.gracefulPod('grace', logDir, grace, hookSleep)));
    await waitPod('grace', 'Running', isRunning);
    await poll('the container logging', async () => (existsSync(join(logDir, 'ticks')) ? true : undefined), 30_000);
    const t0 = hostUptime();
    await ok(['delete', 'pod', 'grace', '--wait=false']);
    await poll(
      'pod grace gone',
      async () => {
        const r = await server.kubectl(['get', 'pod', 'grace']);
        return r.code !== 0 && /NotFound/.test(r.stderr) ? true : undefined;
      },
      90_000,
      500,
    );
    const events = readFileSync(join(logDir, 'events'), 'utf8').trim().split('\n');
    const at = (what: string) => Number(events.find((l) => l.startsWith(`${what} `))?.split(' ')[1]);
    assert.deepEqual(
      events.map((l) => l.split(' ')[0]),
      ['started', 'prestop', 'term'],
      `events: ${events.join(' | ')}`,
    );
    const ticks = readFileSync(join(logDir, 'ticks'), 'utf8').trim().split('\n').filter(Boolean);
    const lastTick = Number(ticks[ticks.length - 1]);
    const prestop = at('prestop') - t0;
    const term = at('term') - t0;
    const killed = lastTick - t0;
    t.diagnostic(
      `after delete: preStop ${prestop.toFixed(2)} s, SIGTERM ${term.toFixed(2)} s, last sign of life ${killed.toFixed(2)} s (grace ${grace} s)`,
    );
    assert.ok(prestop >= -0.5, 'preStop after the delete');
    assert.ok(term - prestop >= hookSleep - 0.3, 'SIGTERM only after the hook finished');
    assert.ok(killed >= grace - 1.5, `ran on to the end of the grace period (${killed} s)`);
    assert.ok(killed <= grace + 5, `killed soon after the grace period (${killed} s)`);
  });

  test('configMap and secret volumes update in place', async (t) => {
    await apply(m.list(m.appConfig('hello'), m.appSecret('one'), m.volumesPod('vols')));
    const before = await waitPod('vols', 'Running', isRunning);
    const read = () => execOut('vols', ['sh', '-c', 'cat /etc/app/greeting; echo; cat /etc/secret/token']);
    assert.equal(await read(), 'hello\none');
    assert.equal((await execOut('vols', ['readlink', '/etc/app/greeting'])).trim(), '..data/greeting');
    const t0 = Date.now();
    await apply(m.list(m.appConfig('bonjour'), m.appSecret('two')));
    await poll(
      'the new contents inside the container',
      async () => ((await read()) === 'bonjour\ntwo' ? true : undefined),
      90_000,
      500,
    );
    const took = Date.now() - t0;
    t.diagnostic(`configMap/secret update -> seen in the container: ${took} ms (sync period ${syncSeconds} s)`);
    assert.ok(took <= syncSeconds * 1000 + 20_000, `within the sync period (+ slack): ${took} ms`);
    const now = await getPod('vols');
    assert.equal(now.status?.containerStatuses?.[0]?.containerID, before.status?.containerStatuses?.[0]?.containerID);
    assert.equal(now.status?.containerStatuses?.[0]?.restartCount, 0);
  });

  test('SIGKILL of the server, then a restart on the same data dir, leaves running containers untouched', async (t) => {
    const paths = agentPaths(server.dataDir);
    type Snap = Map<string, { ids: string; restarts: string; startedAt: string }>;
    const snapshot = async (): Promise<Snap> => {
      const items = (JSON.parse(await ok(['get', 'pods', '-o', 'json'])) as { items: Pod[] }).items;
      const out: Snap = new Map();
      for (const p of items.filter(
        (x) => isRunning(x) && !x.metadata?.deletionTimestamp && x.metadata?.name !== 'live',
      )) {
        const cs = p.status?.containerStatuses ?? [];
        out.set(p.metadata!.name!, {
          ids: cs.map((c) => c.containerID).join(','),
          restarts: cs.map((c) => c.restartCount).join(','),
          startedAt: cs.map((c) => c.state?.running?.startedAt).join(','),
        });
      }
      return out;
    };
    const before = await snapshot();
    assert.ok(before.size >= 13, `running pods: ${[...before.keys()].join(', ')}`);
    // The same query the issue names, for one pod.
    const shellIds = await ok(['get', 'pod', 'shell', '-o', 'jsonpath={.status.containerStatuses[*].containerID}']);
    const shims = findShimPids(paths.containerdSocket).sort();
    const configToml = join(paths.containerd, 'config.toml');
    const daemonsBefore = findContainerdDaemons(configToml);
    assert.equal(daemonsBefore.length, 1, `containerd daemons before the kill: ${daemonsBefore.join(', ')}`);
    const killedAt = Date.now();
    assert.equal(await server.kill('SIGKILL'), null, 'killed by the signal');
    const run = server.launch();
    const ready = await run.waitFor(readyLine, 180_000);
    t.diagnostic(`restart: launch -> node Ready ${ready[2]} ms`);
    const node = await poll('a fresh Ready heartbeat', async () => {
      const n = JSON.parse(await ok(['get', 'node', server.nodeName, '-o', 'json'])) as Node;
      const c = n.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') >= killedAt - 1000 ? n : undefined;
    });
    assert.ok(node);
    const lease = JSON.parse(
      await ok(['get', 'lease', '-n', 'kube-node-lease', server.nodeName, '-o', 'json']),
    ) as Lease;
    assert.ok(Date.parse(lease.spec?.renewTime ?? '') >= killedAt, 'the Lease is renewed by the new process');
    // Give the restarted kubelet a full sync period to do anything it wrongly would.
    await new Promise((r) => setTimeout(r, (syncSeconds + 3) * 1000));
    const after_ = await snapshot();
    assert.deepEqual(after_, before);
    assert.equal(
      await ok(['get', 'pod', 'shell', '-o', 'jsonpath={.status.containerStatuses[*].containerID}']),
      shellIds,
    );
    assert.deepEqual(findShimPids(paths.containerdSocket).sort(), shims, 'the same shims, untouched');
    assert.equal((await execOut('shell', ['echo', 'still here'])).trim(), 'still here');
    // One containerd for this data dir: the killed server's daemon, adopted by the new server (not a second one).
    const daemons = findContainerdDaemons(configToml);
    assert.deepEqual(daemons, daemonsBefore, `containerd daemons for this data dir: ${daemons.join(', ')}`);
    assert.equal(readFileSync(join(paths.containerd, 'containerd.pid'), 'utf8').trim(), String(daemons[0]));
    assert.match(run.output(), /adopted the running containerd \(pid \d+\)/);
  });

  test('a Job completes (kubectl wait --for=condition=Complete)', async () => {
    await ok(['create', 'job', 'calc', `--image=${busyboxImage}`, '--', 'sh', '-c', 'echo answer=$((6*7))']);
    await ok(['wait', '--for=condition=Complete', 'job/calc', '--timeout=120s'], { timeoutMs: 150_000 });
    const job = JSON.parse(await ok(['get', 'job', 'calc', '-o', 'json'])) as Job;
    assert.equal(job.status?.succeeded, 1);
    assert.equal(await ok(['logs', 'job/calc']), 'answer=42\n');
  });

  test("the pod's cgroup memory limit is the one requested", async () => {
    const limit = 64 * 2 ** 20;
    await apply(JSON.stringify(m.memoryPod('mem', '64Mi', '32Mi')));
    const p = await waitPod('mem', 'Running', isRunning);
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const inside = v2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes';
    assert.equal((await execOut('mem', ['cat', inside])).trim(), String(limit));
    // The pod-level cgroup (parent of the container's) carries the same limit.
    const cg = await execOut('mem', ['cat', '/proc/self/cgroup']);
    const path = (v2 ? /^0::(\/.+)$/m : /^\d+:memory:(\/.+)$/m).exec(cg)?.[1];
    assert.ok(path, cg);
    const podCg = dirname(path);
    assert.match(podCg, new RegExp(`/burstable/pod${p.metadata!.uid}$`));
    const hostFile = v2 ? `/sys/fs/cgroup${podCg}/memory.max` : `/sys/fs/cgroup/memory${podCg}/memory.limit_in_bytes`;
    assert.equal(readFileSync(hostFile, 'utf8').trim(), String(limit));
  });
});
