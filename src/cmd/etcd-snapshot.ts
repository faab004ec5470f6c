import { hostname } from 'node:os';
import type { Command } from '../cli/command.js';
import { UsageError } from '../cli/flags.js';
import { listSnapshots, pruneSnapshots, restoreSnapshot, saveSnapshot } from '../control-plane/storage/backup.js';
import { parseDatastoreEndpoint } from '../control-plane/storage/factory.js';
import { dataDirFlag, dataDirOf } from './local-paths.js';

/**
 * `kubets etcd-snapshot save|restore|ls|prune` (k3s names it so even for
 * SQLite): online snapshots of either datastore into `<data-dir>/db/snapshots`
 * with retention, and restore into a stopped server's datastore.
 */
export const etcdSnapshotCommand: Command = {
  name: 'etcd-snapshot',
  summary: 'Save, list, prune or restore datastore snapshots (SQLite or etcd)',
  usage: 'etcd-snapshot save|ls|prune|restore [FILE] [flags]',
  flags: [
    dataDirFlag,
    {
      name: 'datastore-endpoint',
      type: 'string',
      description: 'Datastore of the server (default: its embedded SQLite)',
      placeholder: 'URL',
    },
    { name: 'name', type: 'string', description: 'Snapshot name prefix', default: 'on-demand', placeholder: 'NAME' },
    {
      name: 'snapshot-retention',
      type: 'number',
      description: 'Snapshots of this name to keep',
      default: 5,
      placeholder: 'N',
    },
    {
      name: 'dir',
      type: 'string',
      description: 'Snapshot folder (default <data-dir>/db/snapshots)',
      placeholder: 'DIR',
    },
  ],
  async run({ flags, args, stdout }) {
    const [sub, file] = args;
    const dataDir = dataDirOf(flags);
    const loc = { dataDir, dir: flags.dir as string | undefined };
    const config = parseDatastoreEndpoint(flags['datastore-endpoint'] as string | undefined, { dataDir });
    switch (sub) {
      case 'save': {
        const s = await saveSnapshot(config, {
          ...loc,
          name: String(flags.name),
          nodeName: hostname(),
          retention: Number(flags['snapshot-retention']),
        });
        stdout.write(`Snapshot ${s.name} saved (${s.size} bytes) at ${s.path}\n`);
        for (const p of s.pruned) stdout.write(`Removed old snapshot ${p}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const all = listSnapshots(loc);
        stdout.write(`${'Name'.padEnd(40)} ${'Size'.padStart(12)}  Created\n`);
        for (const s of all)
          stdout.write(
            `${s.name.padEnd(40)} ${String(s.size).padStart(12)}  ${new Date(s.createdAt * 1000).toISOString()}\n`,
          );
        return 0;
      }
      case 'prune': {
        const removed = pruneSnapshots({
          ...loc,
          name: String(flags.name),
          nodeName: hostname(),
          retention: Number(flags['snapshot-retention']),
        });
        for (const p of removed) stdout.write(`Removed ${p}\n`);
        return 0;
      }
      case 'restore': {
        if (!file)
          throw new UsageError(
            'restore needs the snapshot file: kubets etcd-snapshot restore FILE (stop the server first)',
          );
        const r = await restoreSnapshot(file, config);
        stdout.write(
          `Restored ${file} into ${config.type === 'sqlite' ? config.path : config.endpoints.join(',')}: ${JSON.stringify(r)}\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub ?? ''}"; use save, ls, prune or restore`);
    }
  },
};
