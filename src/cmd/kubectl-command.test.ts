import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/flags.js';
import { kubectlCommand, kubectlInvocation } from './kubectl-command.js';

const dir = mkdtempSync(join(tmpdir(), 'kbt-kubectl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kubectlInvocation: --kubeconfig, then --data-dir, then KUBECONFIG, then the default data dir', () => {
  const def = '/var/lib/kubets';
  const defConfig = '/var/lib/kubets/kubeconfig.yaml';
  const present = (p: string) => p === defConfig;
  const cases: {
    name: string;
    argv: string[];
    env?: Record<string, string>;
    exists?: (p: string) => boolean;
    args: string[];
    kubeconfig: string | undefined;
    from: string;
  }[] = [
    {
      name: 'nothing given: the default data dir',
      argv: ['get', 'pods'],
      args: ['get', 'pods'],
      kubeconfig: defConfig,
      from: 'default',
    },
    {
      name: 'no server kubeconfig here: kubectl decides (~/.kube/config)',
      argv: ['get', 'pods'],
      exists: () => false,
      args: ['get', 'pods'],
      kubeconfig: undefined,
      from: 'kubectl-default',
    },
    {
      name: 'KUBECONFIG is kept, even a list',
      argv: ['get', 'pods'],
      env: { KUBECONFIG: 'a.yaml:b.yaml' },
      args: ['get', 'pods'],
      kubeconfig: 'a.yaml:b.yaml',
      from: 'env',
    },
    {
      name: 'an empty KUBECONFIG counts as unset',
      argv: ['version'],
      env: { KUBECONFIG: '' },
      args: ['version'],
      kubeconfig: defConfig,
      from: 'default',
    },
    {
      name: '--kubeconfig FILE: left to kubectl, KUBECONFIG untouched',
      argv: ['--kubeconfig', '/tmp/k.yaml', 'get', 'ns'],
      env: { KUBECONFIG: '/env.yaml' },
      args: ['--kubeconfig', '/tmp/k.yaml', 'get', 'ns'],
      kubeconfig: '/env.yaml',
      from: 'flag',
    },
    {
      name: '--kubeconfig=FILE without KUBECONFIG: nothing set',
      argv: ['get', 'ns', '--kubeconfig=/tmp/k.yaml'],
      args: ['get', 'ns', '--kubeconfig=/tmp/k.yaml'],
      kubeconfig: undefined,
      from: 'flag',
    },
    {
      name: '--data-dir DIR wins over KUBECONFIG and is removed',
      argv: ['--data-dir', '/srv/kubets', 'get', 'nodes'],
      env: { KUBECONFIG: '/env.yaml' },
      args: ['get', 'nodes'],
      kubeconfig: '/srv/kubets/kubeconfig.yaml',
      from: 'data-dir',
    },
    {
      name: '--data-dir=DIR after the verb',
      argv: ['get', 'nodes', '--data-dir=/srv/x/'],
      args: ['get', 'nodes'],
      kubeconfig: '/srv/x/kubeconfig.yaml',
      from: 'data-dir',
    },
    {
      name: '--kubeconfig beats --data-dir',
      argv: ['--data-dir', '/srv/kubets', '--kubeconfig', '/k.yaml', 'get', 'nodes'],
      args: ['--kubeconfig', '/k.yaml', 'get', 'nodes'],
      kubeconfig: undefined,
      from: 'flag',
    },
    {
      name: 'arguments after -- belong to the command kubectl runs',
      argv: ['exec', 'web', '--', 'tool', '--data-dir', '/x', '--kubeconfig', '/y'],
      args: ['exec', 'web', '--', 'tool', '--data-dir', '/x', '--kubeconfig', '/y'],
      kubeconfig: defConfig,
      from: 'default',
    },
  ];
  for (const c of cases) {
    const inv = kubectlInvocation(
      c.argv,
      { PATH: '/bin', ...c.env },
      { defaultDataDir: def, exists: c.exists ?? present },
    );
    assert.deepEqual(inv.args, c.args, c.name);
    assert.equal(inv.env.KUBECONFIG, c.kubeconfig, c.name);
    assert.equal(inv.kubeconfigFrom, c.from, c.name);
    assert.equal(inv.env.PATH, '/bin', `${c.name}: the rest of the environment is passed on`);
  }
  assert.throws(() => kubectlInvocation(['get', '--data-dir'], {}), UsageError);
  assert.throws(() => kubectlInvocation(['--data-dir', '--', 'x'], {}), UsageError);
});

test('kubets kubectl runs the kubectl on PATH with the chosen kubeconfig and its exit code', async () => {
  const bin = join(dir, 'bin');
  const dataDir = join(dir, 'data');
  mkdirSync(bin);
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, 'kubeconfig.yaml'), 'apiVersion: v1\nkind: Config\n');
  const out = join(dir, 'seen');
  // A stand-in kubectl that records what it got and exits 3.
  writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nprintf '%s|%s' "$KUBECONFIG" "$*" > ${out}\nexit 3\n`);
  chmodSync(join(bin, 'kubectl'), 0o755);
  const saved = { PATH: process.env.PATH, KUBECONFIG: process.env.KUBECONFIG };
  process.env.PATH = bin;
  process.env.KUBECONFIG = '/from/env.yaml';
  const stderr: string[] = [];
  const io = { write: (s: string) => (stderr.push(s), true) } as unknown as NodeJS.WritableStream;
  try {
    const run = (args: string[]) => kubectlCommand.run({ flags: {}, args, stdout: io, stderr: io });
    assert.equal(await run(['--data-dir', dataDir, 'get', 'pods']), 3);
    assert.equal(readFileSync(out, 'utf8'), `${join(dataDir, 'kubeconfig.yaml')}|get pods`);
    assert.equal(await run(['get', 'pods']), 3);
    assert.equal(readFileSync(out, 'utf8'), '/from/env.yaml|get pods');
    rmSync(out);
    assert.equal(await run(['--data-dir', join(dir, 'nowhere'), 'get', 'pods']), 1);
    assert.match(stderr.join(''), /no kubeconfig at .*nowhere\/kubeconfig\.yaml/);
    assert.throws(() => readFileSync(out), /ENOENT/, 'kubectl was not run');
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.KUBECONFIG === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved.KUBECONFIG;
  }
});
