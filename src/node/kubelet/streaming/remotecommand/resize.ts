/**
 * The resize stream: clients write JSON TerminalSize values back to back
 * (client-go uses a json.Encoder, so newline-separated, but a value may span
 * messages or several may share one). The kubelet reads them with a
 * json.Decoder and stops at the first malformed value; so does this. Go
 * matches the `Width`/`Height` field names case-insensitively.
 */
import type { TerminalSize } from './types.js';

/** Splits a byte stream into complete top-level JSON values. */
export class JsonValueSplitter {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private scanned = 0;

  /** Returns the complete values in `chunk` (with what was buffered before). */
  push(chunk: string): string[] {
    this.buf += chunk;
    const out: string[] = [];
    for (let i = this.scanned; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (this.depth === 0) {
        if (c === '{' || c === '[') {
          this.start = i;
          this.depth = 1;
        } else if (!/\s/.test(c)) {
          // A scalar at top level is not a TerminalSize; hand it on so the caller stops.
          out.push(c);
        }
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          out.push(this.buf.slice(this.start, i + 1));
          this.start = -1;
        }
      }
    }
    if (this.start >= 0) {
      this.buf = this.buf.slice(this.start);
      this.start = 0;
    } else {
      this.buf = '';
    }
    this.scanned = this.buf.length;
    if (this.buf.length > 64 * 1024) {
      // No terminal size is this large: report a bad value instead of buffering forever.
      this.buf = '';
      this.scanned = 0;
      this.depth = 0;
      this.start = -1;
      out.push('!');
    }
    return out;
  }
}

/** Parses one value as a TerminalSize (Go's uint16 fields); undefined if it is not one. */
export function parseTerminalSize(json: string): TerminalSize | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const size: TerminalSize = { width: 0, height: 0 };
  for (const [k, val] of Object.entries(v)) {
    const key = k.toLowerCase();
    if (key !== 'width' && key !== 'height') continue;
    if (typeof val !== 'number' || !Number.isInteger(val) || val < 0 || val > 0xffff) return undefined;
    size[key] = val;
  }
  return size;
}

/**
 * A bounded queue consumed as an async iterable. When full the oldest entry
 * is dropped: for terminal sizes only the latest matters, and a handler that
 * ignores resizes must not make the session hold memory.
 */
export class SizeQueue implements AsyncIterable<TerminalSize> {
  private items: TerminalSize[] = [];
  private waiting: ((r: IteratorResult<TerminalSize>) => void) | undefined;
  private ended = false;

  constructor(private readonly limit = 32) {}

  push(size: TerminalSize): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: size, done: false });
      return;
    }
    this.items.push(size);
    if (this.items.length > this.limit) this.items.shift();
  }

  end(): void {
    this.ended = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Feeds resize bytes into `queue`; the first value that is not a TerminalSize stops decoding (like the kubelet). */
export class ResizeDecoder {
  private readonly splitter = new JsonValueSplitter();
  private stopped = false;

  constructor(private readonly queue: SizeQueue) {}

  write(chunk: Buffer): void {
    if (this.stopped) return;
    for (const value of this.splitter.push(chunk.toString('utf8'))) {
      const size = parseTerminalSize(value);
      if (!size) {
        this.stopped = true;
        this.queue.end();
        return;
      }
      this.queue.push(size);
    }
  }
}
