import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../conformance/suite.js';
import { SqliteStorage } from './backend.js';

// A file store that commits on the calling thread (`inlineWrites`) must behave
// exactly like the default writer-thread store (conformance/sqlite.test.ts).
runConformance('sqlite file, inline writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-inline-'));
  const storage = SqliteStorage.open({ path: join(dir, 'state.db'), ttlSweepIntervalMs: 100, inlineWrites: true });
  return {
    storage,
    cleanup: async () => {
      await storage.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
