import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runCli, type Command } from './command.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

const echo: Command = {
  name: 'echo',
  summary: 'Print the flags',
  flags: [{ name: 'word', type: 'string', description: 'what to say', default: 'hi' }],
  async run({ flags, args, stdout }) {
    stdout.write(`${String(flags.word)} ${args.join(',')}\n`);
    return 0;
  },
};

async function cli(argv: string[]) {
  const out = capture();
  const err = capture();
  const code = await runCli('kubets', 'test program', [echo], argv, { stdout: out.stream, stderr: err.stream });
  await new Promise((r) => setImmediate(r));
  return { code, out: out.text(), err: err.text() };
}

test('--help lists commands and exits 0; no command prints help and exits 1', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: kubets <command> \[flags\]/);
  assert.match(help.out, /echo\s+Print the flags/);
  assert.equal((await cli([])).code, 1);
});

test('an unknown command exits 2 with a one-line hint on stderr', async () => {
  const r = await cli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.equal(r.err, `kubets: unknown command "frobnicate"; run 'kubets --help' to list commands\n`);
  assert.equal(r.out, '');
});

test('flags are parsed with defaults; a bad flag is a one-line usage error with exit 2', async () => {
  assert.deepEqual(await cli(['echo', 'a', 'b']), { code: 0, out: 'hi a,b\n', err: '' });
  assert.equal((await cli(['echo', '--word', 'yo'])).out, 'yo \n');
  const bad = await cli(['echo', '--nope']);
  assert.equal(bad.code, 2);
  assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
  assert.match(bad.err, /nope/);
  const help = await cli(['echo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /--word/);
});
