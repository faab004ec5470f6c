import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fixedNanoTimestamp, readContainerLog, tailStartOffset, type LogReadOptions } from './log-reader.js';

/** The real clock's timers are unref'd; a pending one must not let the test process exit. */
async function keepAlive<T>(p: Promise<T>): Promise<T> {
  const t = setInterval(() => {}, 1000);
  try {
    return await p;
  } finally {
    clearInterval(t);
  }
}

const rec = (sec: number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', text: string) =>
  `2026-01-01T00:00:${String(sec).padStart(2, '0')}.5Z ${stream} ${tag} ${text}\n`;

const sample =
  rec(1, 'stdout', 'F', 'one') +
  rec(2, 'stderr', 'F', 'two') +
  rec(3, 'stdout', 'P', 'thr') +
  rec(3, 'stdout', 'F', 'ee') +
  'garbage line\n' +
  rec(4, 'stdout', 'F', 'four');

function withFile(content: string, fn: (path: string, dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbt-log-'));
    const path = join(dir, '0.log');
    writeFileSync(path, content);
    try {
      await fn(path, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function read(path: string, o: LogReadOptions): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await readContainerLog(path, out, o);
  return Buffer.concat(chunks).toString();
}

test('fixed nine-digit timestamps', () => {
  assert.equal(fixedNanoTimestamp('2026-01-01T00:00:01.5Z'), '2026-01-01T00:00:01.500000000Z');
  assert.equal(fixedNanoTimestamp('2026-01-01T00:00:01Z'), '2026-01-01T00:00:01.000000000Z');
  assert.equal(fixedNanoTimestamp('2026-01-01T00:00:01.123456789+02:00'), '2026-01-01T00:00:01.123456789+02:00');
});

test(
  'tail offsets count newlines from the end; an unterminated last line is not a line',
  withFile('a\nb\nc\n', async (path) => {
    const fh = await open(path, 'r');
    try {
      assert.equal(await tailStartOffset(fh, 0), 6);
      assert.equal(await tailStartOffset(fh, 1), 4);
      assert.equal(await tailStartOffset(fh, 2), 2);
      assert.equal(await tailStartOffset(fh, 3), 0);
      assert.equal(await tailStartOffset(fh, 10), 0);
      assert.equal(await tailStartOffset(fh, -1), 0);
    } finally {
      await fh.close();
    }
    appendFileSync(path, 'd');
    const fh2 = await open(path, 'r');
    try {
      assert.equal(await tailStartOffset(fh2, 1), 4, 'c and the partial d');
    } finally {
      await fh2.close();
    }
  }),
);

test(
  'options: whole file, tail, since, timestamps, limitBytes',
  withFile(sample, async (path) => {
    const cases: [LogReadOptions, string][] = [
      [{}, 'one\ntwo\nthree\nfour\n'],
      [{ tailLines: 1 }, 'four\n'],
      // Raw file lines count, as upstream: 'ee' (the end of a partial line), the garbage line, 'four'.
      [{ tailLines: 3 }, 'ee\nfour\n'],
      [{ tailLines: 4 }, 'three\nfour\n'],
      [{ tailLines: 0 }, ''],
      [{ since: new Date('2026-01-01T00:00:02.5Z') }, 'two\nthree\nfour\n'],
      [{ since: new Date('2026-01-01T00:00:02.6Z') }, 'three\nfour\n'],
      [
        { timestamps: true, tailLines: 4 },
        '2026-01-01T00:00:03.500000000Z three\n2026-01-01T00:00:04.500000000Z four\n',
      ],
      [{ limitBytes: 6 }, 'one\ntw'],
      [{ limitBytes: 1 }, 'o'],
    ];
    for (const [o, want] of cases) assert.equal(await read(path, o), want, JSON.stringify(o));
  }),
);

test(
  'follow: new records stream out, rotation is followed, and it ends once the container stopped',
  withFile(rec(1, 'stdout', 'F', 'first'), async (path) => {
    const out = new PassThrough();
    let got = '';
    out.on('data', (c: Buffer) => (got += c.toString()));
    let running = true;
    const ac = new AbortController();
    const done = readContainerLog(
      path,
      out,
      { follow: true },
      { signal: ac.signal, isRunning: async () => running, pollMs: 10, stateCheckMs: 10 },
    );
    const until = async (want: string) => {
      const deadline = Date.now() + 5000;
      while (!got.includes(want)) {
        if (Date.now() > deadline)
          assert.fail(`timed out waiting for ${JSON.stringify(want)}; got ${JSON.stringify(got)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until('first\n');
    appendFileSync(path, rec(2, 'stdout', 'P', 'sec'));
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(path, rec(2, 'stdout', 'F', 'ond'));
    await until('second\n');
    // Rotation: the runtime renames the file and reopens a new one at the path.
    appendFileSync(path, rec(3, 'stdout', 'F', 'last-in-old'));
    renameSync(path, `${path}.20260101-000003`);
    writeFileSync(path, rec(4, 'stdout', 'F', 'in-new-file'));
    await until('in-new-file\n');
    appendFileSync(path, rec(5, 'stdout', 'F', 'after-exit'));
    running = false;
    await keepAlive(done);
    assert.equal(got, 'first\nsecond\nlast-in-old\nin-new-file\nafter-exit\n');
  }),
);

test(
  'follow ends when the client goes away',
  withFile(rec(1, 'stdout', 'F', 'x'), async (path) => {
    const ac = new AbortController();
    const out = new PassThrough();
    out.resume();
    const done = readContainerLog(
      path,
      out,
      { follow: true },
      { signal: ac.signal, isRunning: async () => true, pollMs: 10 },
    );
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await keepAlive(done);
  }),
);
