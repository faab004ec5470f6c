// Issue 11 acceptance, HA: three `kubets server` processes (the built binary,
// --disable-agent), each with its own managed etcd member, on the loopback
// addresses 127.0.33.1-3. A writer loop creates ConfigMaps through whichever
// server answers while the server holding the controller-manager lease is
// killed with SIGKILL together with its etcd: kubectl keeps working through
// the others within 15 s, no acknowledged write is lost, the lease moves, and
// the killed server, restarted on its data dir, rejoins. Every process is
// stopped by PID at the end, even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../src/cmd/testing/server-process.js';
import { memberHealth } from '../../src/control-plane/storage/etcd/managed/health.js';
import { EtcdMembership } from '../../src/control-plane/storage/etcd/managed/membership.js';
import {
  cleanup,
  freePortOn,
  isBuilt,
  killServer,
  kubectl,
  kubetsBin,
  type ServerProcess,
  type ServerSpec,
  serverArgs,
  startServer,
} from './ha-servers.js';
import { credentialsOf, readAll, startWriter } from './ha-writer.js';

const skip = !isBuilt() ? 'build first (npm run build)' : undefined;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('HA control plane: 3 servers on managed etcd', { skip, timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-ha-'));
  const home = join(dir, 'home');
  const servers: ServerProcess[] = [];
  const specs: ServerSpec[] = [];
  let token = '';

  const spec = async (i: number, extra: string[]): Promise<ServerSpec> => {
    const ip = `127.0.33.${i + 1}`;
    return {
      name: `s${i}`,
      ip,
      dataDir: join(dir, `s${i}`),
      port: await freePortOn(ip),
      etcdClientPort: await freePortOn(ip),
      etcdPeerPort: await freePortOn(ip),
      extra,
    };
  };

  const holder = async (via: ServerProcess, lease = 'kube-controller-manager'): Promise<string | undefined> => {
    const r = await kubectl(
      via.kubeconfig,
      ['-n', 'kube-system', 'get', 'lease', lease, '-o', 'jsonpath={.spec.holderIdentity}'],
      home,
    );
    return r.code === 0 && r.stdout ? r.stdout : undefined;
  };

  before(async () => {
    specs.push(await spec(0, ['--cluster-init']));
    servers.push(await startServer(specs[0]!));
    assert.match(servers[0]!.output(), /creating etcd cluster/, servers[0]!.output());
    token = readFileSync(join(specs[0]!.dataDir, 'server', 'token'), 'utf8').trim();
    // The second joins through the first, the third through the second: any server hands out the bootstrap data.
    specs.push(await spec(1, ['--server', servers[0]!.url, '--token', token]));
    servers.push(await startServer(specs[1]!));
    specs.push(await spec(2, ['--server', servers[1]!.url, '--token', token]));
    servers.push(await startServer(specs[2]!));
    for (const s of servers) assert.ok(s.identity(), `${s.spec.name} did not start:\n${s.output()}`);
  });

  after(async () => {
    await cleanup(servers, [dir]);
  });

  test('killing the leader server keeps the API up, loses no write, moves the lease; it rejoins', async () => {
    const [s0] = servers;
    const etcdTls = {
      ca: readFileSync(join(specs[0]!.dataDir, 'server', 'tls', 'etcd', 'server-ca.crt')),
      cert: readFileSync(join(specs[0]!.dataDir, 'server', 'tls', 'etcd', 'client.crt')),
      key: readFileSync(join(specs[0]!.dataDir, 'server', 'tls', 'etcd', 'client.key')),
    };
    const etcdURLs = specs.map((s) => `https://${s.ip}:${s.etcdClientPort}`);
    const membership = new EtcdMembership(etcdURLs, etcdTls);
    try {
      const members = await membership.list();
      assert.equal(members.length, 3);
      assert.ok(
        members.every((m) => !m.isLearner && m.name !== ''),
        JSON.stringify(members),
      );

      // Every server serves the API, with certificates from the one cluster CA.
      for (const s of servers) {
        const r = await kubectl(s.kubeconfig, ['get', 'namespace', 'kube-system', '-o', 'name'], home);
        assert.equal(r.code, 0, `${s.spec.name}: ${r.stderr}`);
      }
      const identities = servers.map((s) => s.identity()!);
      const leaderId = await until('a controller-manager leader', () => holder(s0!), 30_000);
      const leader = servers.find((s) => s.identity() === leaderId);
      assert.ok(leader, `lease held by ${leaderId}, not one of ${identities.join(', ')}`);
      const survivors = servers.filter((s) => s !== leader);
      const schedulerLeader = await until('a scheduler leader', () => holder(s0!, 'kube-scheduler'), 30_000);
      assert.ok(identities.includes(schedulerLeader), `kube-scheduler lease held by ${schedulerLeader}`);

      const creds = credentialsOf(s0!.kubeconfig);
      const urls = [...survivors.map((s) => s.url), leader!.url].reverse(); // start on the leader
      const writer = startWriter(urls, creds, 'default', 'ha');
      try {
        await writer.progress(20);

        const killedAt = Date.now();
        const ackedBefore = writer.acked.length;
        await killServer(leader!);

        // kubectl through another server works again (not merely "the process is up").
        const via = survivors[0]!;
        await until(
          'kubectl through a surviving server',
          async () => {
            const r = await kubectl(via.kubeconfig, ['get', 'configmaps', '-n', 'default', '-o', 'name'], home, 15_000);
            return r.code === 0 ? true : undefined;
          },
          30_000,
          100,
        );
        const kubectlBackMs = Date.now() - killedAt;

        const newLeader = await until(
          'the lease to move',
          async () => {
            const h = await holder(via);
            return h && h !== leaderId ? h : undefined;
          },
          60_000,
          250,
        );
        const leaseMovedMs = Date.now() - killedAt;
        assert.ok(
          survivors.some((s) => s.identity() === newLeader),
          `new holder ${newLeader} is a surviving server`,
        );

        // The scheduler's lease ends up with a surviving server too (it moves if the killed one held it).
        const schedulerAfter = await until(
          'the kube-scheduler lease on a survivor',
          async () => {
            const h = await holder(via, 'kube-scheduler');
            return h && survivors.some((s) => s.identity() === h) ? h : undefined;
          },
          60_000,
          250,
        );
        assert.ok(schedulerLeader !== leaderId || schedulerAfter !== schedulerLeader);

        await writer.progress(20);
        const firstAfter = writer.acked.slice(ackedBefore).find((a) => writer.startedAt + a.at > killedAt);
        const writesBackMs = writer.startedAt + firstAfter!.at - killedAt;

        // The killed server comes back on its data dir and rejoins (its etcd member catches up).
        const restartedAt = Date.now();
        const back = await startServer(leader!.spec);
        servers.push(back);
        assert.match(back.output(), /restarting etcd member/, back.output());
        const rejoinMs = Date.now() - restartedAt;
        const h = await memberHealth(`https://${leader!.spec.ip}:${leader!.spec.etcdClientPort}`, etcdTls);
        assert.ok(h.healthy, h.detail);
        const after = await membership.list();
        assert.equal(after.length, 3, 'no member was added or lost');
        assert.ok(after.every((m) => !m.isLearner && m.clientURLs.length > 0));
        const r = await kubectl(
          back.kubeconfig,
          ['get', 'configmap', writer.acked.at(-1)!.name, '-n', 'default'],
          home,
        );
        assert.equal(r.code, 0, `the rejoined server serves writes made while it was down: ${r.stderr}`);

        await writer.progress(5);
        await writer.stop();
        const stored = await readAll(back.url, creds, 'default');
        const lost = writer.acked.filter((a) => stored.get(a.name) !== a.value);
        assert.deepEqual(
          lost.map((a) => a.name),
          [],
          'every acknowledged write is readable',
        );

        let gap = 0;
        for (let i = 1; i < writer.acked.length; i++)
          gap = Math.max(gap, writer.acked[i]!.at - writer.acked[i - 1]!.at);
        console.log(`ha: kubectl-after-kill: ${kubectlBackMs} ms`);
        console.log(`ha: lease-move-after-kill: ${leaseMovedMs} ms`);
        console.log(`ha: first-write-after-kill: ${writesBackMs} ms`);
        console.log(`ha: longest-write-gap: ${gap} ms`);
        console.log(`ha: write-attempts-failed-over: ${writer.failures.length} count`);
        console.log(`ha: restart-to-ready: ${rejoinMs} ms`);
        console.log(`ha: writes-acknowledged: ${writer.acked.length} count`);
        console.log(`ha: writes-lost: ${lost.length} count`);
        assert.ok(kubectlBackMs < 15_000, `kubectl worked again only after ${kubectlBackMs} ms`);
        assert.ok(writesBackMs < 15_000, `writes resumed only after ${writesBackMs} ms`);
      } finally {
        await writer.stop();
      }
    } finally {
      membership.dispose();
    }
  });
});

// Issue 11, restore onto a new machine: a snapshot saved from a `--cluster-init`
// server, restored with `kubets server --cluster-reset
// --cluster-reset-restore-path FILE --token T` into a new data dir (other
// address, other ports), comes up as the same cluster: the objects are back
// and the old admin kubeconfig's credentials are accepted.
describe('managed etcd: snapshot -> --cluster-reset-restore-path on a new data dir', { skip, timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-reset-'));
  const home = join(dir, 'home');
  const servers: ServerProcess[] = [];
  after(async () => {
    await cleanup(servers, [dir]);
  });

  const spec = async (name: string, ip: string, extra: string[]): Promise<ServerSpec> => ({
    name,
    ip,
    dataDir: join(dir, name),
    port: await freePortOn(ip),
    etcdClientPort: await freePortOn(ip),
    etcdPeerPort: await freePortOn(ip),
    extra,
  });
  const kubets = (args: string[]) => runProcess(process.execPath, [kubetsBin, ...args], { timeoutMs: 120_000 });

  test('save, reset-restore onto another data dir, start it: objects back, old credentials accepted', async () => {
    const oldSpec = await spec('old', '127.0.34.1', ['--cluster-init']);
    const old = await startServer(oldSpec);
    servers.push(old);
    assert.ok(old.identity(), old.output());
    const made = await kubectl(old.kubeconfig, ['create', 'configmap', 'survivor', '--from-literal=k=v'], home);
    assert.equal(made.code, 0, made.stderr);
    const saved = await kubets(['etcd-snapshot', 'save', '--data-dir', oldSpec.dataDir, '--name', 'move']);
    assert.equal(saved.code, 0, saved.stdout + saved.stderr);
    const file = /^Snapshot \S+ saved \(\d+ bytes\) at (\S+)$/m.exec(saved.stdout)?.[1];
    assert.ok(file, saved.stdout);
    assert.match(saved.stdout, /sealed with the server token/);
    const token = readFileSync(join(oldSpec.dataDir, 'server', 'token'), 'utf8').trim();
    await killServer(old); // the old machine is gone

    const newSpec = await spec('new', '127.0.34.2', []);
    const resetArgs = [...serverArgs(newSpec), '--cluster-reset', '--cluster-reset-restore-path', file];
    // A wrong token: one line, and the new data dir stays untouched.
    const wrong = await kubets([...resetArgs, '--token', 'wrong']);
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(
      wrong.stderr.trim(),
      /^kubets server: cannot decrypt \S+\.bootstrap: the token is not the server token/,
    );
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
    assert.ok(!existsSync(join(newSpec.dataDir, 'server')));

    const reset = await kubets([...resetArgs, '--token', token]);
    assert.equal(reset.code, 0, reset.stdout + reset.stderr);
    assert.match(
      reset.stdout,
      /Managed etcd cluster membership has been reset, restart without --cluster-reset flag now/,
    );

    const back = await startServer(newSpec);
    servers.push(back);
    assert.match(back.output(), /restarting etcd member/, back.output());
    // The old kubeconfig (old CA, old admin certificate), pointed at the new server.
    const r = await kubectl(
      old.kubeconfig,
      ['--server', back.url, 'get', 'configmap', 'survivor', '-o', 'jsonpath={.data.k}'],
      home,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'v');
  });
});
