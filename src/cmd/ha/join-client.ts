import { request } from 'node:https';
import type { Logger } from '../../lib/log.js';
import { type ServerBootstrap, validateBootstrap } from './bootstrap-data.js';
import { cacertsPath, serverBootstrapPath } from './bootstrap-routes.js';
import { caHash, parseServerToken } from './server-token.js';

interface Reply {
  status: number;
  body: string;
}

function get(url: URL, opts: { ca?: string; auth?: string; timeoutMs: number }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        // Without a CA the answer is only trusted after its hash matched the token.
        ...(opts.ca ? { ca: opts.ca } : { rejectUnauthorized: false }),
        headers: opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {},
        timeout: opts.timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

function unreachable(server: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const why = e.code ?? e.message;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(why)) {
    return new Error(
      `${server} presented a certificate the cluster CA does not vouch for (${e.message}); use the server's address as it appears in its certificate`,
    );
  }
  return new Error(`cannot reach ${server} (${why}); check --server and that a kubets server runs there`);
}

/**
 * Fetches the bootstrap data of the cluster at `server` (an existing server's
 * https URL) with the server token. First the CA is fetched without trust and
 * its hash compared with the token's (a token without a hash trusts the first
 * answer, as k3s does, with a warning); the bootstrap request then verifies
 * the server against that CA. Errors are one line saying what to do.
 */
export async function fetchServerBootstrap(
  server: string,
  rawToken: string,
  o: { log: Logger; timeoutMs?: number },
): Promise<{ caPEM: string; bootstrap: ServerBootstrap }> {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    throw new Error(`--server ${server} is not a URL; use https://<server>:6443`);
  }
  if (base.protocol !== 'https:') throw new Error(`--server ${server} must be an https:// URL`);
  const token = parseServerToken(rawToken);
  const timeoutMs = o.timeoutMs ?? 10_000;

  let ca: Reply;
  try {
    ca = await get(new URL(cacertsPath, base), { timeoutMs });
  } catch (err) {
    throw unreachable(server, err);
  }
  if (ca.status !== 200 || !ca.body.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${server} is not a kubets server in a cluster (GET ${cacertsPath}: HTTP ${ca.status})`);
  }
  if (!token.caHash) {
    o.log.warn('the token carries no CA hash: trusting the CA the server presents', { server });
  } else if (caHash(ca.body) !== token.caHash) {
    throw new Error(
      `the CA of ${server} does not match the token's CA hash: the token belongs to another cluster, or something intercepts the connection; use the token from <data-dir>/server/token of a server of this cluster`,
    );
  }

  let reply: Reply;
  try {
    reply = await get(new URL(serverBootstrapPath, base), {
      ca: ca.body,
      auth: `${token.username}:${token.password}`,
      timeoutMs,
    });
  } catch (err) {
    throw unreachable(server, err);
  }
  if (reply.status === 401 || reply.status === 403) {
    throw new Error(
      `${server} rejected the token (HTTP ${reply.status}): wrong --token; use the token from <data-dir>/server/token of a server of this cluster`,
    );
  }
  if (reply.status !== 200) {
    throw new Error(
      `${server} could not hand out the cluster's bootstrap data (HTTP ${reply.status}): ${reply.body.slice(0, 200)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    throw new Error(`${server} answered the bootstrap request with something that is not JSON`);
  }
  return { caPEM: ca.body, bootstrap: validateBootstrap(parsed) };
}
