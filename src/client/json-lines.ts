import { toWatchEvent, TransportError, type WatchEventSource } from './transport.js';

const newline = 0x0a;

/**
 * Splits a byte stream into newline-delimited JSON values, the framing
 * kube-apiserver uses for `?watch=true` responses. Lines are cut on raw bytes
 * (0x0A never occurs inside a UTF-8 multi-byte sequence), so a character split
 * across chunks is decoded correctly. Blank lines are skipped.
 */
export async function* decodeJsonLines(src: AsyncIterable<Uint8Array | string>): AsyncGenerator<unknown> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  for await (const raw of src) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    let at = chunk.indexOf(newline);
    while (at >= 0) {
      const head = chunk.subarray(0, at);
      const line = pendingLen > 0 ? Buffer.concat([...pending, head], pendingLen + head.length) : head;
      pending = [];
      pendingLen = 0;
      const v = parseLine(line);
      if (v !== undefined) yield v;
      chunk = chunk.subarray(at + 1);
      at = chunk.indexOf(newline);
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingLen += chunk.length;
    }
  }
  if (pendingLen > 0) {
    const v = parseLine(Buffer.concat(pending, pendingLen));
    if (v !== undefined) yield v;
  }
}

function parseLine(line: Buffer): unknown {
  const text = line.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new TransportError(
      `unable to decode watch event: ${err instanceof Error ? err.message : String(err)}`,
      'ERR_WATCH_DECODE',
      false,
      { cause: err, retryable: false },
    );
  }
}

/**
 * Adapts a byte stream carrying a watch to a WatchEventSource. `close` tears
 * the underlying stream down; after it, `next()` resolves undefined instead of
 * surfacing the resulting stream error. Other stream errors become
 * TransportErrors (the reflector re-watches).
 */
export function watchSourceFromBytes(src: AsyncIterable<Uint8Array | string>, close: () => void): WatchEventSource {
  const it = decodeJsonLines(src);
  let closed = false;
  return {
    async next() {
      if (closed) return undefined;
      try {
        const r = await it.next();
        if (r.done) {
          closed = true;
          return undefined;
        }
        return toWatchEvent(r.value);
      } catch (err) {
        if (closed) return undefined;
        closed = true;
        close();
        if (err instanceof TransportError) throw err;
        const e = err as { code?: string; message?: string };
        throw new TransportError(`watch stream broke: ${e.message ?? String(err)}`, e.code, false, { cause: err });
      }
    },
    close() {
      if (closed) return;
      closed = true;
      close();
      void it.return(undefined).catch(() => undefined);
    },
  };
}
