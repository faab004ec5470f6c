/**
 * Running one probe or lifecycle handler against a container (pkg/probe,
 * pkg/kubelet/prober/prober.go, lifecycle/handlers.go): exec through CRI
 * ExecSync (exit 0 passes), HTTP GET (200-399 passes; same-host redirects are
 * followed, others end the probe as a pass), a TCP connect, a gRPC health
 * check, or a sleep. Outputs read like the kubelet's, since they end up in
 * `Unhealthy` events.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, HTTPGetAction, Probe, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import { isCriError } from '../../runtime/index.js';
import type { KubeletRuntime } from '../pleg/runtime-state.js';
import { grpcProbe, type ProbeOutcome } from './grpc-health.js';

export type { ProbeOutcome };

export interface ProbeTarget {
  runtime: Pick<KubeletRuntime, 'execSync'>;
  containerId: string;
  container: Container;
  /** Where network probes connect when the action names no host. */
  podIP: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

const userAgent = 'kube-probe/1.32';
const maxRedirects = 10;
const maxBody = 10 * 1024;

/** A port given by number or by the name of one of the container's ports. */
export function resolvePort(port: string | number | undefined, container: Container): number | string {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') return 'port is not set';
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  return named ? named.containerPort : `couldn't find port: ${port} in ${container.name}`;
}

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

function dialError(err: NodeJS.ErrnoException, addr: string): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    default:
      return `dial tcp ${addr}: ${err.message}`;
  }
}

export async function execAction(cmd: string[], t: ProbeTarget): Promise<ProbeOutcome> {
  const seconds = Math.max(1, Math.ceil(t.timeoutMs / 1000));
  try {
    const r = await t.runtime.execSync(t.containerId, cmd, seconds, {
      signal: t.signal,
      timeoutMs: t.timeoutMs + 5000,
    });
    const output = r.stdout + r.stderr;
    return r.exitCode === 0 ? { result: 'success', output } : { result: 'failure', output };
  } catch (err) {
    if (isCriError(err) && /timeout|deadline/i.test(err.message)) {
      return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
    }
    throw err;
  }
}

function get(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'GET', headers, timeout: timeoutMs, agent: false, rejectUnauthorized: false, signal },
      resolve,
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** Reads at most 10 KiB of the body and discards the rest. */
async function drain(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) if (body.length < maxBody) body += String(chunk);
  return body.slice(0, maxBody);
}

export async function httpGetAction(a: HTTPGetAction, t: ProbeTarget): Promise<ProbeOutcome> {
  const port = resolvePort(a.port, t.container);
  if (typeof port === 'string') return { result: 'failure', output: port };
  const scheme = (a.scheme ?? 'HTTP').toLowerCase();
  const host = a.host || t.podIP;
  let path = a.path ?? '';
  if (!path.startsWith('/')) path = `/${path}`;
  let url = new URL(`${scheme}://${hostPort(host, port)}${path}`);
  const headers: Record<string, string> = { 'user-agent': userAgent, accept: '*/*' };
  for (const h of a.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  const deadline = Date.now() + t.timeoutMs;
  for (let redirects = 0; ; redirects++) {
    let res: IncomingMessage;
    try {
      res = await get(url, headers, Math.max(1, deadline - Date.now()), t.signal);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const detail =
        e.code === 'ETIMEDOUT'
          ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
          : dialError(e, url.host);
      return { result: 'failure', output: `Get "${url.href}": ${detail}` };
    }
    const code = res.statusCode ?? 0;
    const body = await drain(res).catch(() => '');
    const location = res.headers.location;
    if (code >= 300 && code < 400 && location && redirects < maxRedirects) {
      const next = new URL(location, url);
      if (next.hostname === url.hostname) {
        url = next;
        continue;
      }
      return { result: 'success', output: `Probe terminated redirects, Response body: ${body}` };
    }
    if (code >= 200 && code < 400) return { result: 'success', output: body };
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${code}` };
  }
}

export function tcpAction(a: TCPSocketAction, t: ProbeTarget): Promise<ProbeOutcome> {
  const port = resolvePort(a.port, t.container);
  if (typeof port === 'string') return Promise.resolve({ result: 'failure', output: port });
  const host = a.host || t.podIP;
  const addr = hostPort(host, port);
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: t.timeoutMs });
    const done = (o: ProbeOutcome) => {
      sock.destroy();
      resolve(o);
    };
    sock.once('connect', () => done({ result: 'success', output: '' }));
    sock.once('timeout', () => done({ result: 'failure', output: `dial tcp ${addr}: i/o timeout` }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ result: 'failure', output: dialError(err, addr) }));
  });
}

/** Runs `probe` once. Throws only for errors the kubelet reports as "probe errored". */
export function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeOutcome> {
  if (probe.exec) return execAction(probe.exec.command ?? [], t);
  if (probe.httpGet) return httpGetAction(probe.httpGet, t);
  if (probe.tcpSocket) return tcpAction(probe.tcpSocket, t);
  if (probe.grpc) return grpcProbe(t.podIP, probe.grpc.port, probe.grpc.service ?? '', t.timeoutMs);
  return Promise.resolve({ result: 'failure', output: 'missing probe handler' });
}
