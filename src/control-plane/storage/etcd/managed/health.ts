import { request } from 'node:https';

/** PEM bytes for mutual TLS towards etcd's client URLs. */
export interface ClientTlsPEM {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

export interface HealthResult {
  healthy: boolean;
  /** The response body, or why there was none. */
  detail: string;
}

/**
 * etcd's `/health` on a client URL: healthy when the member answers and the
 * cluster has a leader (`{"health":"true"}`). Never throws.
 */
export function memberHealth(clientURL: string, tls: ClientTlsPEM, timeoutMs = 2000): Promise<HealthResult> {
  return new Promise((resolve) => {
    const req = request(
      new URL('/health', clientURL),
      { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ healthy: /"health":\s*"true"/.test(body), detail: body.trim() }));
        res.on('error', (err) => resolve({ healthy: false, detail: err.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ healthy: false, detail: err.message }));
    req.end();
  });
}
