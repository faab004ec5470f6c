import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../launcher.js';
import { ensureEtcdPKI, etcdSharedFiles } from './etcd-pki.js';
import { memberHealth } from './health.js';
import { type ManagedEtcd, ManagedEtcdError, type ManagedEtcdOptions, startManagedEtcd } from './managed-etcd.js';
import { readMemberState, writeMemberState } from './member-state.js';
import { EtcdMembership } from './membership.js';
import { EtcdSupervisor } from './supervisor.js';

/**
 * Real etcd members (Debian etcd-server) managed the way `kubets server` does:
 * a new cluster, joins as learners promoted once in sync, a join that died
 * half-way, restarts, crash recovery and leftover processes. All on loopback.
 */
const root = mkdtempSync(join(tmpdir(), 'kubets-managed-etcd-'));
const running: ManagedEtcd[] = [];
const strays: number[] = [];

/** A server's data: its own etcd PKI issued from the shared CAs of `caFrom` (or new CAs). */
async function server(name: string, caFrom?: string): Promise<Omit<ManagedEtcdOptions, 'mode'>> {
  const tls = join(root, name, 'tls');
  if (caFrom) {
    for (const f of etcdSharedFiles) {
      mkdirSync(join(tls, 'etcd'), { recursive: true });
      copyFileSync(join(root, caFrom, 'tls', f), join(tls, f));
    }
  }
  const pki = ensureEtcdPKI({ dir: tls, sans: ['127.0.0.1'] });
  return {
    dir: join(root, name, 'db'),
    advertiseAddress: '127.0.0.1',
    clientPort: await freePort(),
    peerPort: await freePort(),
    tls: {
      serverCA: pki.serverCA.certPath,
      serverCert: pki.server.certPath,
      serverKey: pki.server.keyPath,
      peerCA: pki.peerCA.certPath,
      peerCert: pki.peer.certPath,
      peerKey: pki.peer.keyPath,
      clientCert: pki.client.certPath,
      clientKey: pki.client.keyPath,
    },
    startTimeoutMs: 30_000,
  };
}

async function start(o: ManagedEtcdOptions, steps?: string[]): Promise<ManagedEtcd> {
  const m = await startManagedEtcd({ ...o, progress: (s) => steps?.push(s) });
  running.push(m);
  return m;
}

async function stop(m: ManagedEtcd): Promise<void> {
  await m.dispose();
  running.splice(running.indexOf(m), 1);
}

describe('managed etcd members', () => {
  let a: Omit<ManagedEtcdOptions, 'mode'>;
  let b: Omit<ManagedEtcdOptions, 'mode'>;
  let c: Omit<ManagedEtcdOptions, 'mode'>;
  let ea: ManagedEtcd;
  let eb: ManagedEtcd;

  before(async () => {
    a = await server('a');
    b = await server('b', 'a');
    c = await server('c', 'a');
  });
  after(async () => {
    for (const m of [...running].reverse()) await Promise.resolve(m.dispose()).catch(() => undefined);
    for (const pid of strays) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  test('the first server creates a one-member cluster over mutual TLS', async () => {
    const steps: string[] = [];
    ea = await start({ ...a, mode: { type: 'init' } }, steps);
    assert.match(steps[0]!, /^creating etcd cluster with member /);
    const members = await ea.members();
    assert.equal(members.length, 1);
    assert.deepEqual(members[0]!.clientURLs, [ea.clientURL]);
    assert.equal(readMemberState(join(a.dir, 'etcd-member.json'))?.phase, 'member');
    assert.equal(Number(readFileSync(join(a.dir, 'etcd.pid'), 'utf8')), ea.supervisor.pid);
    // A client without a certificate from the cluster's etcd CA is refused.
    const foreign = ensureEtcdPKI({ dir: join(root, 'foreign'), sans: [] });
    const h = await memberHealth(ea.clientURL, {
      ca: readFileSync(a.tls.serverCA),
      cert: foreign.client.certPEM,
      key: foreign.client.keyPEM,
    });
    assert.equal(h.healthy, false);
  });

  test('a second server joins as a learner and is promoted to a voter', async () => {
    const steps: string[] = [];
    eb = await start({ ...b, mode: { type: 'join', members: await ea.members() } }, steps);
    assert.ok(
      steps.some((s) => /promoted to voting member/.test(s)),
      steps.join('\n'),
    );
    const members = await ea.members();
    assert.equal(members.length, 2);
    assert.ok(members.every((m) => !m.isLearner && m.name !== ''));
    assert.deepEqual(new Set(eb.endpoints), new Set([eb.clientURL, ea.clientURL]));
    assert.equal(eb.endpoints[0], eb.clientURL);
  });

  test('a join that died after MemberAdd is completed on the next start (the learner is reused)', async () => {
    const membership = new EtcdMembership([ea.clientURL], ea.clientTls);
    try {
      // What a crashed first attempt leaves: an unstarted learner, a record in phase joining, some data.
      const peerURL = `https://127.0.0.1:${c.peerPort}`;
      // etcd refuses membership changes until a new member has been connected for a while.
      let added: Awaited<ReturnType<EtcdMembership['addLearner']>> | undefined;
      for (let i = 0; i < 60 && !added; i++) {
        added = await membership.addLearner(peerURL).catch(async (err: Error) => {
          if (!/unhealthy cluster/.test(err.message)) throw err;
          await new Promise((r) => setTimeout(r, 500));
          return undefined;
        });
      }
      assert.ok(added, 'learner added');
      writeMemberState(join(c.dir, 'etcd-member.json'), {
        name: 'c-first-try',
        clientURL: `https://127.0.0.1:${c.clientPort}`,
        peerURL,
        phase: 'joining',
      });
      mkdirSync(join(c.dir, 'etcd', 'member', 'wal'), { recursive: true });
      writeFileSync(join(c.dir, 'etcd', 'member', 'wal', 'garbage.wal'), 'half-written');

      await assert.rejects(
        startManagedEtcd({ ...c, mode: { type: 'init' } }),
        (err: unknown) => err instanceof ManagedEtcdError && /never finished joining.*--server/.test(err.message),
        'a half-joined member must not start a cluster of its own',
      );
      const ec = await start({ ...c, mode: { type: 'join', members: await ea.members() } });
      const members = await membership.list();
      assert.equal(members.length, 3, 'no second member was added');
      const mine = members.find((m) => m.peerURLs.includes(peerURL))!;
      assert.equal(mine.id, added.member.id);
      assert.equal(mine.name, 'c-first-try', 'the name from the first attempt is kept');
      assert.equal(mine.isLearner, false);
      assert.equal(readMemberState(join(c.dir, 'etcd-member.json'))?.phase, 'member');
      await stop(ec);
    } finally {
      membership.dispose();
    }
  });

  let ec: ManagedEtcd;
  test('a stopped member restarts from its data, whatever mode is asked for', async () => {
    const steps: string[] = [];
    ec = await start({ ...c, mode: { type: 'init' } }, steps);
    assert.match(steps[0]!, /^restarting etcd member c-first-try/);
    assert.equal((await ec.members()).length, 3);
  });

  test('a member whose data is gone rejoins as a new member, never as a cluster of its own', async () => {
    const old = (await ea.members()).find((m) => m.name === 'c-first-try')!;
    await stop(ec);
    rmSync(join(c.dir, 'etcd'), { recursive: true, force: true });
    await assert.rejects(
      startManagedEtcd({ ...c, mode: { type: 'init' } }),
      (err: unknown) =>
        err instanceof ManagedEtcdError && /data of this server's etcd member .* is gone/.test(err.message),
    );
    ec = await start({ ...c, mode: { type: 'join', members: await ea.members() } });
    const members = await ea.members();
    assert.equal(members.length, 3);
    const mine = members.find((m) => m.peerURLs.includes(ec.peerURL))!;
    assert.notEqual(mine.id, old.id, 'the old incarnation was replaced');
    assert.equal(mine.isLearner, false);
  });

  test('the supervisor restarts a member that crashes', async () => {
    const before = eb.supervisor.pid!;
    process.kill(before, 'SIGKILL');
    const deadline = Date.now() + 20_000;
    let healthy = false;
    while (Date.now() < deadline && !healthy) {
      await new Promise((r) => setTimeout(r, 200));
      const pid = eb.supervisor.pid;
      healthy = pid !== undefined && pid !== before && (await memberHealth(eb.clientURL, eb.clientTls)).healthy;
    }
    assert.ok(healthy, 'member back and healthy');
    assert.equal(eb.supervisor.crashes, 1);
    assert.equal(Number(readFileSync(join(b.dir, 'etcd.pid'), 'utf8')), eb.supervisor.pid);
  });

  test('an etcd left running by a killed kubets is stopped before the member starts', async () => {
    const dir = join(root, 'orphan');
    const dataDir = join(dir, 'etcd');
    mkdirSync(dir, { recursive: true });
    const args = (cp: number, pp: number) => [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=http://127.0.0.1:${cp}`,
      `--advertise-client-urls=http://127.0.0.1:${cp}`,
      `--listen-peer-urls=http://127.0.0.1:${pp}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${pp}`,
      `--initial-cluster=default=http://127.0.0.1:${pp}`,
      '--log-level=error',
      '--logger=zap',
    ];
    const port1 = await freePort();
    const port2 = await freePort();
    const orphan = spawn('/usr/bin/etcd', args(port1, port2), { stdio: 'ignore' });
    strays.push(orphan.pid!);
    const gone = new Promise<void>((r) => orphan.once('exit', () => r()));
    writeFileSync(join(dir, 'etcd.pid'), `${orphan.pid}\n`);
    await new Promise((r) => setTimeout(r, 300));
    const sup = await EtcdSupervisor.start({
      args: args(port1, port2),
      dataDir,
      logFile: join(dir, 'etcd.log'),
      pidFile: join(dir, 'etcd.pid'),
    });
    try {
      await gone;
      assert.notEqual(sup.pid, undefined);
      assert.notEqual(sup.pid, orphan.pid);
      assert.equal(Number(readFileSync(join(dir, 'etcd.pid'), 'utf8')), sup.pid);
    } finally {
      await sup.dispose();
    }
    assert.equal(existsSync(join(dir, 'etcd.pid')), false, 'pid file removed on a clean stop');
  });
});
