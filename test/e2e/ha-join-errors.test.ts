// Joining an HA cluster with the wrong token, a token of another cluster, an
// unreachable server or a conflicting setting fails fast with one line on
// stderr saying what to do, and leaves the data dir so that the same command
// with the right token then joins. The real binary on loopback (127.0.34.x);
// every process is stopped by PID at the end, even on failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caHash } from '../../src/cmd/ha/server-token.js';
import {
  cleanup,
  freePortOn,
  isBuilt,
  kubectl,
  type ServerProcess,
  type ServerSpec,
  startServer,
} from './ha-servers.js';

const skip = !isBuilt() ? 'build first (npm run build)' : undefined;

describe('joining an HA cluster: helpful errors', { skip, timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-ha-join-'));
  const servers: ServerProcess[] = [];
  let first: ServerProcess;
  let token = '';
  let joiner: ServerSpec;

  before(async () => {
    const ip = '127.0.34.1';
    first = await startServer({
      name: 'first',
      ip,
      dataDir: join(dir, 'first'),
      port: await freePortOn(ip),
      etcdClientPort: await freePortOn(ip),
      etcdPeerPort: await freePortOn(ip),
      extra: ['--cluster-init'],
    });
    servers.push(first);
    assert.ok(first.identity(), first.output());
    token = readFileSync(join(dir, 'first', 'server', 'token'), 'utf8').trim();
    const jip = '127.0.34.2';
    joiner = {
      name: 'joiner',
      ip: jip,
      dataDir: join(dir, 'joiner'),
      port: await freePortOn(jip),
      etcdClientPort: await freePortOn(jip),
      etcdPeerPort: await freePortOn(jip),
      extra: [],
    };
  });

  after(async () => {
    await cleanup(servers, [dir]);
  });

  /** Runs a join that must fail; returns its single stderr line. */
  async function failingJoin(extra: string[]): Promise<string> {
    const t0 = Date.now();
    const p = await startServer({ ...joiner, extra }, 60_000);
    servers.push(p);
    const code = await p.exited;
    assert.ok(code === 1 || code === 2, `exit code ${code} (1: failed, 2: usage error)\n${p.output()}`);
    assert.ok(Date.now() - t0 < 30_000, 'fails fast');
    const lines = p.stderr().trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got:\n${p.stderr()}`);
    return lines[0]!;
  }

  test('errors say what happened and what to do', async () => {
    const password = token.split('::server:')[1]!;
    const hash = token.slice(3, 67);
    assert.equal(hash, caHash(readFileSync(join(dir, 'first', 'server', 'tls', 'server-ca.crt'))));
    const cases: { name: string; extra: string[]; want: RegExp }[] = [
      {
        name: 'wrong password',
        extra: ['--server', first.url, '--token', `K10${hash}::server:not-the-password`],
        want: /^kubets server: https:\/\/127\.0\.34\.1:\d+ rejected the token \(HTTP 401\): wrong --token; use the token from <data-dir>\/server\/token/,
      },
      {
        name: 'token of another cluster',
        extra: ['--server', first.url, '--token', `K10${'0'.repeat(64)}::server:${password}`],
        want: /^kubets server: the CA of https:\/\/127\.0\.34\.1:\d+ does not match the token's CA hash/,
      },
      {
        name: 'no token',
        extra: ['--server', first.url],
        want: /^kubets server: joining https:\/\/127\.0\.34\.1:\d+ needs the server token: pass --token or --token-file$/,
      },
      {
        name: 'nobody listening',
        extra: ['--server', `https://127.0.34.1:${joiner.port}`, '--token', token],
        want: /^kubets server: cannot reach https:\/\/127\.0\.34\.1:\d+ \(ECONNREFUSED\); check --server/,
      },
      {
        name: 'conflicting cluster setting',
        extra: ['--server', first.url, '--token', token, '--service-cidr', '10.96.0.0/12'],
        want: /^kubets server: critical configuration mismatch: the cluster uses --service-cidr 10\.43\.0\.0\/16, this server 10\.96\.0\.0\/12; start it with --service-cidr 10\.43\.0\.0\/16$/,
      },
      {
        name: '--cluster-init with --server',
        extra: ['--cluster-init', '--server', first.url, '--token', token],
        want: /--cluster-init starts a new cluster and --server joins one/,
      },
    ];
    for (const c of cases) assert.match(await failingJoin(c.extra), c.want, c.name);
  });

  test('after the failed attempts, the right token joins from the same data dir', async () => {
    const p = await startServer({ ...joiner, extra: ['--server', first.url, '--token', token] });
    servers.push(p);
    assert.ok(p.identity(), p.output());
    assert.match(p.output(), /promoted to voting member/);
    const r = await kubectl(p.kubeconfig, ['get', 'namespace', 'default', '-o', 'name'], join(dir, 'home'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      readFileSync(join(joiner.dataDir, 'server', 'token'), 'utf8').trim(),
      token,
      'the joiner keeps the token to admit later servers',
    );
  });
});
