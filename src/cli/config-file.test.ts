import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFlag, configPathOf, configToArgs, withConfigFile } from './config-file.js';
import { parseFlags, UsageError, type FlagSpec } from './flags.js';
import { runCli, type Command } from './command.js';

const specs: FlagSpec[] = [
  configFlag,
  { name: 'node-name', type: 'string', description: '' },
  { name: 'port', type: 'number', description: '', default: 6443 },
  { name: 'node-label', type: 'string', multiple: true, description: '' },
  { name: 'disable-agent', type: 'boolean', description: '' },
];

const dir = mkdtempSync(join(tmpdir(), 'kbt-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('configToArgs: YAML values become flags; mistakes are one line naming the key', () => {
  const ok: [unknown, string[]][] = [
    [null, []],
    [{ 'node-name': 'w1', port: 7443 }, ['--node-name=w1', '--port=7443']],
    [{ 'node-label': ['a=1', 'b=2'] }, ['--node-label=a=1', '--node-label=b=2']],
    [{ 'node-label': 'a=1' }, ['--node-label=a=1']],
    [{ 'node-label+': ['c=3'] }, ['--node-label=c=3']],
    [{ 'disable-agent': true }, ['--disable-agent=true']],
    [{ 'disable-agent': 'false' }, ['--disable-agent=false']],
    [{ 'node-name': null }, []],
  ];
  for (const [doc, want] of ok) assert.deepEqual(configToArgs(doc, specs, 'c.yaml'), want, JSON.stringify(doc));
  const bad: [unknown, RegExp][] = [
    [{ 'node-nmae': 'x' }, /^c\.yaml: unknown key "node-nmae"; keys are this command's flag names/],
    [{ config: 'other.yaml' }, /^c\.yaml: "config" cannot be set in a config file$/],
    [{ 'node-name': ['a', 'b'] }, /^c\.yaml: "node-name" takes one value, not a list$/],
    [{ 'node-name': { a: 1 } }, /^c\.yaml: "node-name" takes a plain value, not a mapping$/],
    [{ 'node-label': [['x']] }, /^c\.yaml: "node-label" takes a plain value, not a list$/],
    [{ 'disable-agent': 'yes please' }, /^c\.yaml: "disable-agent" takes true or false/],
    [{ 'node-name+': 'x' }, /only repeatable flags take "\+"/],
    [['node-name', 'x'], /want a mapping of flag names to values/],
  ];
  for (const [doc, want] of bad) {
    assert.throws(
      () => configToArgs(doc, specs, 'c.yaml'),
      (err: unknown) => err instanceof UsageError && want.test(err.message) && !err.message.includes('\n'),
      JSON.stringify(doc),
    );
  }
});

test('flags on the command line override the file; repeatable flags add to it', () => {
  const cfg = file('a.yaml', 'node-name: from-file\nport: 7443\nnode-label: [zone=a]\ndisable-agent: true\n');
  const argv = ['--node-name', 'from-flag', '--config', cfg, '--node-label=disk=ssd'];
  const { flags } = parseFlags(withConfigFile(argv, specs), specs);
  assert.equal(flags['node-name'], 'from-flag');
  assert.equal(flags.port, 7443);
  assert.deepEqual(flags['node-label'], ['zone=a', 'disk=ssd']);
  assert.equal(flags['disable-agent'], true);
  // Without --config, or for a command without the flag, argv is untouched.
  assert.deepEqual(withConfigFile(['--port', '1'], specs), ['--port', '1']);
  assert.deepEqual(withConfigFile(['--config', cfg], specs.slice(1)), ['--config', cfg]);
  assert.equal(configPathOf(['--config=x.yaml', '--', '--config', 'y.yaml']), 'x.yaml');
});

test('runCli: --config feeds the command; a bad file is a one-line usage error', async () => {
  let seen: Record<string, unknown> = {};
  const cmd: Command = {
    name: 'agent',
    summary: 'test',
    flags: specs,
    async run({ flags }) {
      seen = flags;
      return 0;
    },
  };
  const io = () => {
    let out = '';
    const w = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    return { w, text: () => out };
  };
  const good = file('b.yaml', 'node-name: w2\n');
  assert.equal(await runCli('kubets', '', [cmd], ['agent', '--config', good]), 0);
  assert.equal(seen['node-name'], 'w2');
  const cases: [string, RegExp][] = [
    [file('c.yaml', 'nodename: w2\n'), /^kubets agent: .*c\.yaml: unknown key "nodename"/],
    [file('d.yaml', 'node-name: [unclosed\n'), /^kubets agent: --config .*d\.yaml: invalid YAML: /],
    [join(dir, 'missing.yaml'), /^kubets agent: --config .*missing\.yaml: no such file$/],
  ];
  for (const [path, want] of cases) {
    const err = io();
    const code = await runCli('kubets', '', [cmd], ['agent', `--config=${path}`], { stderr: err.w });
    assert.equal(code, 2);
    assert.equal(err.text().trim().split('\n').length, 1, err.text());
    assert.match(err.text().trim(), want);
  }
});
