import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../cli/flags.js';
import { parseComponentArgs, securePortArg, type ComponentArgType } from './component-args.js';

const known: Record<string, ComponentArgType> = { 'secure-port': 'number', config: 'string', profiling: 'boolean' };

test('parseComponentArgs accepts the pass-through syntax', () => {
  const cases: { args: string[]; want: Record<string, string | number | boolean> }[] = [
    { args: [], want: {} },
    { args: ['secure-port=10259'], want: { 'secure-port': 10259 } },
    { args: ['--secure-port=0'], want: { 'secure-port': 0 } },
    { args: ['config=/etc/a=b.yaml'], want: { config: '/etc/a=b.yaml' } },
    { args: ['config='], want: { config: '' } },
    { args: ['profiling'], want: { profiling: true } },
    { args: ['profiling=false'], want: { profiling: false } },
    { args: ['secure-port=1', 'secure-port=2'], want: { 'secure-port': 2 } },
  ];
  for (const c of cases) assert.deepEqual(parseComponentArgs(c.args, known, '--x-arg'), c.want, c.args.join(' '));
});

test('parseComponentArgs rejects unknown keys and bad values naming the flag', () => {
  const cases: { args: string[]; match: RegExp }[] = [
    {
      args: ['bogus=1'],
      match: /^--x-arg "bogus=1": unknown flag "--bogus"; supported: config, profiling, secure-port$/,
    },
    { args: ['secure-port=abc'], match: /invalid argument "abc" for "--secure-port" flag: want a number/ },
    { args: ['secure-port'], match: /invalid argument "" for "--secure-port"/ },
    { args: ['profiling=yes'], match: /want true or false/ },
    { args: ['config'], match: /"--config" flag: want a value/ },
    { args: ['=1'], match: /want KEY=VALUE/ },
    { args: ['toString=1'], match: /unknown flag/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseComponentArgs(c.args, known, '--x-arg'),
      (err: unknown) => err instanceof UsageError && c.match.test(err.message),
      c.args.join(' '),
    );
  }
});

test('securePortArg validates the port range and falls back', () => {
  assert.equal(securePortArg({}, '--x-arg', 10257), 10257);
  assert.equal(securePortArg({ 'secure-port': 0 }, '--x-arg', 10257), 0);
  assert.equal(securePortArg({ 'secure-port': 8443 }, '--x-arg', 10257), 8443);
  for (const bad of [-1, 65536, 1.5])
    assert.throws(() => securePortArg({ 'secure-port': bad }, '--x-arg', 1), /secure-port=.*want a port number/);
});
