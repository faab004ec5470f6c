import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertOrdered, Recorder } from '../conformance/helpers.js';
import type { WatchEvent } from '../interface.js';
import { SqliteStorage } from './backend.js';
import { parseValue } from './crash-writer.js';
import type { Durability } from './schema.js';

interface Ack {
  op: 'create' | 'update' | 'delete';
  key: string;
  rev: number;
  version: number;
}

const here = fileURLToPath(import.meta.url);
const writer = join(here, '..', `crash-writer${extname(here)}`);
// Run the child the way we run (tsx's loader under `tsx --test`, plain node for dist/).
const nodeArgs = process.execArgv.filter((a) => !a.startsWith('--test'));

/** Runs the writer until `killAfter` acknowledgements, then SIGKILLs it; returns what it acknowledged. */
async function runAndKill(path: string, prefix: string, durability: Durability, killAfter: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [...nodeArgs, writer, path, prefix, durability], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') continue;
      const [op, key, rev, version] = line.split(' ');
      acks.push({ op: op as Ack['op'], key, rev: Number(rev), version: Number(version) });
      if (acks.length === killAfter) child.kill('SIGKILL');
    }
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  }
  assert.equal(child.signalCode, 'SIGKILL', `writer ended on its own: ${stderr}`);
  assert.ok(acks.length >= killAfter, `writer acknowledged only ${acks.length} writes: ${stderr}`);
  return acks;
}

async function replay(storage: SqliteStorage): Promise<WatchEvent[]> {
  const upTo = await storage.currentRevision();
  const rec = new Recorder();
  const h = storage.watch('/crash/', { startRevision: 1 }, rec);
  await rec.until(() => rec.events.at(-1)?.revision === upTo || rec.error !== undefined, 'history replay');
  await h.dispose();
  assert.equal(rec.error, undefined);
  return rec.events;
}

test('every acknowledged write survives SIGKILL at random points (6 rounds, full and normal durability)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-crash-'));
  const path = join(dir, 'state.db');
  const all: Ack[] = [];
  try {
    for (let round = 0; round < 6; round++) {
      const durability: Durability = round % 2 === 0 ? 'full' : 'normal';
      const killAfter = 100 + Math.floor(Math.random() * 1500);
      const acks = await runAndKill(path, `/crash/${round}/`, durability, killAfter);
      all.push(...acks);
      const ctx = `round ${round} (${durability}, killed after ${killAfter} acks)`;

      const storage = SqliteStorage.open({ path, compactionIntervalMs: 0 });
      try {
        const history = await replay(storage);
        assertOrdered(history);
        const byRev = new Map(history.map((e) => [e.revision, e]));
        for (const ev of history) {
          if (ev.type === 'PUT') assert.ok(parseValue(ev.kv.value.toString()), `${ctx}: torn value at ${ev.revision}`);
        }
        // Every acknowledged write is in the log at its revision, with its content.
        for (const a of all) {
          const ev = byRev.get(a.rev);
          assert.ok(ev, `${ctx}: acknowledged ${a.op} ${a.key}@${a.rev} is missing`);
          assert.equal(ev.kv.key, a.key, ctx);
          assert.equal(ev.type, a.op === 'delete' ? 'DELETE' : 'PUT', ctx);
          if (a.op !== 'delete') assert.equal(parseValue(ev.kv.value.toString())?.version, a.version, ctx);
        }
        assert.equal(new Set(all.map((a) => a.rev)).size, all.length, `${ctx}: a revision was acknowledged twice`);
        // The current state is at or after the last acknowledged write of each key.
        const last = new Map<string, Ack>();
        for (const a of all) last.set(a.key, a);
        for (const a of last.values()) {
          const kv = await storage.get(a.key);
          if (a.op === 'delete') {
            assert.equal(kv, undefined, `${ctx}: ${a.key} came back after its delete`);
          } else if (kv) {
            assert.ok(kv.modRevision >= a.rev, `${ctx}: ${a.key} went back in time`);
            assert.ok(parseValue(kv.value.toString())!.version >= a.version, ctx);
          } else {
            // Only an unacknowledged delete (issued after version 2) may have removed it.
            assert.equal(a.version, 2, `${ctx}: ${a.key} lost`);
          }
        }
        const maxAck = Math.max(...all.map((a) => a.rev));
        assert.ok((await storage.currentRevision()) >= maxAck, ctx);
        const fresh = await storage.create(`/check/${round}`, Buffer.from('x'));
        assert.ok(fresh.modRevision > maxAck, `${ctx}: revision went backwards after reopen`);
      } finally {
        await storage.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
