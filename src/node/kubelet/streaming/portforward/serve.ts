/**
 * Entry point for port-forward: given the socket of an http(s).Server
 * `upgrade` event, run a SPDY/3.1 session either directly (`Upgrade:
 * SPDY/3.1`, `X-Stream-Protocol-Version: portforward.k8s.io`) or tunnelled in
 * a WebSocket whose subprotocol is `SPDY/3.1+portforward.k8s.io` (KEP-4006,
 * kubectl's default since 1.31), and forward its streams to the pod.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { nullLogger } from '../../../../lib/log.js';
import { goList, negotiateProtocol, writePlainError } from '../http-upgrade.js';
import { SpdySession } from '../spdy/session.js';
import { SPDY_TUNNEL_PREFIX, upgradeToSpdy } from '../spdy/upgrade.js';
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from '../websocket/handshake.js';
import { WebSocketByteStream } from '../websocket/message-stream.js';
import { forwardPorts, type PortConnector, type PortForwardOptions } from './forwarder.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
const KUBERNETES_SUFFIX = '.k8s.io';

export interface ServePortForwardOptions extends PortForwardOptions {
  /** Close a session without traffic for this long; default 4 h; 0 disables. */
  idleTimeoutMs?: number;
}

export async function servePortForward(
  socket: Duplex,
  head: Buffer | undefined,
  req: IncomingMessage,
  connect: PortConnector,
  options: ServePortForwardOptions = {},
): Promise<void> {
  const log = options.logger ?? nullLogger;
  const sessionOpts = {
    role: 'server' as const,
    idleTimeoutMs: options.idleTimeoutMs ?? 4 * 3600_000,
    clock: options.clock,
    logger: log,
  };
  let session: SpdySession;
  if (isWebSocketRequest(req)) {
    // apiserver TunnelingHandler: keep the SPDY protocols offered behind the tunnelling prefix.
    const spdyProtocols = offeredProtocols(req)
      .filter((p) => p.startsWith(SPDY_TUNNEL_PREFIX) && p.endsWith(KUBERNETES_SUFFIX))
      .map((p) => p.slice(SPDY_TUNNEL_PREFIX.length));
    if (spdyProtocols.length === 0) {
      writePlainError(socket, 400, 'unable to upgrade: no tunneling spdy protocols provided');
      return;
    }
    const chosen = negotiateProtocol(spdyProtocols, [PORT_FORWARD_PROTOCOL]);
    if (!chosen) {
      writePlainError(
        socket,
        403,
        `unable to upgrade: unable to negotiate protocol: client supports ${goList(spdyProtocols)}, server accepts ${goList([PORT_FORWARD_PROTOCOL])}`,
      );
      return;
    }
    const accepted = acceptWebSocket(socket, head, req, { protocols: [SPDY_TUNNEL_PREFIX + chosen], logger: log });
    if (!accepted.ok) return;
    session = new SpdySession(new WebSocketByteStream(accepted.conn), undefined, sessionOpts);
  } else {
    if (upgradeToSpdy(socket, req, [PORT_FORWARD_PROTOCOL]) === undefined) return;
    session = new SpdySession(socket, head, sessionOpts);
  }
  await forwardPorts(session, connect, options);
}
