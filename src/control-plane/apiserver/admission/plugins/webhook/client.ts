import { Agent, request } from 'node:https';
import { isIP } from 'node:net';
import type { WebhookClientConfig } from 'kubernetes-types/admissionregistration/v1.js';
import { fromStatus, StatusError } from '../../../../../api/errors/status-error.js';

/**
 * Calls webhooks over HTTPS (upstream `apiserver/pkg/util/webhook` client
 * manager): `url` references are called as given; `service` references go to
 * `https://<name>.<namespace>.svc:<port><path>`, connected through the address
 * `resolveService` returns while the certificate is verified for the service
 * DNS name. `caBundle` (PEM, base64 on the wire) is the only trusted CA when
 * set. Agents are kept per CA bundle so connections are reused; `dispose()`
 * closes them.
 */
export interface WebhookClientOptions {
  /** `https://host:port` to reach a Service's port (cluster IP, or an endpoint in tests). */
  resolveService(namespace: string, name: string, port: number): Promise<string> | string;
  /** Largest response body accepted, in bytes (default 3 MiB). */
  maxResponseBytes?: number;
}

export interface WebhookTarget {
  /** The URL as upstream prints it in errors (service DNS form for services). */
  displayURL: string;
  /** Where the request is actually sent. */
  connectURL: URL;
  /** Name the server certificate must be valid for. */
  serverName: string;
}

/** A failure to get a usable answer from the webhook (network, TLS, timeout, bad response). */
export class CallingWebhookError extends Error {
  override name = 'CallingWebhookError';
  constructor(
    readonly webhookName: string,
    readonly reason: string,
    /** What a fail-closed request reports, when the failure carried a status. */
    readonly status?: StatusError,
  ) {
    super(`failed calling webhook ${JSON.stringify(webhookName)}: ${reason}`);
  }
}

const maxAgents = 64;

export class WebhookClient {
  readonly #opts: WebhookClientOptions;
  readonly #agents = new Map<string, Agent>();

  constructor(opts: WebhookClientOptions) {
    this.#opts = opts;
  }

  async target(cfg: WebhookClientConfig): Promise<WebhookTarget> {
    if (cfg.url) {
      const u = new URL(cfg.url);
      return { displayURL: cfg.url, connectURL: u, serverName: u.hostname.replace(/^\[|\]$/g, '') };
    }
    const svc = cfg.service;
    if (!svc) throw new Error('webhook clientConfig has neither url nor service');
    const port = svc.port ?? 443;
    const host = `${svc.name}.${svc.namespace}.svc`;
    const path = svc.path ?? '';
    const base = new URL(await this.#opts.resolveService(svc.namespace, svc.name, port));
    const connectURL = new URL(path || '/', base);
    return { displayURL: `https://${host}:${port}${path}`, connectURL, serverName: host };
  }

  /**
   * POSTs `body` as JSON and returns the decoded JSON answer. Non-2xx answers
   * become StatusErrors (from a Status body when there is one). `timeoutMs`
   * bounds the whole exchange; the query carries `?timeout=<n>s` as client-go does.
   */
  async post(cfg: WebhookClientConfig, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const t = await this.target(cfg);
    const timeoutParam = `timeout=${Math.ceil(timeoutMs / 1000)}s`;
    const sep = (u: string) => (u.includes('?') ? '&' : '?');
    const display = `${t.displayURL}${sep(t.displayURL)}${timeoutParam}`;
    const url = new URL(t.connectURL);
    url.search = url.search ? `${url.search}&${timeoutParam}` : `?${timeoutParam}`;
    const payload = Buffer.from(JSON.stringify(body));
    const agent = this.#agent(cfg.caBundle);
    const limit = this.#opts.maxResponseBytes ?? 3 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (msg: string, status?: StatusError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(new PostError(`Post ${JSON.stringify(display)}: ${msg}`, status));
      };
      const onAbort = () => fail('context canceled');
      const req = request(
        {
          protocol: 'https:',
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || 443,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          agent,
          servername: isIP(t.serverName) ? undefined : t.serverName,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': payload.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > limit) fail(`response body larger than ${limit} bytes`);
            else chunks.push(c);
          });
          res.on('error', (err) => fail(err.message));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code < 200 || code > 299) {
              reject(new PostError('', responseError(code, text)));
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch (err) {
              reject(new PostError(`Post ${JSON.stringify(display)}: ${(err as Error).message}`));
            }
          });
        },
      );
      // Connection and TLS errors, worded like Go's net/http and crypto/tls.
      req.on('error', (err: NodeJS.ErrnoException) => fail(describeNetError(err, url, t.serverName)));
      const timer = setTimeout(() => fail('context deadline exceeded'), timeoutMs);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      req.end(payload);
    });
  }

  #agent(caBundle: string | undefined): Agent {
    const key = caBundle ?? '';
    let agent = this.#agents.get(key);
    if (!agent) {
      const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
      agent = new Agent({ keepAlive: true, maxSockets: 64, ca });
      if (this.#agents.size >= maxAgents) {
        const [oldKey, old] = this.#agents.entries().next().value!;
        old.destroy();
        this.#agents.delete(oldKey);
      }
      this.#agents.set(key, agent);
    }
    return agent;
  }

  dispose(): void {
    for (const a of this.#agents.values()) a.destroy();
    this.#agents.clear();
  }
}

/** An error from `post`: the Go-style text, plus a StatusError for HTTP-level answers. */
export class PostError extends Error {
  override name = 'PostError';
  constructor(
    message: string,
    readonly status?: StatusError,
  ) {
    super(status && !message ? status.message : message);
  }
}

function describeNetError(err: NodeJS.ErrnoException, url: URL, serverName: string): string {
  const addr = `${url.hostname}:${url.port || 443}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${url.hostname}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${serverName}`;
    default:
      return err.message;
  }
}

const genericMessages: Record<number, string> = {
  400: 'the server rejected our request for an unknown reason',
  401: 'the server has asked for the client to provide credentials',
  403: 'the server does not allow access to the requested resource',
  404: 'the server could not find the requested resource',
  405: 'the server does not allow this method on the requested resource',
  429: 'the server has received too many requests and has asked us to try again later',
  503: 'the server is currently unable to handle the request',
  504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
};

/** client-go's view of a non-2xx answer: its Status body, or a generic error naming the code. */
function responseError(code: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as { kind?: string; status?: string; message?: string; code?: number };
    if (body && body.kind === 'Status' && body.status === 'Failure')
      return fromStatus({ ...body, code: body.code || code } as never);
  } catch {
    // Not JSON: fall through to the generic text.
  }
  const trimmed = text.trim();
  if (code >= 500 && code !== 503 && code !== 504) {
    return new StatusError(
      code,
      'InternalError',
      `an error on the server (${JSON.stringify(trimmed || 'unknown')}) has prevented the request from succeeding`,
    );
  }
  return new StatusError(
    code,
    '',
    genericMessages[code] ??
      `an error on the server (${JSON.stringify(trimmed)}) has prevented the request from succeeding`,
  );
}
