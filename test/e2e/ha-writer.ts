// A writer loop for the HA e2e test: creates ConfigMaps one after another
// through whichever API server answers, moving to the next URL when one fails
// (a client-side failover, as an HA-aware client does), and records which
// writes were acknowledged so none may go missing.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface AdminCredentials {
  ca: string;
  cert: string;
  key: string;
}

/** The CA and admin client certificate embedded in a kubeconfig `kubets server` wrote. */
export function credentialsOf(kubeconfig: string): AdminCredentials {
  const k = parse(readFileSync(kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    ca: b64(k.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(k.users[0]!.user['client-certificate-data']),
    key: b64(k.users[0]!.user['client-key-data']),
  };
}

interface Reply {
  status: number;
  body: string;
}

function call(url: string, method: string, path: string, creds: AdminCredentials, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, url),
      {
        method,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        agent: false,
        timeout: 10_000,
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(data);
  });
}

export interface Ack {
  name: string;
  value: string;
  /** ms since the writer started. */
  at: number;
  url: string;
}

export interface Writer {
  /** When the writer started (Date.now()); `Ack.at` counts from here. */
  readonly startedAt: number;
  readonly acked: Ack[];
  /** Attempts that failed (and were retried elsewhere). */
  readonly failures: { at: number; url: string; error: string }[];
  /** Resolves once `n` more writes than now are acknowledged. */
  progress(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Writes `<prefix>-<n>` in `namespace` through `urls`, one at a time. A write
 * counts as acknowledged on 201, or on 409 AlreadyExists when retrying a write
 * whose earlier attempt failed ambiguously (nobody else writes those names).
 */
export function startWriter(urls: string[], creds: AdminCredentials, namespace: string, prefix: string): Writer {
  const acked: Ack[] = [];
  const failures: Writer['failures'] = [];
  const t0 = Date.now();
  let stopped = false;
  let current = 0;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const name = `${prefix}-${String(n).padStart(5, '0')}`;
      const value = `value-${n}`;
      let retried = false;
      while (!stopped) {
        const url = urls[current % urls.length]!;
        try {
          const r = await call(url, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, creds, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name },
            data: { value },
          });
          if (r.status === 201 || (r.status === 409 && retried)) {
            acked.push({ name, value, at: Date.now() - t0, url });
            break;
          }
          throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
        } catch (err) {
          failures.push({ at: Date.now() - t0, url, error: (err as Error).message });
          retried = true;
          current++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  })();
  return {
    startedAt: t0,
    acked,
    failures,
    async progress(n, timeoutMs = 60_000) {
      const want = acked.length + n;
      const deadline = Date.now() + timeoutMs;
      while (acked.length < want) {
        if (Date.now() > deadline) {
          throw new Error(
            `writer stalled at ${acked.length} acks; last failures: ${JSON.stringify(failures.slice(-3))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Every ConfigMap in `namespace` (name -> data.value), read through `url`. */
export async function readAll(url: string, creds: AdminCredentials, namespace: string): Promise<Map<string, string>> {
  const r = await call(url, 'GET', `/api/v1/namespaces/${namespace}/configmaps`, creds);
  if (r.status !== 200) throw new Error(`list configmaps: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
  const list = JSON.parse(r.body) as { items: { metadata: { name: string }; data?: { value?: string } }[] };
  return new Map(list.items.map((i) => [i.metadata.name, i.data?.value ?? '']));
}
