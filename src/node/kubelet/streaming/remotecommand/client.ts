/**
 * Client side of exec/attach, over WebSocket channels or SPDY streams — what
 * client-go's executors do, for our tests and for a component that runs a
 * command itself. Output is collected in memory; this is not meant for
 * unbounded streams.
 */
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { ConnectionOptions } from 'node:tls';
import { connectSpdy } from '../spdy/client.js';
import type { SpdyStream } from '../spdy/stream.js';
import { connectWebSocket } from '../websocket/client.js';
import { Channel, StreamProtocolV5 } from './websocket.js';
import type { ExecStatus } from './status.js';
import type { TerminalSize } from './types.js';

export interface ExecClientOptions {
  /** Sent on stdin, which is then closed (v5 close signal / SPDY FIN). Omit for no stdin stream. */
  stdin?: Buffer | string | Readable;
  stdout?: boolean;
  stderr?: boolean;
  tty?: boolean;
  /** Terminal sizes to report, in order, before stdin is sent. */
  resizes?: TerminalSize[];
  /** Offered protocols; defaults to what kubectl offers for the transport. */
  protocols?: string[];
  headers?: Record<string, string>;
  tls?: ConnectionOptions;
}

export interface ExecClientResult {
  protocol: string;
  stdout: string;
  stderr: string;
  /** The decoded status (v4+), or the raw error text (older protocols; '' for success). */
  status: ExecStatus | string;
  /** 0, the NonZeroExitCode cause, or -1 for any other failure. */
  exitCode: number;
}

function exitCodeOf(status: ExecStatus | string): number {
  if (typeof status === 'string') return status === '' ? 0 : -1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return status.reason === 'NonZeroExitCode' && cause ? Number(cause.message) : -1;
}

function decodeStatus(raw: string, protocol: string): ExecStatus | string {
  if (!/^v[45]\./.test(protocol)) return raw;
  return raw === '' ? { metadata: {}, status: 'Success' } : (JSON.parse(raw) as ExecStatus);
}

async function stdinBytes(stdin: ExecClientOptions['stdin']): Promise<Buffer[]> {
  if (stdin === undefined) return [];
  if (typeof stdin === 'string') return [Buffer.from(stdin)];
  if (Buffer.isBuffer(stdin)) return [stdin];
  const out: Buffer[] = [];
  for await (const c of stdin) out.push(Buffer.from(c as Buffer));
  return out;
}

const queryFor = (o: ExecClientOptions) => ({
  stdin: o.stdin !== undefined,
  stdout: o.stdout ?? true,
  stderr: (o.stderr ?? true) && !o.tty,
  tty: o.tty ?? false,
});

/** Exec over WebSocket (GET with `Upgrade: websocket`), v5 channels by default. */
export async function execOverWebSocket(url: string | URL, o: ExecClientOptions = {}): Promise<ExecClientResult> {
  const conn = await connectWebSocket(url, {
    protocols: o.protocols ?? [StreamProtocolV5],
    headers: o.headers,
    tls: o.tls,
  });
  const base64 = conn.protocol.includes('base64');
  const out = { [Channel.stdout]: [] as Buffer[], [Channel.stderr]: [] as Buffer[], [Channel.error]: [] as Buffer[] };
  conn.on('message', (data) => {
    if (data.length === 0) return;
    const ch = base64 ? data[0] - 48 : data[0];
    const payload = base64 ? Buffer.from(data.subarray(1).toString('latin1'), 'base64') : data.subarray(1);
    if (ch === Channel.stdout || ch === Channel.stderr || ch === Channel.error) out[ch].push(payload);
  });
  const send = (ch: number, data: Buffer) =>
    base64
      ? conn.send(String.fromCharCode(48 + ch) + data.toString('base64'))
      : conn.send(Buffer.concat([Buffer.from([ch]), data]));
  for (const size of o.resizes ?? [])
    send(Channel.resize, Buffer.from(`${JSON.stringify({ Width: size.width, Height: size.height })}\n`));
  for (const chunk of await stdinBytes(o.stdin)) send(Channel.stdin, chunk);
  if (o.stdin !== undefined && conn.protocol === StreamProtocolV5)
    conn.send(Buffer.from([Channel.close, Channel.stdin]));
  // The server closes after the status; answering its close frame completes the handshake.
  await conn.whenClosed();
  const status = decodeStatus(Buffer.concat(out[Channel.error]).toString(), conn.protocol || 'channel.k8s.io');
  return {
    protocol: conn.protocol,
    stdout: Buffer.concat(out[Channel.stdout]).toString(),
    stderr: Buffer.concat(out[Channel.stderr]).toString(),
    status,
    exitCode: exitCodeOf(status),
  };
}

/** Exec over SPDY/3.1 (POST with `Upgrade: SPDY/3.1`), offering v5 down to v1 like kubectl's fallback. */
export async function execOverSpdy(url: string | URL, o: ExecClientOptions = {}): Promise<ExecClientResult> {
  const { session, protocol } = await connectSpdy(url, {
    protocols: o.protocols ?? [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
      'v3.channel.k8s.io',
      'v2.channel.k8s.io',
      'channel.k8s.io',
    ],
    headers: o.headers,
    tls: o.tls,
  });
  try {
    const q = queryFor(o);
    const open = (streamType: string) => session.openStream({ streamType });
    const error = await open('error');
    const stdin = q.stdin ? await open('stdin') : undefined;
    const stdout = q.stdout ? await open('stdout') : undefined;
    const stderr = q.stderr ? await open('stderr') : undefined;
    const resize =
      q.tty && !['v2.channel.k8s.io', 'channel.k8s.io'].includes(protocol) ? await open('resize') : undefined;
    const collect = (s: SpdyStream | undefined) => (s ? text(s) : Promise.resolve(''));
    const results = Promise.all([collect(stdout), collect(stderr), text(error)]);
    for (const size of o.resizes ?? [])
      resize?.write(`${JSON.stringify({ Width: size.width, Height: size.height })}\n`);
    if (stdin) {
      for (const chunk of await stdinBytes(o.stdin)) stdin.write(chunk);
      stdin.end();
      stdin.resume();
    }
    const [so, se, raw] = await results;
    const status = decodeStatus(raw, protocol);
    return { protocol, stdout: so, stderr: se, status, exitCode: exitCodeOf(status) };
  } finally {
    session.destroy();
    await session.whenClosed();
  }
}

/** The exec/attach query kubectl sends for these options: `?command=...&stdin=true&stdout=true...`. */
export function remoteCommandQuery(command: readonly string[], o: ExecClientOptions = {}): string {
  const q = new URLSearchParams();
  for (const c of command) q.append('command', c);
  for (const [k, v] of Object.entries(queryFor(o))) if (v) q.set(k, 'true');
  return `?${q.toString()}`;
}
