import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * A minimal HTTP/2 client for benchmarks, authenticated with the admin client
 * certificate from a kubeconfig (what kubectl would use), so measured latency
 * includes TLS, HTTP/2 framing and JSON on both sides.
 */
export interface Kubeconfig {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function loadKubeconfig(path: string): Kubeconfig {
  const kc = parse(readFileSync(path, 'utf8'));
  const cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  const b = (s: string) => Buffer.from(s, 'base64');
  return {
    server: cluster.server,
    ca: b(cluster['certificate-authority-data']),
    cert: b(user['client-certificate-data']),
    key: b(user['client-key-data']),
  };
}

export class BenchClient {
  private session: http2.ClientHttp2Session;
  constructor(kc: Kubeconfig) {
    this.session = http2.connect(kc.server, {
      ca: kc.ca,
      cert: kc.cert,
      key: kc.key,
      settings: { maxConcurrentStreams: 2000 },
    });
    this.session.on('error', () => undefined);
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = { ':method': method, ':path': path, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = contentType;
      const req = this.session.request(headers);
      let status = 0;
      const chunks: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString() }));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** Opens a watch; `onEvent` gets each parsed event. Returns a closer. */
  watch(path: string, onEvent: (ev: { type: string; object: any }) => void): () => void {
    const req = this.session.request({ ':method': 'GET', ':path': path, accept: 'application/json' });
    let buf = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line) onEvent(JSON.parse(line));
      }
    });
    req.on('error', () => undefined);
    return () => req.close();
  }

  close(): void {
    this.session.close();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
