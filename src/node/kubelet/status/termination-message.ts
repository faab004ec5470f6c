/**
 * Termination messages of exited containers (kuberuntime_container.go
 * getTerminationMessage): what the container wrote to its termination-message
 * file (at most 4 KiB), or — with FallbackToLogsOnError, a non-zero exit and an
 * empty file — the tail of its log (80 lines, at most 2 KiB). An exited
 * container never changes, so results are cached by container ID.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { readCriLogFile, type ContainerInfo } from '../../runtime/index.js';
import { containerAnnotations } from '../pleg/runtime-state.js';

const maxMessageBytes = 4096;
const maxLogBytes = 2048;
const maxLogLines = 80;

/** The last `max` bytes of a file ('' when it cannot be read). */
function tail(path: string, max: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class TerminationMessages {
  private readonly cache = new Map<string, string>();

  /** The message of an exited container ('' for other states). */
  get(c: ContainerInfo): string {
    if (c.state !== 'CONTAINER_EXITED') return '';
    const cached = this.cache.get(c.id);
    if (cached !== undefined) return cached;
    const file = c.annotations[containerAnnotations.terminationLogFile];
    let msg = file ? tail(file, maxMessageBytes) : '';
    const policy = c.annotations[containerAnnotations.terminationMessagePolicy];
    if (!msg && policy === 'FallbackToLogsOnError' && c.exitCode !== 0 && c.reason !== 'ContainerCannotRun') {
      try {
        const lines = readCriLogFile(c.logPath).slice(-maxLogLines);
        msg = lines.map((l) => `${l.text}\n`).join('');
        if (Buffer.byteLength(msg) > maxLogBytes) msg = Buffer.from(msg).subarray(-maxLogBytes).toString('utf8');
      } catch {
        msg = '';
      }
    }
    this.cache.set(c.id, msg);
    return msg;
  }

  /** Drops cached messages of containers that are gone. */
  retain(ids: Set<string>): void {
    for (const id of this.cache.keys()) if (!ids.has(id)) this.cache.delete(id);
  }
}
