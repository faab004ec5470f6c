import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, UsageError } from '../cli/flags.js';
import { compileServerConfig, serverFlags } from './server.js';

const compile = (argv: string[]) =>
  compileServerConfig(parseFlags(['--data-dir', '/tmp/kbt-inflight', ...argv], serverFlags).flags);

test('--max-requests-inflight / --max-mutating-requests-inflight compile with upstream defaults', () => {
  const cases: { argv: string[]; want: { maxRequestsInflight: number; maxMutatingRequestsInflight: number } }[] = [
    { argv: ['--max-requests-inflight', '300'], want: { maxRequestsInflight: 300, maxMutatingRequestsInflight: 200 } },
    {
      argv: ['--max-requests-inflight', '800', '--max-mutating-requests-inflight', '0'],
      want: { maxRequestsInflight: 800, maxMutatingRequestsInflight: 0 },
    },
  ];
  for (const c of cases) assert.deepEqual(compile(c.argv).inflight, c.want, c.argv.join(' '));
  assert.equal(compile([]).inflight, undefined, 'unset: the tuned flow-control levels');
});

test('invalid in-flight limits are usage errors', () => {
  for (const argv of [
    ['--max-requests-inflight', '-1'],
    ['--max-mutating-requests-inflight', '2.5'],
    ['--max-requests-inflight', '0', '--max-mutating-requests-inflight', '0'],
  ])
    assert.throws(() => compile(argv), UsageError, argv.join(' '));
});
