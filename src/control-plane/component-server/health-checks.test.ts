import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerHealth, conditionCheck, pingCheck, type HealthCheck } from './health-checks.js';

const failing: HealthCheck = {
  name: 'leaderElection',
  check: () => Promise.reject(new Error('lease not renewed')),
};
const checks = [pingCheck, conditionCheck('sync', () => true, 'not synced'), failing];

test('answerHealth renders upstream healthz output', async () => {
  const cases: { name: string; checks: HealthCheck[]; sub?: string; query?: string; status: number; body: string }[] = [
    { name: 'all pass', checks: checks.slice(0, 2), status: 200, body: 'ok' },
    {
      name: 'all pass, verbose',
      checks: checks.slice(0, 2),
      query: 'verbose',
      status: 200,
      body: '[+]ping ok\n[+]sync ok\nhealthz check passed\n',
    },
    {
      name: 'one fails: listing with reason withheld',
      checks,
      status: 500,
      body: '[+]ping ok\n[+]sync ok\n[-]leaderElection failed: reason withheld\nhealthz check failed\n',
    },
    {
      name: 'excluded failing check, unknown exclusion reported',
      checks,
      query: 'exclude=leaderElection&exclude=nope&verbose',
      status: 200,
      body: '[+]ping ok\n[+]sync ok\n[+]leaderElection excluded: ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nhealthz check passed\n',
    },
    { name: 'single check ok', checks, sub: 'sync', status: 200, body: 'ok' },
    {
      name: 'single check failing shows its error',
      checks,
      sub: 'leaderElection',
      status: 500,
      body: 'internal server error: lease not renewed\n',
    },
  ];
  for (const c of cases) {
    const r = await answerHealth('healthz', c.checks, c.sub, new URLSearchParams(c.query ?? ''));
    assert.deepEqual(r, { status: c.status, body: c.body }, c.name);
  }
});

test('answerHealth: unknown sub-check is undefined; failures are reported with reasons', async () => {
  assert.equal(await answerHealth('livez', checks, 'nope', new URLSearchParams()), undefined);
  const seen: string[] = [];
  const r = await answerHealth('readyz', checks, undefined, new URLSearchParams(), (f) =>
    seen.push(...f.map((x) => `${x.name}: ${x.err.message}`)),
  );
  assert.equal(r?.status, 500);
  assert.match(r!.body, /readyz check failed\n$/);
  assert.deepEqual(seen, ['leaderElection: lease not renewed']);
});
