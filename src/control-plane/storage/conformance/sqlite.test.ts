import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from '../sqlite/backend.js';
import { runConformance } from './suite.js';

// The same suite on a file (WAL, group commit, fsync) and on `:memory:`.
runConformance('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubets-sqlite-conf-'));
  const storage = SqliteStorage.open({ path: join(dir, 'state.db'), ttlSweepIntervalMs: 100 });
  return {
    storage,
    cleanup: async () => {
      await storage.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

runConformance('sqlite :memory:', async () => {
  const storage = SqliteStorage.open({ path: ':memory:', ttlSweepIntervalMs: 100 });
  return { storage, cleanup: () => storage.dispose() };
});
