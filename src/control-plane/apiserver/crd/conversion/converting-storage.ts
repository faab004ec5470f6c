import type { Disposable } from '../../../../lib/disposable.js';
import type { Logger } from '../../../../lib/log.js';
import {
  StorageError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Storage,
  type WatchEvent,
  type WatchListener,
  type WatchOptions,
  type WriteOptions,
} from '../../../storage/interface.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { CrConverter } from './converter.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export interface ConvertingStorageOptions {
  /** The real datastore; shared, never disposed here. */
  inner: Storage;
  converter: CrConverter;
  /** apiVersion objects are seen in through this storage (`group/version`). */
  viewAPIVersion: string;
  /** apiVersion objects are written in (the CRD's storage version). */
  storageAPIVersion: string;
  log: Logger;
}

/**
 * One served version's window on a CRD's objects (upstream gives each CRD
 * version its own REST storage whose codec converts): values read — get,
 * list, watch events — come out at `viewAPIVersion`; values written go in
 * at `storageAPIVersion`. Bytes already at the right version pass through
 * untouched (so the written-object fast path of the watch cache still holds).
 *
 * Watch events are converted in order; a conversion failure ends the watch
 * with `Unavailable` (the watch cache then re-lists, as upstream's cacher
 * restarts). Delete results and watch `prevKv` are not converted: nothing
 * above reads their contents.
 */
export class ConvertingStorage implements Storage {
  constructor(private readonly opts: ConvertingStorageOptions) {}

  get backend(): string {
    return this.opts.inner.backend;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    const kv = await this.opts.inner.get(key, opts);
    return kv ? (await this.toView([kv], false))[0] : undefined;
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.opts.inner.list(prefix, opts);
    return { ...r, items: await this.toView(r.items, true) };
  }

  count(prefix: string): Promise<number> {
    return this.opts.inner.count(prefix);
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<KeyValue> {
    const kv = await this.opts.inner.create(key, await this.toStored(value), opts);
    return { ...kv, value };
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    const kv = await this.opts.inner.update(key, await this.toStored(value), expectedModRevision, opts);
    return { ...kv, value };
  }

  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.opts.inner.delete(key, expectedModRevision);
  }

  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable {
    let ended = false;
    let chain: Promise<void> = Promise.resolve();
    const inner = this.opts.inner.watch(prefix, opts, {
      onEvents: (events) => {
        chain = chain.then(async () => {
          if (ended) return;
          let out: WatchEvent[];
          try {
            out = await this.eventsToView(events);
          } catch (err) {
            if (ended) return;
            ended = true;
            this.opts.log.warn('crd conversion: watch event not convertible; restarting the watch', { err });
            void inner.dispose();
            listener.onError(new StorageError('Unavailable', (err as Error).message));
            return;
          }
          if (!ended) listener.onEvents(out);
        });
      },
      onProgress: (revision) => {
        chain = chain.then(() => {
          if (!ended) listener.onProgress?.(revision);
        });
      },
      onError: (err) => {
        chain = chain.then(() => {
          if (ended) return;
          ended = true;
          listener.onError(err);
        });
      },
    });
    return {
      dispose: () => {
        ended = true;
        return inner.dispose();
      },
    };
  }

  currentRevision(): Promise<number> {
    return this.opts.inner.currentRevision();
  }

  compactedRevision(): Promise<number> {
    return this.opts.inner.compactedRevision();
  }

  compact(revision: number): Promise<void> {
    return this.opts.inner.compact(revision);
  }

  /** The datastore belongs to the server: nothing to release here. */
  dispose(): void {}

  private async eventsToView(events: WatchEvent[]): Promise<WatchEvent[]> {
    const puts = events.filter((e) => e.type === 'PUT');
    const converted = await this.toView(
      puts.map((e) => e.kv),
      true,
    );
    const byEvent = new Map(puts.map((e, i) => [e, converted[i]!]));
    return events.map((e) => {
      const kv = byEvent.get(e);
      const { prevKv: _drop, ...rest } = e;
      return kv ? { ...rest, kv } : rest;
    });
  }

  /** Values at the view's version; one conversion call for everything that needs it. */
  private async toView(kvs: KeyValue[], list: boolean): Promise<KeyValue[]> {
    const target = this.opts.viewAPIVersion;
    const objects = kvs.map((kv) => JSON.parse(decoder.decode(kv.value)) as KubeObject);
    if (objects.every((o) => o.apiVersion === target)) return kvs;
    const converted = await this.opts.converter.convert(objects, target, { list });
    return kvs.map((kv, i) =>
      converted[i] === objects[i] ? kv : { ...kv, value: encoder.encode(JSON.stringify(converted[i])) },
    );
  }

  private async toStored(value: Uint8Array): Promise<Uint8Array> {
    const target = this.opts.storageAPIVersion;
    const obj = JSON.parse(decoder.decode(value)) as KubeObject;
    if (obj.apiVersion === target) return value;
    const [converted] = await this.opts.converter.convert([obj], target);
    return encoder.encode(JSON.stringify(converted));
  }
}
