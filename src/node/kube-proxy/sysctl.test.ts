import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, MemorySink } from '../../lib/log.js';
import { ensureSysctls } from './sysctl.js';
import { FakeRunner } from './testing/objects.js';

test('sets only the sysctls that differ, logs each change, reports missing keys', async () => {
  const values: Record<string, string> = { 'net.ipv4.ip_forward': '0' };
  const r = new FakeRunner((c) => {
    if (c.args[0] === '-n') {
      const v = values[c.args[1]!];
      return v === undefined
        ? { code: 255, stderr: `sysctl: cannot stat /proc/sys/${c.args[1]}` }
        : { stdout: `${v}\n` };
    }
    if (c.args[0] === '-w') {
      const [k, v] = c.args[1]!.split('=');
      values[k!] = v!;
    }
    return undefined;
  });
  const sink = new MemorySink();
  const log = createLogger('t', { sink });
  const changes = await ensureSysctls(r, log);
  assert.deepEqual(changes, [{ key: 'net.ipv4.ip_forward', from: '0', to: '1' }]);
  assert.equal(values['net.ipv4.ip_forward'], '1');
  assert.ok(sink.lines().some((l) => l.includes('changed sysctl') && l.includes('net.ipv4.ip_forward')));
  assert.ok(sink.lines().some((l) => l.includes('net.bridge.bridge-nf-call-iptables') && l.startsWith('W')));
  r.clear();
  assert.deepEqual(await ensureSysctls(r, log), []);
  assert.ok(!r.calls.some((c) => c.args[0] === '-w'), 'already set: nothing written');
});
