/**
 * Child process for crash-safety.test.ts: opens the datastore given on the
 * command line and writes forever from several concurrent loops, printing one
 * line per acknowledged write (`<op> <key> <revision> <version>`) after the
 * write's promise resolved. The test kills it with SIGKILL at a random moment
 * and checks that every acknowledged write survived.
 *
 * Value format: `<key>|<version>|<padding>|<checksum>` so a torn value is detectable.
 */
import { createHash } from 'node:crypto';
import { SqliteStorage } from './backend.js';
import type { Durability } from './schema.js';

export function makeValue(key: string, version: number, padLen: number): string {
  const body = `${key}|${version}|${'x'.repeat(padLen)}`;
  return `${body}|${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}

/** Parses a value; undefined if it is torn or malformed. */
export function parseValue(text: string): { key: string; version: number } | undefined {
  const i = text.lastIndexOf('|');
  if (i < 0) return undefined;
  const body = text.slice(0, i);
  if (createHash('sha256').update(body).digest('hex').slice(0, 16) !== text.slice(i + 1)) return undefined;
  const [key, version] = body.split('|');
  return { key, version: Number(version) };
}

async function main(): Promise<void> {
  const [path, prefix, durability] = process.argv.slice(2);
  const storage = SqliteStorage.open({ path, durability: durability as Durability, compactionIntervalMs: 0 });
  const out = (line: string) => process.stdout.write(line + '\n');
  out('ready');
  const loop = async (id: number) => {
    for (let n = 0; ; n++) {
      const key = `${prefix}${id}/${n}`;
      const pad = (n * 37) % 3000;
      let kv = await storage.create(key, Buffer.from(makeValue(key, 0, pad)));
      out(`create ${key} ${kv.modRevision} 0`);
      for (let v = 1; v <= 2; v++) {
        kv = await storage.update(key, Buffer.from(makeValue(key, v, pad)), kv.modRevision);
        out(`update ${key} ${kv.modRevision} ${v}`);
      }
      if (n % 3 === 0) {
        const d = await storage.delete(key, kv.modRevision);
        out(`delete ${key} ${d.modRevision} 3`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => loop(i)));
}

if (process.argv[1] && /crash-writer\.(ts|js)$/.test(process.argv[1])) {
  main().catch((err) => {
    process.stderr.write(`crash-writer failed: ${String(err)}\n`);
    process.exit(1);
  });
}
