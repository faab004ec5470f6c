import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RestClient } from '../../client/rest-client.js';
import { nullLogger } from '../../lib/log.js';
import { defaultOptions } from './options.js';
import { cleanupOtherModes, selectProxier } from './select-proxier.js';
import { FakeRunner } from './testing/objects.js';

const rest = {} as RestClient;

test("'auto' takes the first mode whose init works: nftables, then iptables, then userspace", async () => {
  const nftOk = new FakeRunner();
  assert.equal(
    (await selectProxier(defaultOptions({ rest, nodeName: 'n', runner: nftOk }), nullLogger)).mode,
    'nftables',
  );

  const noNft = new FakeRunner((c) => {
    if (c.cmd === 'nft') return { code: 1, stderr: 'Error: Could not process rule: Operation not supported' };
    if (c.args[0] === '--version') return { stdout: 'iptables v1.8.9 (legacy)' };
    return undefined;
  });
  assert.equal(
    (await selectProxier(defaultOptions({ rest, nodeName: 'n', runner: noNft }), nullLogger)).mode,
    'iptables',
  );

  const nothing = new FakeRunner(() => ({ code: -1, stderr: 'ENOENT' }));
  assert.equal(
    (await selectProxier(defaultOptions({ rest, nodeName: 'n', runner: nothing }), nullLogger)).mode,
    'userspace',
  );

  // An explicit mode that cannot work is an error, not a silent fallback.
  await assert.rejects(
    selectProxier(defaultOptions({ rest, nodeName: 'n', runner: nothing, mode: 'nftables' }), nullLogger),
  );
});

test('starting one kernel mode removes what another left', async () => {
  const r = new FakeRunner((c) => (c.args[0] === '--version' ? { stdout: 'iptables v1.8.9 (legacy)' } : undefined));
  const o = defaultOptions({ rest, nodeName: 'n', runner: r });
  const nft = await selectProxier(o, nullLogger);
  r.clear();
  await cleanupOtherModes(nft, o, nullLogger);
  assert.ok(
    r.calls.some((c) => c.cmd === 'iptables-legacy-save'),
    'iptables leftovers looked for',
  );
  assert.ok(!r.calls.some((c) => c.cmd === 'nft' && c.args.includes('delete')), 'our own table is left alone');
});
