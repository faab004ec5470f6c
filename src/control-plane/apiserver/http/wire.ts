import type http from 'node:http';
import type http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import { requestEntityTooLarge, StatusError, toStatusError } from '../../../api/errors/status-error.js';
import type { Logger } from '../../../lib/log.js';
import type { ApiResponse } from '../types.js';

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/** Bodies above this size are gzipped when the client accepts it (kube-apiserver uses 128 KiB). */
const gzipThreshold = 128 * 1024;

/**
 * Reads the request body (undefined when empty), refusing more than `max` bytes with 413.
 * Listens for data events rather than async-iterating the request: the iterator
 * machinery costs more than the copy on the small bodies of typical writes.
 * A request that closes before its end rejects (as iteration would, with Premature close).
 */
export function readBody(req: Req, max: number, method: string): Promise<Uint8Array | undefined> {
  if (method === 'GET' || method === 'HEAD') {
    req.resume();
    return Promise.resolve(undefined);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > max) {
    req.resume();
    return Promise.reject(requestEntityTooLarge(`limit is ${max}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        req.resume(); // discard the rest
        reject(requestEntityTooLarge(`limit is ${max}`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (size === 0) resolve(undefined);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function setHeaders(res: Res, headers: Record<string, string | string[]> | undefined): void {
  if (!headers) return;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}

function acceptsGzip(req: Req): boolean {
  const ae = req.headers['accept-encoding'];
  return typeof ae === 'string' && /\bgzip\b/.test(ae);
}

function sendBody(req: Req, res: Res, status: number, contentType: string, body: Buffer): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-cache, private');
  if (body.length > gzipThreshold && acceptsGzip(req)) {
    body = gzipSync(body);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
  }
  res.setHeader('Content-Length', String(body.length));
  res.writeHead(status);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** Writes an ApiResponse; resolves when it is fully written (watches and streams: when they end). */
export async function writeResponse(req: Req, res: Res, out: ApiResponse, signal: AbortSignal): Promise<void> {
  setHeaders(res, out.headers);
  switch (out.type) {
    case 'object': {
      sendBody(req, res, out.status, out.contentType ?? 'application/json', Buffer.from(JSON.stringify(out.body)));
      return;
    }
    case 'bytes': {
      const b =
        typeof out.body === 'string'
          ? Buffer.from(out.body)
          : Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength);
      sendBody(req, res, out.status, out.contentType, b);
      return;
    }
    case 'redirect': {
      res.setHeader('Location', out.location);
      res.writeHead(out.status);
      res.end();
      return;
    }
    case 'watch': {
      const stream = out.stream;
      const onAbort = () => stream.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Cache-Control', 'no-cache, private');
        res.writeHead(out.status);
        flushHeaders(res);
        for (;;) {
          const ev = await stream.next();
          if (ev === undefined || signal.aborted) break;
          if (!(res as http.ServerResponse).write(ev.line())) await drained(res, signal);
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        stream.close();
        if (!signal.aborted) res.end();
      }
      return;
    }
    case 'stream': {
      res.setHeader('Content-Type', out.contentType);
      res.setHeader('Cache-Control', 'no-cache, private');
      res.writeHead(out.status);
      flushHeaders(res);
      try {
        for await (const chunk of out.body) {
          if (signal.aborted) break;
          if (!(res as http.ServerResponse).write(chunk)) await drained(res, signal);
        }
      } finally {
        if (!signal.aborted) res.end();
      }
      return;
    }
  }
}

function flushHeaders(res: Res): void {
  const r = res as http.ServerResponse;
  if (typeof r.flushHeaders === 'function') r.flushHeaders();
}

function drained(res: Res, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Answers with a metav1.Status for `err` (anything not a StatusError is an InternalError and is logged). */
export function writeError(res: Res, err: unknown, log: Logger): void {
  const se = toStatusError(err);
  if (!(err instanceof StatusError)) log.error('internal error serving request', { err, stack: (err as Error)?.stack });
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(se.toStatus()));
  if (se.code === 429 || se.code === 503) {
    // As upstream: no header for 0, so clients (kubectl drain) apply their own wait instead of spinning.
    const after = se.details?.retryAfterSeconds;
    if (after !== undefined && after > 0) res.setHeader('Retry-After', String(after));
  }
  if (se.code === 401) res.setHeader('WWW-Authenticate', 'Basic realm="kubernetes-master"');
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(body.length));
  res.writeHead(se.code);
  res.end(body);
}
