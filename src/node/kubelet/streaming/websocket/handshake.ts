/**
 * The server half of the WebSocket opening handshake (RFC 6455 §4.2) on the
 * socket of an http(s).Server `upgrade` event, with subprotocol selection the
 * way apimachinery's wsstream does it: the first protocol the client offers
 * that the server speaks wins; a client offering none gets '' if the server
 * lists ''; otherwise 403 Forbidden (what golang.org/x/net/websocket answers
 * when the handshake hook rejects).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  headerHasToken,
  headerTokens,
  headerValue,
  writeHttpResponse,
  writePlainError,
  writeSwitchingProtocols,
  type ResponseHeaders,
} from '../http-upgrade.js';
import { WebSocketConnection, type WebSocketConnectionOptions } from './connection.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** Upgrade: websocket with Connection listing upgrade (wsstream.IsWebSocketRequest). */
export function isWebSocketRequest(req: Pick<IncomingMessage, 'headers'>): boolean {
  return (
    (headerValue(req, 'upgrade') ?? '').toLowerCase() === 'websocket' && headerHasToken(req, 'connection', 'upgrade')
  );
}

/** The subprotocols a client offered, in its order of preference. */
export function offeredProtocols(req: Pick<IncomingMessage, 'headers'>): string[] {
  return headerTokens(req, 'sec-websocket-protocol');
}

export type SubprotocolSelection = { ok: true; protocol: string } | { ok: false; message: string };

/** wsstream's rule: first offered protocol the server allows; no offer selects '' when allowed. */
export function selectSubprotocol(offered: readonly string[], allowed: readonly string[]): SubprotocolSelection {
  const candidates = offered.length > 0 ? offered : [''];
  const hit = candidates.find((p) => allowed.includes(p));
  if (hit !== undefined) return { ok: true, protocol: hit };
  return {
    ok: false,
    message: `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${allowed.join(' ')}]`,
  };
}

export interface AcceptWebSocketOptions extends Omit<WebSocketConnectionOptions, 'role' | 'protocol'> {
  /** Subprotocols the server speaks; include '' to accept clients that offer none. */
  protocols: readonly string[];
  /** Extra headers for the 101 response. */
  headers?: ResponseHeaders;
}

export type AcceptResult = { ok: true; conn: WebSocketConnection } | { ok: false; status: number; message: string };

/**
 * Validates the request, writes the 101 (or the refusal, closing the socket)
 * and returns the open connection. `head` holds bytes read past the request.
 */
export function acceptWebSocket(
  socket: Duplex,
  head: Buffer | undefined,
  req: IncomingMessage,
  opts: AcceptWebSocketOptions,
): AcceptResult {
  const refuse = (status: number, message: string, headers: ResponseHeaders = {}): AcceptResult => {
    if (status === 403) writeHttpResponse(socket, status, '', headers);
    else writePlainError(socket, status, message, headers);
    return { ok: false, status, message };
  };
  if (req.method !== 'GET') return refuse(405, 'websocket: the request method must be GET');
  if (!isWebSocketRequest(req)) return refuse(400, 'websocket: missing Upgrade: websocket / Connection: Upgrade');
  if (headerValue(req, 'sec-websocket-version') !== '13') {
    return refuse(426, 'websocket: unsupported Sec-WebSocket-Version', { 'Sec-WebSocket-Version': '13' });
  }
  const key = (headerValue(req, 'sec-websocket-key') ?? '').trim();
  if (Buffer.from(key, 'base64').length !== 16) return refuse(400, 'websocket: invalid Sec-WebSocket-Key');
  const sel = selectSubprotocol(offeredProtocols(req), opts.protocols);
  if (!sel.ok) return refuse(403, sel.message);

  const headers: ResponseHeaders = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': acceptKey(key),
    ...(sel.protocol ? { 'Sec-WebSocket-Protocol': sel.protocol } : {}),
    ...opts.headers,
  };
  writeSwitchingProtocols(socket, headers);
  const { protocols: _p, headers: _h, ...connOpts } = opts;
  return {
    ok: true,
    conn: new WebSocketConnection(socket, head, { ...connOpts, role: 'server', protocol: sel.protocol }),
  };
}
