import { unauthorized } from '../../../api/errors/status-error.js';
import type { ApiRequest } from '../types.js';
import { allHeaders, firstHeader } from './headers.js';
import { authenticateTokenWith } from './token-union.js';
import type { AuthResult, Authenticator, TokenAuthenticator } from './types.js';

/**
 * Browsers cannot set headers on WebSocket upgrades, so clients put the bearer
 * token in a subprotocol `base64url.bearer.authorization.k8s.io.<b64url(token)>`
 * (upstream `request/websocket`). The upgrade must offer another subprotocol to
 * echo back; the transport strips the token protocol (see `stripTokenProtocol`).
 */
export const bearerProtocolPrefix = 'base64url.bearer.authorization.k8s.io.';

export function isWebSocketRequest(req: ApiRequest): boolean {
  const connection = firstHeader(req, 'connection') ?? '';
  const upgrade = firstHeader(req, 'upgrade') ?? '';
  const hasUpgradeToken = connection.split(',').some((t) => t.trim().toLowerCase() === 'upgrade');
  return hasUpgradeToken && upgrade.trim().toLowerCase() === 'websocket';
}

function protocols(req: ApiRequest): string[] {
  const out: string[] = [];
  for (const h of allHeaders(req, 'sec-websocket-protocol')) for (const p of h.split(',')) out.push(p.trim());
  return out;
}

const base64url = /^[A-Za-z0-9_-]*$/;

export class WebSocketProtocolAuthenticator implements Authenticator {
  constructor(private readonly tokens: readonly TokenAuthenticator[]) {}

  async authenticate(req: ApiRequest): Promise<AuthResult | undefined> {
    if (!isWebSocketRequest(req)) return undefined;
    let token = '';
    let sawToken = false;
    let others = 0;
    for (const p of protocols(req)) {
      if (!p.startsWith(bearerProtocolPrefix)) {
        others++;
        continue;
      }
      // Upstream refuses several token protocols, and undecodable ones, as errors.
      if (sawToken) throw unauthorized();
      sawToken = true;
      const encoded = p.slice(bearerProtocolPrefix.length);
      if (!base64url.test(encoded) || encoded.length % 4 === 1) throw unauthorized();
      const decoded = decodeUTF8(Buffer.from(encoded, 'base64url'));
      if (decoded === undefined) throw unauthorized();
      token = decoded;
    }
    if (token && others === 0) throw unauthorized();
    if (!token) return undefined;
    return authenticateTokenWith(this.tokens, token);
  }
}

function decodeUTF8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The Sec-WebSocket-Protocol value to keep after authentication: every protocol but the token one. */
export function stripTokenProtocol(value: string): string {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.startsWith(bearerProtocolPrefix))
    .join(',');
}
