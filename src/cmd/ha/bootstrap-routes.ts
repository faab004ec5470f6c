import { unauthorized } from '../../api/errors/status-error.js';
import type { ApiRequest, ApiResponse } from '../../control-plane/apiserver/types.js';
import type { Logger } from '../../lib/log.js';
import type { ServerBootstrap } from './bootstrap-data.js';
import { secretsEqual } from './server-token.js';

export const cacertsPath = '/cacerts';
export const serverBootstrapPath = '/v1-kubets/server-bootstrap';

export interface BootstrapRoutesOptions {
  /** The server CA bundle (public; a joiner hashes it to check the token's CA hash). */
  caPEM: string;
  /** The server token's password. */
  password: string;
  bootstrap: () => Promise<ServerBootstrap>;
  log: Logger;
}

/**
 * The two supervisor endpoints on the API port that joining servers use
 * (k3s serves the same on its supervisor port): `GET /cacerts` without
 * authentication, and `GET /v1-kubets/server-bootstrap` with HTTP Basic
 * `server:<password>` checked in constant time — anything else gets 401.
 * Returns undefined for every other path (the API server handles it).
 */
export function bootstrapRoutes(o: BootstrapRoutesOptions): (req: ApiRequest) => Promise<ApiResponse> | undefined {
  const denied = (): ApiResponse => ({
    type: 'object',
    status: 401,
    body: unauthorized().toStatus(),
    headers: { 'www-authenticate': 'Basic realm="kubets"' },
  });
  return (req) => {
    if (req.path === cacertsPath && req.method === 'GET') {
      return Promise.resolve({ type: 'bytes', status: 200, contentType: 'application/x-pem-file', body: o.caPEM });
    }
    if (req.path !== serverBootstrapPath) return undefined;
    const auth = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const decoded = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? '' : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both checks always run, so a wrong user and a wrong password take the same time.
    const passwordOk = secretsEqual(password, o.password);
    const userOk = secretsEqual(user, 'server');
    if (!passwordOk || !userOk || req.method !== 'GET') {
      o.log.warn('rejected server bootstrap request', { peer: req.peer.remoteAddress });
      return Promise.resolve(denied());
    }
    o.log.info('serving bootstrap data to a joining server', { peer: req.peer.remoteAddress });
    return o.bootstrap().then((body): ApiResponse => ({ type: 'object', status: 200, body }));
  };
}
