import assert from 'node:assert/strict';
import {
  type KeyValue,
  type Storage,
  type StorageError,
  type WatchEvent,
  type WatchListener,
  type WatchOptions,
  isStorageError,
  type StorageErrorCode,
} from '../interface.js';

/** Helpers for the conformance suite (and backend-specific tests). */

/** Registers one conformance test that runs `fn` against a fresh storage. */
export type ConformanceCase = (title: string, fn: (s: Storage) => Promise<void>) => void;

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (v: Uint8Array | undefined): string | undefined =>
  v === undefined ? undefined : new TextDecoder().decode(v);

/** Asserts that `p` rejects with a StorageError of `code`; returns it. */
export async function rejectsWith(p: Promise<unknown>, code: StorageErrorCode): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but the operation succeeded`);
}

/** A watch listener that records everything and lets a test wait for a condition. */
export class Recorder implements WatchListener {
  readonly events: WatchEvent[] = [];
  readonly batches: WatchEvent[][] = [];
  readonly progress: number[] = [];
  /** Events and progress notifications in the order they arrived. */
  readonly timeline: { kind: 'event' | 'progress'; revision: number }[] = [];
  error: StorageError | undefined;
  private waiters: (() => void)[] = [];

  onEvents(events: WatchEvent[]): void {
    this.batches.push(events);
    this.events.push(...events);
    for (const ev of events) this.timeline.push({ kind: 'event', revision: ev.revision });
    this.wake();
  }
  onProgress(revision: number): void {
    this.progress.push(revision);
    this.timeline.push({ kind: 'progress', revision });
    this.wake();
  }
  onError(err: StorageError): void {
    this.error = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `pred()` holds; rejects after `timeoutMs` with `what` and the recorded state. */
  async until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what}: ${this.events.length} events (last rev ${this.events.at(-1)?.revision}), ` +
            `${this.progress.length} progress, error=${this.error?.message}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  untilEvents(n: number, timeoutMs?: number): Promise<void> {
    return this.until(() => this.events.length >= n || this.error !== undefined, `${n} events`, timeoutMs);
  }
}

export function watchWith(storage: Storage, prefix: string, opts: WatchOptions): Recorder & { stop(): Promise<void> } {
  const rec = new Recorder();
  const handle = storage.watch(prefix, opts, rec);
  return Object.assign(rec, { stop: async () => void (await handle.dispose()) });
}

/** Asserts events are in strictly increasing revision order with no duplicates. */
export function assertOrdered(events: WatchEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i].revision > events[i - 1].revision,
      `event ${i} revision ${events[i].revision} not after ${events[i - 1].revision}`,
    );
  }
  for (const ev of events) assert.equal(ev.revision, ev.kv.modRevision);
}

/** A compact, comparable view of an event. */
export function describeEvent(ev: WatchEvent): string {
  const prev = ev.prevKv ? ` prev=${dec(ev.prevKv.value)}@${ev.prevKv.modRevision}` : '';
  return `${ev.type} ${ev.kv.key}=${ev.type === 'PUT' ? dec(ev.kv.value) : ''}${prev}`;
}

export function kvView(kv: KeyValue | undefined): { key: string; value: string | undefined } | undefined {
  return kv && { key: kv.key, value: dec(kv.value) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
