import type { Logger } from '../../../lib/log.js';
import type { WriteTx } from '../types.js';

/** One write attempt's compensations; exactly one of commit/abort runs them. */
export class WriteTransaction implements WriteTx {
  private commits: (() => void | Promise<void>)[] = [];
  private aborts: (() => void | Promise<void>)[] = [];
  private done = false;

  constructor(
    readonly dryRun: boolean,
    private readonly log?: Logger,
  ) {}

  onCommit(fn: () => void | Promise<void>): void {
    this.commits.push(fn);
  }
  onAbort(fn: () => void | Promise<void>): void {
    this.aborts.push(fn);
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const f of this.commits) await f();
  }

  /** Runs the abort hooks (newest first); failures are logged, never thrown over the original error. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const f of this.aborts.reverse()) {
      try {
        await f();
      } catch (err) {
        this.log?.warn('write compensation failed', { err });
      }
    }
  }
}
