import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pauseBinary } from './pause-binary.js';

test('a static x86-64 ELF executable: one loadable segment covering the file, entry right after the headers', () => {
  const elf = pauseBinary();
  assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  assert.equal(elf[4], 2, '64-bit');
  assert.equal(elf[5], 1, 'little endian');
  assert.equal(elf.readUInt16LE(16), 2, 'ET_EXEC');
  assert.equal(elf.readUInt16LE(18), 0x3e, 'x86-64');
  assert.equal(elf.readBigUInt64LE(24), 0x400000n + 120n, 'entry');
  assert.equal(elf.readUInt16LE(56), 1, 'one program header');
  assert.equal(elf.readUInt32LE(64), 1, 'PT_LOAD');
  assert.equal(elf.readUInt32LE(68), 5, 'R+X');
  assert.equal(elf.readBigUInt64LE(64 + 32), BigInt(elf.length), 'filesz');
  assert.ok(elf.length < 512, `tiny (${elf.length} bytes)`);
  assert.deepEqual(pauseBinary(), elf, 'deterministic');
});

const canRun = process.platform === 'linux' && process.arch === 'x64';

function exitOf(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

test(
  'runs: blocks, survives SIGCHLD, exits 0 on SIGTERM and SIGINT',
  { skip: !canRun && 'needs x86-64 Linux' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubets-pause-'));
    const file = join(dir, 'pause');
    writeFileSync(file, pauseBinary());
    chmodSync(file, 0o755);
    const children: ReturnType<typeof spawn>[] = [];
    try {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        const child = spawn(file, [], { stdio: 'ignore' });
        children.push(child);
        const exited = exitOf(child);
        let early = false;
        void exited.then(() => (early = true));
        await new Promise((r) => setTimeout(r, 150));
        assert.equal(early, false, 'still blocking');
        child.kill('SIGCHLD');
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(early, false, 'SIGCHLD is handled (reap) and pause resumes');
        child.kill(sig);
        assert.deepEqual(await exited, { code: 0, signal: null }, sig);
      }
    } finally {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
