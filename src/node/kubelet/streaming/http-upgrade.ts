/**
 * HTTP/1.1 pieces shared by the WebSocket and SPDY upgrades: reading request
 * headers, writing a raw response on the socket an `upgrade` event hands over
 * (there is no ServerResponse there), and the `X-Stream-Protocol-Version`
 * negotiation of apimachinery `httpstream.Handshake`.
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export const HEADER_PROTOCOL_VERSION = 'X-Stream-Protocol-Version';
export const HEADER_ACCEPTED_PROTOCOL_VERSIONS = 'X-Accepted-Stream-Protocol-Versions';

/** A header's value; repeated headers are joined with ', ' (as node does for most headers). */
export function headerValue(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The comma-separated tokens of a header across all its lines, trimmed, empties dropped. */
export function headerTokens(req: Pick<IncomingMessage, 'headers'>, name: string): string[] {
  const v = headerValue(req, name);
  if (!v) return [];
  return v
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** Whether a header lists `token` (case-insensitive), as `Connection: keep-alive, Upgrade` does. */
export function headerHasToken(req: Pick<IncomingMessage, 'headers'>, name: string, token: string): boolean {
  return headerTokens(req, name).some((t) => t.toLowerCase() === token.toLowerCase());
}

export type ResponseHeaders = Record<string, string | readonly string[]>;

function headerLines(headers: ResponseHeaders): string {
  let out = '';
  for (const [k, v] of Object.entries(headers)) {
    for (const one of typeof v === 'string' ? [v] : v) out += `${k}: ${one}\r\n`;
  }
  return out;
}

/** Writes `HTTP/1.1 101 Switching Protocols` with `headers`; the socket then carries the new protocol. */
export function writeSwitchingProtocols(socket: Duplex, headers: ResponseHeaders): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\n${headerLines(headers)}\r\n`);
}

/**
 * Answers an upgrade request with an ordinary HTTP response and closes the
 * connection. The socket is destroyed if the peer does not close it shortly.
 */
export function writeHttpResponse(
  socket: Duplex,
  status: number,
  body: string | Buffer,
  headers: ResponseHeaders = {},
): void {
  if (socket.destroyed || !socket.writable) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all: ResponseHeaders = { ...headers, 'Content-Length': String(buf.length), Connection: 'close' };
  socket.end(
    Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headerLines(all)}\r\n`), buf]),
  );
  const t = setTimeout(() => socket.destroy(), 5000);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** The shape of Go's `http.Error`: text/plain, nosniff, message plus newline. */
export function writePlainError(socket: Duplex, status: number, message: string, headers: ResponseHeaders = {}): void {
  writeHttpResponse(socket, status, `${message}\n`, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** Formats a string list the way Go's `%v` prints a []string: `[a b c]`. */
export const goList = (items: readonly string[]): string => `[${items.join(' ')}]`;

/** First client protocol (in the client's order of preference) that the server also speaks; '' if none. */
export function negotiateProtocol(client: readonly string[], server: readonly string[]): string {
  return client.find((p) => server.includes(p)) ?? '';
}

export type HandshakeResult =
  { ok: true; protocol: string } | { ok: false; status: number; message: string; headers: ResponseHeaders };

/**
 * apimachinery `httpstream.Handshake`: the client must send
 * X-Stream-Protocol-Version; no common protocol is 403 Forbidden listing what
 * the server accepts in X-Accepted-Stream-Protocol-Versions.
 */
export function streamProtocolHandshake(
  req: Pick<IncomingMessage, 'headers'>,
  serverProtocols: readonly string[],
): HandshakeResult {
  const client = headerTokens(req, HEADER_PROTOCOL_VERSION);
  if (client.length === 0) {
    return {
      ok: false,
      status: 400,
      message: `unable to upgrade: ${HEADER_PROTOCOL_VERSION} is required`,
      headers: {},
    };
  }
  const protocol = negotiateProtocol(client, serverProtocols);
  if (!protocol) {
    return {
      ok: false,
      status: 403,
      message: `unable to upgrade: unable to negotiate protocol: client supports ${goList(client)}, server accepts ${goList(serverProtocols)}`,
      headers: { [HEADER_ACCEPTED_PROTOCOL_VERSIONS]: serverProtocols },
    };
  }
  return { ok: true, protocol };
}

/** Go's strconv.ParseBool truth values; the apiserver forwards `true`, the kubelet URL form uses `1`. */
export function isTrueParam(v: string | null | undefined): boolean {
  return v != null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}
