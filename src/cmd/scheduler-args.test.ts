import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { compileSchedulerArgs } from './scheduler-args.js';
import { compileServerConfig, serverCommand } from './server.js';

const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

const twoProfiles = `${header}percentageOfNodesToScore: 40
profiles:
- schedulerName: default-scheduler
- schedulerName: my-scheduler
  plugins:
    multiPoint:
      enabled:
      - name: PodSet
      - name: NodeResourcesBalancedAllocation
        weight: 5
    score:
      disabled:
      - name: ImageLocality
`;

function sink(write: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      write(String(chunk));
      cb();
    },
  });
}

/** Files by name, read through compileSchedulerArgs' injectable reader. */
function reader(files: Record<string, string>): (p: string) => string {
  return (p) => {
    const name = p.split('/').pop()!;
    if (!(name in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${p}'`), { code: 'ENOENT' });
    return files[name]!;
  };
}

test('no --kube-scheduler-arg: no configuration (the scheduler uses the upstream defaults)', () => {
  assert.deepEqual(compileSchedulerArgs([]), { args: {} });
});

test('config=FILE is decoded, defaulted and validated into profiles', () => {
  const out = compileSchedulerArgs(['config=sched.yaml'], reader({ 'sched.yaml': twoProfiles }));
  const cfg = out.config!;
  assert.equal(cfg.percentageOfNodesToScore, 40);
  assert.deepEqual(
    cfg.profiles.map((p) => p.schedulerName),
    ['default-scheduler', 'my-scheduler'],
  );
  const mine = cfg.profiles[1]!.plugins;
  assert.equal(mine.multiPoint.enabled!.find((p) => p.name === 'NodeResourcesBalancedAllocation')?.weight, 5);
  assert.ok(mine.multiPoint.enabled!.some((p) => p.name === 'PodSet'));
  assert.deepEqual(mine.score.disabled, [{ name: 'ImageLocality' }]);
  // The default profile is untouched.
  assert.ok(!cfg.profiles[0]!.plugins.multiPoint.enabled!.some((p) => p.name === 'PodSet'));
});

test('bad arguments and files are one-line usage errors naming the flag', () => {
  const files = {
    'unknown-field.yaml': `${header}profiles:\n- schedulerName: a\n  bogus: 1\n`,
    'wrong-version.yaml': 'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n',
    'not-yaml.yaml': `${header}profiles: [\n  - {\n`,
    'invalid.yaml': `${header}percentageOfNodesToScore: 120\nparallelism: 0\n`,
    'unknown-plugin.yaml': `${header}profiles:\n- schedulerName: x\n  plugins:\n    filter:\n      enabled:\n      - name: Nope\n`,
    'dup-profile.yaml': `${header}profiles:\n- schedulerName: a\n- schedulerName: a\n`,
  };
  const cases: { args: string[]; match: RegExp }[] = [
    { args: ['bogus=1'], match: /^--kube-scheduler-arg "bogus=1": unknown flag "--bogus"; supported: .*\bconfig\b/ },
    { args: ['config'], match: /"--config" flag: want a value/ },
    { args: ['config='], match: /^--kube-scheduler-arg config=: want the path/ },
    {
      args: ['config=missing.yaml'],
      match: /^--kube-scheduler-arg config=missing\.yaml: cannot read the file \(ENOENT\)$/,
    },
    {
      args: ['config=unknown-field.yaml'],
      match: /config=unknown-field\.yaml: strict decoding error: unknown field "profiles\[0\]\.bogus"$/,
    },
    { args: ['config=wrong-version.yaml'], match: /no kind "KubeSchedulerConfiguration" is registered for version/ },
    { args: ['config=not-yaml.yaml'], match: /config=not-yaml\.yaml: couldn't decode as KubeSchedulerConfiguration/ },
    {
      args: ['config=invalid.yaml'],
      match: /parallelism: Invalid value: 0: should be an integer value greater than zero.*percentageOfNodesToScore/,
    },
    {
      args: ['config=unknown-plugin.yaml'],
      match: /initializing profiles: creating profile for scheduler name x: plugin "Nope" does not exist$/,
    },
    { args: ['config=dup-profile.yaml'], match: /profiles\[1\]\.schedulerName: Duplicate value/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => compileSchedulerArgs(c.args, reader(files)),
      (err: unknown) =>
        err instanceof UsageError && !err.message.includes('\n') && c.match.test(err.message)
          ? true
          : assert.fail(`${c.args.join(' ')}: ${String(err)}`),
    );
  }
});

test('compileServerConfig carries the configuration to the control plane', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sched-args-'));
  try {
    const path = join(dir, 'sched.yaml');
    writeFileSync(path, twoProfiles);
    const cfg = compileServerConfig({ 'data-dir': dir, 'kube-scheduler-arg': [`config=${path}`] });
    assert.deepEqual(
      cfg.schedulerConfig?.profiles.map((p) => p.schedulerName),
      ['default-scheduler', 'my-scheduler'],
    );
    assert.equal(compileServerConfig({ 'data-dir': dir }).schedulerConfig, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubets server with a bad scheduler config exits 2 with one line, before starting anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sched-args-'));
  try {
    const path = join(dir, 'sched.yaml');
    writeFileSync(path, `${header}profiles:\n- schedulerName: a\n  plugin: {}\n`);
    let out = '';
    let err = '';
    const code = await runCli(
      'kubets',
      'test',
      [serverCommand],
      ['server', '--data-dir', join(dir, 'data'), '--kube-scheduler-arg', `config=${path}`],
      { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) },
    );
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.equal(
      err,
      `kubets server: --kube-scheduler-arg config=${path}: strict decoding error: unknown field "profiles[0].plugin"\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
