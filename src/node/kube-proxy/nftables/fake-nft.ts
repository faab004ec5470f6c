import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { StartedProcess } from '../runner.js';

/**
 * Plays `nft -i` on pipes: every input line is one transaction; a line
 * matching `fails` (default /bad/) fails with nft's error format, an unknown
 * keyword (our marker) is a syntax error echoing the line, `dies` (/die/)
 * makes the process exit, `hangs` (/hang/) never answers. For tests of the
 * persistent session.
 */
export class FakeNft extends EventEmitter implements StartedProcess {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly lines: string[] = [];
  killed: string | undefined;
  refs = 0;
  private pending = '';
  private silent = false;

  constructor(private readonly match: { fails?: RegExp; dies?: RegExp; hangs?: RegExp } = {}) {
    super();
    this.stdin.setEncoding('utf8').on('data', (d: string) => {
      this.pending += d;
      let nl: number;
      while ((nl = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        this.lines.push(line);
        this.answer(line);
      }
    });
  }

  private answer(line: string): void {
    const { fails = /bad/, dies = /die/, hangs = /hang/ } = this.match;
    if (hangs.test(line) || dies.test(line)) this.silent = true;
    if (dies.test(line)) setImmediate(() => this.emit('exit', 1, null));
    if (this.silent) return;
    if (line.startsWith('kubets-sync-marker-')) {
      this.stderr.write(
        `Error: syntax error, unexpected newline, expecting string\n${line}\n${' '.repeat(line.length)}^\n`,
      );
    } else if (fails.test(line)) {
      this.stderr.write(`Error: Could not process rule: No such file or directory\n${line}\n    ^^^\n`);
    }
  }

  kill(signal?: NodeJS.Signals): boolean {
    this.killed = signal ?? 'SIGTERM';
    return true;
  }
  ref(): void {
    this.refs++;
  }
  unref(): void {
    this.refs--;
  }
}
