/**
 * The contract between the streaming protocols and whoever runs the command
 * (the kubelet's exec/attach against the container runtime): the handler
 * gets the streams the client asked for and answers with an exit code.
 */
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import { isTrueParam } from '../http-upgrade.js';

/** A terminal size as the client sends it on the resize stream. */
export interface TerminalSize {
  width: number;
  height: number;
}

export interface RemoteCommandStreams {
  /** Present when the client asked for stdin; ends when the client closes it (or goes away). */
  stdin?: Readable;
  stdout?: Writable;
  /** Absent with a TTY: the terminal merges stderr into stdout. */
  stderr?: Writable;
  tty: boolean;
  /** Terminal resizes as the client reports them; ends with the session. */
  resize: AsyncIterable<TerminalSize>;
  /** Aborted when the client disconnects; the command should then be stopped. */
  signal: AbortSignal;
  /** The command from the request's `command` parameters (empty for attach). */
  command: string[];
  container: string;
}

export interface RemoteCommandResult {
  exitCode: number;
  /** Detail for a non-zero exit, after "command terminated with non-zero exit code: ". */
  message?: string;
}

/**
 * Runs the command. Resolve with the exit code; throw for failures to run
 * it at all (a StatusError keeps its reason and code, anything else becomes
 * an InternalError the client prints).
 */
export type RemoteCommandHandler = (streams: RemoteCommandStreams) => Promise<RemoteCommandResult>;

/** Which streams the request asked for (kubelet `remotecommand.NewOptions`). */
export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
  container: string;
}

/**
 * Reads the exec/attach query (`stdin`, `stdout`, `stderr`, `tty`, `command`,
 * `container`). Accepts both the `true` kubectl sends and the `1` the
 * apiserver writes in kubelet URLs. With a TTY stderr is dropped.
 */
export function parseRemoteCommandOptions(
  url: string,
): { ok: true; options: RemoteCommandOptions } | { ok: false; message: string } {
  const q = new URL(url, 'http://localhost').searchParams;
  const tty = isTrueParam(q.get('tty'));
  const stdin = isTrueParam(q.get('stdin'));
  const stdout = isTrueParam(q.get('stdout'));
  const stderr = isTrueParam(q.get('stderr')) && !tty;
  if (!stdin && !stdout && !stderr)
    return { ok: false, message: 'you must specify at least 1 of stdin, stdout, stderr' };
  return {
    ok: true,
    options: { stdin, stdout, stderr, tty, command: q.getAll('command'), container: q.get('container') ?? '' },
  };
}

export interface ServeRemoteCommandOptions {
  /** How long the SPDY client has to open its streams; default 30 s (kubelet's streamCreationTimeout). */
  streamCreationTimeoutMs?: number;
  /** Close a session without traffic for this long; default 4 h (kubelet's streamingConnectionIdleTimeout); 0 disables. */
  idleTimeoutMs?: number;
  /** How long to wait for the client to close after the status is sent; default 10 s. */
  closeTimeoutMs?: number;
  /** Ends the session (the handler's signal aborts as the connection goes): for shutting the server down. */
  signal?: AbortSignal;
  clock?: Clock;
  logger?: Logger;
}
