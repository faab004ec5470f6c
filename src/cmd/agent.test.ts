import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/flags.js';
import { parseFlags } from '../cli/flags.js';
import { JoinError, tokenRejected, unreachable } from '../node/bootstrap/join-errors.js';
import { agentFlags, compileAgentConfig } from './agent-flags.js';
import { explainAgentError } from './agent.js';
import { splitNodeLabels } from './agent-node.js';
import { AlreadyRunningError } from './pid-file.js';
import { runKubets } from './testing/server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'kbt-agent-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const token = 'abcdef.0123456789abcdef';
const compile = (argv: string[]) => compileAgentConfig(parseFlags(argv, agentFlags).flags);

test('compileAgentConfig: defaults as the server, k3s-style tokens, node options', () => {
  const c = compile([
    '--server',
    'https://10.0.0.1:6443',
    '--token',
    token,
    '--node-name',
    'W1',
    '--node-ip',
    '10.0.0.2',
  ]);
  assert.equal(c.serverURL, 'https://10.0.0.1:6443');
  assert.equal(c.token, token);
  assert.equal(c.clusterCIDR, '10.42.0.0/16');
  assert.equal(c.serviceCIDR, '10.43.0.0/16');
  assert.equal(c.clusterDomain, 'cluster.local');
  assert.equal(c.node.nodeName, 'w1');
  assert.equal(c.node.nodeIP, '10.0.0.2');
  assert.deepEqual(c.node.clusterDNS, ['10.43.0.10']);
  assert.deepEqual(c.kubeProxy, {});
  assert.equal(c.podRoutes, true);

  const pinned = `K10${'a'.repeat(64)}::${token}`;
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${pinned}\n`);
  const d = compile([
    '--server', 'https://srv.example:7443/',
    '--token-file', tokenFile,
    '--service-cidr', '10.96.0.0/12',
    '--disable-kube-proxy',
    '--disable-pod-routes',
  ]); // prettier-ignore
  assert.equal(d.serverURL, 'https://srv.example:7443');
  assert.equal(d.token, pinned);
  assert.deepEqual(d.node.clusterDNS, ['10.96.0.10']);
  assert.equal(d.kubeProxy, undefined);
  assert.equal(d.podRoutes, false);
  // Without a token the stored credentials are used (joinCluster explains when there are none).
  assert.equal(compile(['--server', 'https://10.0.0.1:6443']).token, undefined);
});

test('compileAgentConfig: every mistake is one usage line', () => {
  const emptyFile = join(dir, 'empty');
  writeFileSync(emptyFile, '\n');
  const cases: [string[], RegExp][] = [
    [[], /^--server is required/],
    [['--server', 'http://10.0.0.1:6443'], /HTTPS only/],
    [['--server', '10.0.0.1:6443'], /not a URL|HTTPS only/],
    [['--server', 'https://10.0.0.1:6443/api'], /just scheme, host and port/],
    [['--server', 'https://10.0.0.1:6443', '--token', 'nope'], /^malformed join token/],
    [
      ['--server', 'https://10.0.0.1:6443', '--token', token, '--token-file', emptyFile],
      /either --token or --token-file/,
    ],
    [['--server', 'https://10.0.0.1:6443', '--token-file', emptyFile], /--token-file .* is empty/],
    [['--server', 'https://10.0.0.1:6443', '--token-file', join(dir, 'missing')], /--token-file .*: ENOENT/],
    [['--server', 'https://10.0.0.1:6443', '--cluster-cidr', '10.42.0.0'], /--cluster-cidr takes a CIDR/],
    [['--server', 'https://10.0.0.1:6443', '--node-ip', 'nope'], /--node-ip takes an IP address/],
    [['--server', 'https://10.0.0.1:6443', '--kube-proxy-arg', 'bogus=1'], /--kube-proxy-arg bogus: not supported/],
    [['--server', 'https://10.0.0.1:6443', '--log-level', 'loud'], /--log-level takes debug/],
  ];
  for (const [argv, want] of cases) {
    assert.throws(
      () => compile(argv),
      (err: unknown) => err instanceof UsageError && want.test(err.message) && !err.message.includes('\n'),
      argv.join(' '),
    );
  }
});

test('explainAgentError: one line for each way a start fails', () => {
  const c = compile(['--server', 'https://10.0.0.1:6443', '--data-dir', '/var/lib/kubets']);
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' });
  const cases: [unknown, RegExp][] = [
    [tokenRejected('https://10.0.0.1:6443'), /^the join token was rejected by https:\/\/10\.0\.0\.1:6443/],
    [unreachable('https://10.0.0.1:6443', refused), /^cannot reach the server at https:\/\/10\.0\.0\.1:6443/],
    [new JoinError('ca-mismatch', 'CA mismatch: x'), /^CA mismatch: x$/],
    [
      new AlreadyRunningError(42, '/var/lib/kubets/kubets.pid'),
      /^another kubets process \(pid 42\) is already running on \/var\/lib\/kubets; stop it first/,
    ],
    [
      Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', address: '0.0.0.0', port: 10250 }),
      /^address 0\.0\.0\.0:10250 is already in use: is another kubelet/,
    ],
    [
      new Error('running a node needs root (...): or pass --disable-agent'),
      /^running a node needs root.*run kubets agent as root$/,
    ],
    [new Error('first line\nsecond line'), /^first line$/],
  ];
  for (const [err, want] of cases) assert.match(explainAgentError(err, c), want);
});

test('splitNodeLabels keeps the labels a node may set on itself', () => {
  const { own, refused } = splitNodeLabels({
    zone: 'a',
    'node-role.kubernetes.io/worker': 'true',
    'node.kubernetes.io/instance-type': 'big',
  });
  assert.deepEqual(own, { zone: 'a', 'node.kubernetes.io/instance-type': 'big' });
  assert.deepEqual(refused, ['node-role.kubernetes.io/worker']);
});

test('kubets agent: a usage error and a data dir in use exit at once with one line', async () => {
  const usage = await runKubets(['agent', '--token', token]);
  assert.equal(usage.code, 2);
  assert.equal(
    usage.stderr.trim(),
    'kubets agent: --server is required: the URL of a kubets server, e.g. https://10.0.0.1:6443',
  );

  // A live process (this test) holds the data dir's PID file.
  const dataDir = join(dir, 'busy');
  const { acquirePidFile } = await import('./pid-file.js');
  const release = acquirePidFile(join(dataDir, 'kubets.pid'));
  try {
    const busy = await runKubets(['agent', '--server', 'https://127.0.0.1:1', '--token', token, '--data-dir', dataDir]);
    assert.equal(busy.code, 1);
    assert.equal(
      busy.stderr.trim(),
      `kubets agent: another kubets process (pid ${process.pid}) is already running on ${dataDir}; stop it first or use another --data-dir`,
    );
    assert.equal(busy.stdout, '');
  } finally {
    release();
  }
});
