/**
 * The client half of the WebSocket opening handshake (RFC 6455 §4.1) over
 * node's http/https client: for tests, and for a component that must open a
 * streaming session itself (the apiserver talking to a kubelet, `kubets exec`).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { WebSocketConnection, type WebSocketConnectionOptions } from './connection.js';
import { acceptKey } from './handshake.js';

/** The server answered the upgrade with something other than 101 (client-go's UpgradeFailureError). */
export class UpgradeFailureError extends Error {
  override name = 'UpgradeFailureError';
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: IncomingMessage['headers'],
  ) {
    super(`unable to upgrade connection: ${status} ${body.trim()}`.trim());
  }
}

export interface UpgradeRequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** TLS settings for https URLs (ca, cert, key, rejectUnauthorized, servername...). */
  tls?: ConnectionOptions;
  signal?: AbortSignal;
}

export interface UpgradedSocket {
  socket: Duplex;
  head: Buffer;
  response: IncomingMessage;
}

/**
 * Sends an upgrade request and resolves with the raw socket once the server
 * answers 101; any other answer rejects with UpgradeFailureError carrying the body.
 */
export function upgradeRequest(url: string | URL, opts: UpgradeRequestOptions): Promise<UpgradedSocket> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const secure = u.protocol === 'https:' || u.protocol === 'wss:';
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(secure ? opts.tls : {}),
        protocol: secure ? 'https:' : 'http:',
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port || (secure ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
        signal: opts.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          reject(new UpgradeFailureError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers)),
        );
        res.on('error', reject);
      },
    );
    req.on('upgrade', (response: IncomingMessage, socket: Duplex, head: Buffer) => resolve({ socket, head, response }));
    req.on('error', reject);
    req.end();
  });
}

export interface WebSocketClientOptions
  extends Omit<WebSocketConnectionOptions, 'role' | 'protocol'>, Omit<UpgradeRequestOptions, 'method'> {
  /** Subprotocols to offer, most preferred first. */
  protocols?: readonly string[];
}

/** Opens a WebSocket; the connection's `protocol` is what the server selected. */
export async function connectWebSocket(
  url: string | URL,
  opts: WebSocketClientOptions = {},
): Promise<WebSocketConnection> {
  const { protocols = [], headers = {}, tls, signal, ...connOpts } = opts;
  const key = randomBytes(16).toString('base64');
  const { socket, head, response } = await upgradeRequest(url, {
    tls,
    signal,
    headers: {
      ...headers,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': key,
      ...(protocols.length > 0 ? { 'Sec-WebSocket-Protocol': protocols.join(', ') } : {}),
    },
  });
  const fail = (message: string): never => {
    socket.destroy();
    throw new Error(`websocket handshake failed: ${message}`);
  };
  if ((response.headers.upgrade ?? '').toLowerCase() !== 'websocket') fail('missing Upgrade: websocket');
  if (response.headers['sec-websocket-accept'] !== acceptKey(key)) fail('wrong Sec-WebSocket-Accept');
  const chosen = String(response.headers['sec-websocket-protocol'] ?? '');
  if (chosen && !protocols.includes(chosen))
    fail(`server selected protocol ${JSON.stringify(chosen)} that was not offered`);
  return new WebSocketConnection(socket, head, { ...connOpts, role: 'client', protocol: chosen });
}
