import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import { StorageError } from '../interface.js';
import { BoltReader } from './bolt-reader.js';
import { mapEtcdError } from './errors.js';

/** One key of a snapshot's final state. */
export interface SnapshotEntry {
  value: Buffer;
  createRevision: number;
  modRevision: number;
  /** Remaining lifetime when the key was attached to a lease (seconds). */
  ttlSeconds?: number;
}

export interface EtcdSnapshotContents {
  /** Highest revision recorded in the snapshot. */
  revision: number;
  /** Live keys (raw etcd keys, namespace included) and their values. */
  entries: Map<string, SnapshotEntry>;
}

/**
 * Saves an online snapshot through the Maintenance.Snapshot RPC (what
 * `etcdctl snapshot save` does): etcd streams its bbolt database followed by a
 * SHA-256 of it. Written to `<dest>.part`, checked, fsynced, then renamed.
 */
export async function saveEtcdSnapshot(client: Etcd3, dest: string): Promise<{ size: number; revision: number }> {
  const part = `${dest}.part`;
  const fd = openSync(part, 'w', 0o600);
  let size = 0;
  let revision = 0;
  try {
    const stream = await client.maintenance.snapshot();
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (res: { blob: Buffer; header?: { revision?: string } }) => {
        if (res.header?.revision) revision = Math.max(revision, Number(res.header.revision));
        if (res.blob.length > 0) {
          writeSync(fd, res.blob);
          size += res.blob.length;
        }
      });
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(part, { force: true });
    throw mapEtcdError(err, 'etcd snapshot');
  }
  closeSync(fd);
  try {
    verifyHash(readFileSync(part), dest);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  renameSync(part, dest);
  return { size, revision };
}

/** Checks the trailing SHA-256 etcd appends to a snapshot; returns the database part. */
function verifyHash(buf: Buffer, name: string): Buffer {
  if (buf.length % 512 !== 32) return buf; // a bare database file (e.g. copied member/snap/db)
  const db = buf.subarray(0, buf.length - 32);
  if (
    !createHash('sha256')
      .update(db)
      .digest()
      .equals(buf.subarray(buf.length - 32))
  ) {
    throw new StorageError('Corrupt', `etcd snapshot ${name}: SHA-256 mismatch (truncated or damaged file)`);
  }
  return db;
}

/** True when the file starts like a bbolt database (etcd snapshot). */
export function isEtcdSnapshot(head: Buffer): boolean {
  return head.length >= 24 && head.readUInt32LE(16) === 0xed0cdaed;
}

/** Reads a protobuf varint at `pos`; returns [value, next position]. Values stay below 2^53 in practice. */
function varint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (;;) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('truncated varint');
    result += (b & 0x7f) * mul;
    if (b < 0x80) return [result, pos];
    mul *= 128;
  }
}

/** Decodes the fields of a protobuf message into number/bytes by field number. */
function fields(buf: Buffer): Map<number, number | Buffer> {
  const out = new Map<number, number | Buffer>();
  let pos = 0;
  while (pos < buf.length) {
    let tag: number;
    [tag, pos] = varint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      let v: number;
      [v, pos] = varint(buf, pos);
      out.set(field, v);
    } else if (wire === 2) {
      let len: number;
      [len, pos] = varint(buf, pos);
      out.set(field, buf.subarray(pos, pos + len));
      pos += len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  return out;
}

/**
 * Replays the `key` bucket of an etcd snapshot (keys are revisions: 8-byte
 * main revision, '_', 8-byte sub revision, and a trailing 't' for a
 * tombstone; values are mvccpb.KeyValue) into the final state of the keyspace.
 */
export function readEtcdSnapshot(file: string): EtcdSnapshotContents {
  const db = verifyHash(readFileSync(file), file);
  const bolt = new BoltReader(db, `etcd snapshot ${file}`);
  const leases = new Map<number, number>();
  bolt.forEach('lease', (_k, v) => {
    const f = fields(v);
    leases.set(Number(f.get(1) ?? 0), Number(f.get(3) || f.get(2) || 0));
  });
  const entries = new Map<string, SnapshotEntry>();
  let revision = 0;
  const found = bolt.forEach('key', (k, v) => {
    if (k.length < 17) return;
    revision = Math.max(revision, Number(k.readBigUInt64BE(0)));
    const f = fields(v);
    const key = (f.get(1) as Buffer | undefined)?.toString('utf8');
    if (key === undefined) return;
    if (k.length === 18 && k[17] === 0x74) {
      entries.delete(key);
      return;
    }
    const lease = Number(f.get(6) ?? 0);
    const ttl = lease ? leases.get(lease) : undefined;
    entries.set(key, {
      value: Buffer.from((f.get(5) as Buffer | undefined) ?? Buffer.alloc(0)),
      createRevision: Number(f.get(2) ?? 0),
      modRevision: Number(f.get(3) ?? 0),
      ...(ttl ? { ttlSeconds: ttl } : {}),
    });
  });
  if (!found) throw new StorageError('Corrupt', `etcd snapshot ${file}: no "key" bucket (not an etcd database)`);
  return { revision, entries };
}
