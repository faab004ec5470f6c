/**
 * Server side of the `Upgrade: SPDY/3.1` handshake (apimachinery
 * `spdy.responseUpgrader` after `httpstream.Handshake`): negotiate
 * X-Stream-Protocol-Version, then answer 101 naming the chosen protocol.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  HEADER_PROTOCOL_VERSION,
  headerHasToken,
  headerValue,
  streamProtocolHandshake,
  writePlainError,
  writeSwitchingProtocols,
} from '../http-upgrade.js';

/** Prefix of the WebSocket subprotocols that carry a SPDY session ("SPDY/3.1+portforward.k8s.io", KEP-4006). */
export const SPDY_TUNNEL_PREFIX = 'SPDY/3.1+';

/** Whether the request asks for `Upgrade: SPDY/3.1` with `Connection: Upgrade`. */
export function isSpdyUpgrade(req: Pick<IncomingMessage, 'headers'>): boolean {
  return (
    headerHasToken(req, 'connection', 'upgrade') &&
    (headerValue(req, 'upgrade') ?? '').toLowerCase().includes('spdy/3.1')
  );
}

/**
 * Negotiates the protocol and writes the 101; a refusal is written on the
 * socket instead (400 without X-Stream-Protocol-Version or upgrade headers,
 * 403 without a common protocol). Returns the negotiated protocol.
 */
export function upgradeToSpdy(
  socket: Duplex,
  req: IncomingMessage,
  serverProtocols: readonly string[],
): string | undefined {
  const hs = streamProtocolHandshake(req, serverProtocols);
  if (!hs.ok) {
    writePlainError(socket, hs.status, hs.message, hs.headers);
    return undefined;
  }
  if (!isSpdyUpgrade(req)) {
    writePlainError(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  writeSwitchingProtocols(socket, {
    Connection: 'Upgrade',
    Upgrade: 'SPDY/3.1',
    [HEADER_PROTOCOL_VERSION]: hs.protocol,
  });
  return hs.protocol;
}
