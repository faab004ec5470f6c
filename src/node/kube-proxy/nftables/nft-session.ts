import { type Clock, realClock, type Timer } from '../../../lib/clock.js';
import type { CommandResult, StartedProcess } from '../runner.js';

export interface NftSessionOptions {
  /** Starts `nft -i` (in the proxier's network namespace). */
  start: () => StartedProcess;
  clock?: Clock;
  /** The process is closed after this long without a transaction (default 60 s). */
  idleMs?: number;
  /** A transaction not answered within this long kills the process (default 30 s). */
  timeoutMs?: number;
}

/** Larger scripts go through `nft -f` (readline reads stdin a byte at a time). */
const maxScriptBytes = 64 * 1024;

/**
 * One long-running `nft -i` fed a transaction per line, so a small sync
 * costs no process start (on a busy machine, starting `ip netns exec nft`
 * costs several times what nft then does for a few element updates).
 *
 * Contract: `apply(script)` runs the script as ONE transaction (its lines
 * joined with ";" on one input line, which nft parses and commits
 * atomically) and resolves with code 0, 1 (nft rejected it: stderr holds
 * nft's error) or -1 (the process died or hung: the outcome is unknown).
 * Transactions run one at a time, in call order. nft -i reports nothing on
 * success, so each transaction is followed by a marker line that nft rejects
 * as a syntax error: the error echoing the marker ends the transaction's
 * output, and anything before it is the transaction's own error.
 */
export class NftSession {
  private readonly startProcess: () => StartedProcess;
  private readonly clock: Clock;
  private readonly idleMs: number;
  private readonly timeoutMs: number;
  private proc: StartedProcess | undefined;
  private stderr = '';
  private seq = 0;
  private waiter: (() => void) | undefined;
  private exited: string | undefined;
  private idle: Timer | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: NftSessionOptions) {
    this.startProcess = opts.start;
    this.clock = opts.clock ?? realClock;
    this.idleMs = opts.idleMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** Whether `script` can go through a session: small, one statement per line (no blocks), no comments. */
  static accepts(script: string): boolean {
    return script.length <= maxScriptBytes && !script.includes('#') && !/\{\s*$/m.test(script);
  }

  apply(script: string): Promise<CommandResult> {
    const run = this.queue.then(() => this.run(script));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts the process ahead of the first transaction, so that transaction
   * does not pay for it. Idle-closed like after a transaction.
   */
  warm(): void {
    if (this.proc) return;
    this.ensure().unref();
    this.idle?.cancel();
    this.idle = this.clock.setTimeout(() => this.close(), this.idleMs);
  }

  /** Ends the process (the next `apply` starts another). */
  close(): void {
    this.idle?.cancel();
    this.idle = undefined;
    const p = this.proc;
    this.proc = undefined;
    if (!p) return;
    p.stdin.end();
    p.kill('SIGTERM');
  }

  private ensure(): StartedProcess {
    if (this.proc) return this.proc;
    const p = this.startProcess();
    this.proc = p;
    this.stderr = '';
    this.exited = undefined;
    p.stdout.on('data', () => undefined);
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => {
      if (this.proc !== p) return;
      this.stderr += d;
      this.waiter?.();
    });
    const gone = (why: string) => {
      if (this.proc !== p) return;
      this.proc = undefined;
      this.exited = why;
      this.waiter?.();
    };
    p.on('exit', (code) => gone(`nft -i exited (${String(code)})`));
    p.on('error', (err) => gone(`nft -i: ${(err as Error).message}`));
    p.stdin.on('error', () => undefined);
    return p;
  }

  private async run(script: string): Promise<CommandResult> {
    this.idle?.cancel();
    const p = this.ensure();
    p.ref();
    const marker = `kubets-sync-marker-${++this.seq}`;
    const line = script
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .join('; ');
    let timedOut = false;
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      this.waiter?.();
    }, this.timeoutMs);
    try {
      p.stdin.write(`${line}\n${marker}\n`);
      for (;;) {
        const done = this.takeUpTo(marker);
        if (done !== undefined) {
          const failed = /Error: /.test(done);
          return { code: failed ? 1 : 0, stdout: '', stderr: done };
        }
        if (this.exited !== undefined || timedOut) {
          const why = this.exited ?? `nft -i did not answer within ${this.timeoutMs} ms`;
          const stderr = `${this.stderr}\n${why}`.trim();
          if (this.proc === p) this.close();
          return { code: -1, stdout: '', stderr };
        }
        await new Promise<void>((resolve) => (this.waiter = resolve));
        this.waiter = undefined;
      }
    } finally {
      timer.cancel();
      if (this.proc === p) {
        p.unref();
        this.idle = this.clock.setTimeout(() => this.close(), this.idleMs);
      }
    }
  }

  /**
   * Once the marker's error (three lines: "Error: ...", the marker, a caret
   * line) has arrived, removes everything up to it from the buffer and
   * returns what came before: the transaction's output.
   */
  private takeUpTo(marker: string): string | undefined {
    const at = this.stderr.indexOf(`\n${marker}\n`);
    if (at < 0) return undefined;
    const caretEnd = this.stderr.indexOf('\n', at + marker.length + 2);
    if (caretEnd < 0) return undefined;
    const errorLine = this.stderr.lastIndexOf('\n', at - 1) + 1;
    const out = this.stderr.slice(0, errorLine);
    this.stderr = this.stderr.slice(caretEnd + 1);
    return out;
  }
}
