/**
 * Entry point for exec and attach: given the socket of an http(s).Server
 * `upgrade` event, serve the session over whichever protocol the client asked
 * for — WebSocket channels (kubectl's default) or SPDY/3.1 (its fallback).
 * The promise settles when the session is over and the socket is closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { badRequest } from '../../../../api/errors/status-error.js';
import { writeHttpResponse } from '../http-upgrade.js';
import { isWebSocketRequest } from '../websocket/handshake.js';
import { serveRemoteCommandOverSpdy } from './spdy.js';
import { parseRemoteCommandOptions, type RemoteCommandHandler, type ServeRemoteCommandOptions } from './types.js';
import { serveRemoteCommandOverWebSocket } from './websocket.js';

export async function serveRemoteCommand(
  socket: Duplex,
  head: Buffer | undefined,
  req: IncomingMessage,
  handler: RemoteCommandHandler,
  options: ServeRemoteCommandOptions = {},
): Promise<void> {
  const parsed = parseRemoteCommandOptions(req.url ?? '/');
  if (!parsed.ok) {
    // A Status body lets kubectl print the reason instead of a bare HTTP code.
    writeHttpResponse(socket, 400, JSON.stringify(badRequest(parsed.message).toStatus()), {
      'Content-Type': 'application/json',
    });
    return;
  }
  if (isWebSocketRequest(req)) {
    await serveRemoteCommandOverWebSocket(socket, head, req, parsed.options, handler, options);
  } else {
    await serveRemoteCommandOverSpdy(socket, head, req, parsed.options, handler, options);
  }
}
