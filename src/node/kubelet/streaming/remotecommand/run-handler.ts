/**
 * The transport-independent middle of an exec/attach session: run the
 * handler on the negotiated streams, then make sure everything it wrote has
 * been handed to the transport before the status goes out.
 */
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Logger } from '../../../../lib/log.js';
import { statusForError, statusForResult, type ExecStatus } from './status.js';
import type { RemoteCommandHandler, RemoteCommandOptions, TerminalSize } from './types.js';

export interface HandlerStreams {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  resize: AsyncIterable<TerminalSize>;
  signal: AbortSignal;
}

/**
 * Calls the handler and returns the status to report. Output streams are
 * ended and flushed first; a handler that keeps writing after it returned
 * (a pipe still draining) must not crash the process, so errors on them are
 * only logged.
 */
export async function runHandler(
  handler: RemoteCommandHandler,
  opts: RemoteCommandOptions,
  streams: HandlerStreams,
  log: Logger,
): Promise<ExecStatus> {
  const outputs = [streams.stdout, streams.stderr].filter((w): w is Writable => w !== undefined);
  for (const w of outputs) w.on('error', (err) => log.debug('output stream error after the command', { err }));
  let status: ExecStatus;
  try {
    const result = await handler({
      stdin: streams.stdin,
      stdout: streams.stdout,
      stderr: streams.stderr,
      tty: opts.tty,
      resize: streams.resize,
      signal: streams.signal,
      command: opts.command,
      container: opts.container,
    });
    status = statusForResult(result, opts.command);
  } catch (err) {
    log.debug('remote command failed', { err });
    status = statusForError(err);
  }
  await Promise.all(
    outputs.map(async (w) => {
      w.end();
      await finished(w).catch(() => {});
    }),
  );
  streams.stdin?.destroy();
  return status;
}

/**
 * A Writable whose chunks go to `send`; `send` returns false under
 * backpressure and `whenWritable` resolves once the transport drained (or
 * closed). After the transport is gone, writes are dropped rather than
 * failed, so the command's output pipes never error out.
 */
export function channelWriter(
  send: (chunk: Buffer) => boolean,
  isOpen: () => boolean,
  whenWritable: () => Promise<void>,
): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!isOpen()) return cb();
      if (send(chunk)) return cb();
      whenWritable().then(() => cb(), cb);
    },
  });
}
