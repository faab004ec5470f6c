// `kubets uninstall` against a live `kubets server` with a running pod (a
// memory-backed emptyDir and a projected token: tmpfs mounts; a network
// namespace; a veth on the node's bridge; pod cgroups): with --keep-data it
// stops the server through its PID file, containerd and every shim and
// container, and removes mounts, the bridge, cgroups and the node agent's pod
// masquerade (`ip kubets-masq`), keeping the data dir; run again, it removes
// the data dir; a third run finds nothing. Root only; whatever a failed run
// leaves is removed in `after` by another uninstall.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { runtimeE2eSkipReason } from '../../src/node/runtime/testing/containerd-env.js';
import { findShimPids, mountsUnder, processRunning } from '../../src/node/runtime/containerd/host-cleanup.js';
import { runKubets, startServerProcess, type ServerProcess } from '../../src/cmd/testing/server-process.js';
import { agentPaths, readNodeHostState } from '../../src/cmd/agent-paths.js';
import { findContainerdDaemons } from '../../src/cmd/host-teardown.js';
import { livePidFromFile } from '../../src/cmd/pid-file.js';
import { kubectlPath } from '../harness/clients.js';

const skip = runtimeE2eSkipReason();
if (skip) console.log(`# skipping kubets uninstall e2e: ${skip}`);

/** PIDs whose command line mentions `needle` (our data dir). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle) && processRunning(Number(d))) out.push(Number(d));
    } catch {
      // Gone.
    }
  }
  return out;
}

const linkExists = (name: string) => spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
/**
 * The pod masquerade table as `nft` lists it ('' when absent). Host-wide: a kubets server
 * another test runs on this host at the same time would keep its own there, for its own
 * (different) cluster CIDR, so assertions are about this server's CIDR.
 */
const masqTable = () => {
  const r = spawnSync('nft', ['list', 'table', 'ip', 'kubets-masq'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
};
const cgroupExists = (rel: string) =>
  ['memory', 'pids', 'cpu', 'unified'].some((h) => existsSync(`/sys/fs/cgroup/${h}${rel}`));

describe('kubets uninstall removes what kubets started on the host', { skip, timeout: 600_000 }, () => {
  let dir: string;
  let server: ServerProcess;

  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'holder' },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'kubets.local/busybox:1',
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
        },
      ],
      volumes: [{ name: 'scratch', emptyDir: { medium: 'Memory' } }],
    },
  };

  before(async () => {
    dir = mkdtempSync('/tmp/kbt-un-');
    server = startServerProcess({ dir, kubectl: kubectlPath() });
    await server.waitFor(/node \S+ Ready \d+ ms after launch/, 180_000);
  });

  after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    if (server && existsSync(server.dataDir)) await runKubets(['uninstall', '--data-dir', server.dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('--keep-data stops processes and removes mounts, bridge and cgroups', async () => {
    const apply = await server.kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(pod) });
    assert.equal(apply.code, 0, apply.stderr);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await server.kubectl(['get', 'pod', 'holder', '-o', 'jsonpath={.status.phase}']);
      if (r.stdout === 'Running') break;
      assert.ok(Date.now() < deadline, `pod not Running: ${r.stdout} ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 250));
    }

    const paths = agentPaths(server.dataDir);
    const state = readNodeHostState(paths);
    assert.ok(state, 'node host state recorded');
    const serverPid = livePidFromFile(`${server.dataDir}/kubets.pid`);
    assert.equal(serverPid, server.child.pid, 'the PID file names the server');
    const containerd = findContainerdDaemons(`${paths.containerd}/config.toml`);
    assert.equal(containerd.length, 1, 'one containerd of ours');
    assert.ok(findShimPids(paths.containerdSocket).length >= 1, 'a shim runs the pod');
    assert.ok(mountsUnder(server.dataDir).length >= 2, 'tmpfs volume and network namespace are mounted');
    assert.ok(linkExists(state.bridge), 'the pod bridge exists');
    assert.ok(cgroupExists(state.cgroupRoot), 'the pod cgroups exist');
    // This server's pod masquerade (its cluster CIDR from its command line).
    const argv = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
    const cidr = argv[argv.indexOf('--cluster-cidr') + 1]!;
    assert.match(cidr, /^10\.244\.\d+\.0\/24$/);
    const ours = new RegExp(`ip saddr ${cidr.replace(/\./g, '\\.')} masquerade`);
    // The table is host-wide and parallel tests' servers (other CIDRs) rewrite it; each agent
    // restores its own within its 60 s resync, so wait for ours rather than expect it at once.
    const masqDeadline = Date.now() + 75_000;
    while (!ours.test(masqTable()) && Date.now() < masqDeadline) await new Promise((r) => setTimeout(r, 200));
    assert.match(masqTable(), ours, 'the node agent masquerades pod traffic leaving the cluster CIDR');
    // kube-proxy is off here (host-wide netfilter state must not be shared by parallel tests);
    // removal of its table is covered where it runs in network namespaces.

    const r = await runKubets(['uninstall', '--data-dir', server.dataDir, '--keep-data'], { timeoutMs: 180_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`stopped kubets server \\(pid ${serverPid}\\)`));
    assert.equal(await server.exited, 0, 'the server shut down cleanly on SIGTERM');
    assert.deepEqual(processesMentioning(server.dataDir), [], 'no process of the data dir is left');
    for (const pid of containerd) assert.ok(!processRunning(pid), `containerd ${pid} stopped`);
    assert.deepEqual(findShimPids(paths.containerdSocket), []);
    assert.deepEqual(mountsUnder(server.dataDir), [], 'no mounts (volumes, netns, rootfs) left');
    assert.ok(!linkExists(state.bridge), 'bridge removed');
    assert.ok(!cgroupExists(state.cgroupRoot), 'cgroups removed');
    // End state only: the table is host-wide, and a parallel test's uninstall may have removed it first.
    assert.doesNotMatch(masqTable(), ours, 'pod masquerade removed');
    assert.ok(existsSync(server.dataDir), '--keep-data keeps the data dir');
  });

  test('without --keep-data the data dir goes; a further run finds nothing', async () => {
    const r = await runKubets(['uninstall', '--data-dir', server.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed .*\/data\n/);
    assert.ok(!existsSync(server.dataDir));
    const again = await runKubets(['uninstall', '--data-dir', server.dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing of kubets found/);
  });
});
