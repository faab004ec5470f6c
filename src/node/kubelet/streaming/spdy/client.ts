/**
 * Client side of the `Upgrade: SPDY/3.1` handshake (client-go
 * `spdy.Negotiate`): POST with the offered X-Stream-Protocol-Version values,
 * expect 101 naming the chosen one, then run a client SpdySession on the
 * socket. Also opens SPDY tunnelled in a WebSocket (KEP-4006).
 */
import { HEADER_PROTOCOL_VERSION } from '../http-upgrade.js';
import { connectWebSocket, upgradeRequest, type UpgradeRequestOptions } from '../websocket/client.js';
import { WebSocketByteStream } from '../websocket/message-stream.js';
import { SpdySession, type SpdySessionOptions } from './session.js';
import { SPDY_TUNNEL_PREFIX } from './upgrade.js';

export interface SpdyClientOptions extends UpgradeRequestOptions, Omit<SpdySessionOptions, 'role'> {
  /** Offered protocols, most preferred first. */
  protocols: readonly string[];
}

export async function connectSpdy(
  url: string | URL,
  opts: SpdyClientOptions,
): Promise<{ session: SpdySession; protocol: string }> {
  const { protocols, method, headers, tls, signal, ...sessionOpts } = opts;
  const { socket, head, response } = await upgradeRequest(url, {
    method: method ?? 'POST',
    tls,
    signal,
    headers: {
      ...headers,
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      [HEADER_PROTOCOL_VERSION]: [...protocols],
    },
  });
  if ((response.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') {
    socket.destroy();
    throw new Error('unable to upgrade: missing Upgrade: SPDY/3.1 in the response');
  }
  const protocol = String(response.headers[HEADER_PROTOCOL_VERSION.toLowerCase()] ?? '');
  return { session: new SpdySession(socket, head, { ...sessionOpts, role: 'client' }), protocol };
}

/** SPDY over a WebSocket: offers each protocol with the tunnelling prefix, strips it from the answer. */
export async function connectSpdyOverWebSocket(
  url: string | URL,
  opts: SpdyClientOptions,
): Promise<{ session: SpdySession; protocol: string }> {
  const { protocols, headers, tls, signal, ...sessionOpts } = opts;
  const conn = await connectWebSocket(url, {
    headers,
    tls,
    signal,
    protocols: protocols.map((p) => SPDY_TUNNEL_PREFIX + p),
  });
  const protocol = conn.protocol.startsWith(SPDY_TUNNEL_PREFIX) ? conn.protocol.slice(SPDY_TUNNEL_PREFIX.length) : '';
  const session = new SpdySession(new WebSocketByteStream(conn), undefined, { ...sessionOpts, role: 'client' });
  return { session, protocol };
}
