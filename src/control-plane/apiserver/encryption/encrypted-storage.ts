import type { Disposable } from '../../../lib/disposable.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Storage,
  WatchEvent,
  WatchListener,
  WatchOptions,
  WriteOptions,
} from '../../storage/interface.js';
import { markStale } from './stale-reads.js';
import type { ValueTransformer } from './value-transformer.js';

export interface PrefixTransformer {
  /** Storage key prefix, e.g. `/registry/secrets/`. */
  prefix: string;
  transformer: ValueTransformer;
}

/**
 * Encryption at rest as a Storage decorator: values under configured prefixes
 * are encrypted before they reach the datastore and decrypted on every read and
 * watch event; the storage key is the authenticated data, so a value copied to
 * another key does not decrypt. Everything else passes through untouched.
 * Values read in an outdated format are marked (see ./stale-reads.ts) so an
 * update rewrites them with the current key.
 */
export class EncryptedStorage implements Storage {
  readonly backend: string;
  constructor(
    private readonly inner: Storage,
    private readonly rules: PrefixTransformer[],
  ) {
    this.backend = inner.backend;
  }

  private tfor(key: string): ValueTransformer | undefined {
    for (const r of this.rules) if (key.startsWith(r.prefix)) return r.transformer;
    return undefined;
  }

  private out(kv: KeyValue): KeyValue;
  private out(kv: KeyValue | undefined): KeyValue | undefined;
  private out(kv: KeyValue | undefined): KeyValue | undefined {
    if (!kv || kv.value.length === 0) return kv;
    const t = this.tfor(kv.key);
    if (!t) return kv;
    const r = t.decrypt(kv.key, kv.value);
    const out = { ...kv, value: r.plaintext };
    return r.stale ? markStale(out) : out;
  }

  private in(key: string, value: Uint8Array): Uint8Array {
    const t = this.tfor(key);
    return t ? t.encrypt(key, value) : value;
  }

  async get(key: string, opts?: { revision?: number }): Promise<KeyValue | undefined> {
    return this.out(await this.inner.get(key, opts));
  }
  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.out(kv)) };
  }
  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }
  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<KeyValue> {
    return { ...(await this.inner.create(key, this.in(key, value), opts)), value };
  }
  async update(key: string, value: Uint8Array, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    return { ...(await this.inner.update(key, this.in(key, value), expectedModRevision, opts)), value };
  }
  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.out(await this.inner.delete(key, expectedModRevision));
  }
  watch(prefix: string, opts: WatchOptions, listener: WatchListener): Disposable {
    return this.inner.watch(prefix, opts, {
      onEvents: (evs: WatchEvent[]) =>
        listener.onEvents(
          evs.map((e) => ({ ...e, kv: this.out(e.kv), prevKv: e.prevKv ? this.out(e.prevKv) : undefined })),
        ),
      onProgress: listener.onProgress?.bind(listener),
      onError: (err) => listener.onError(err),
    });
  }
  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }
  requestWatchProgress(): void {
    this.inner.requestWatchProgress?.();
  }
  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  dispose(): void | Promise<void> {
    return this.inner.dispose();
  }
}
