/**
 * `GET /containerLogs/{namespace}/{pod}/{container}` (upstream kubelet
 * `getContainerLogs` + `GetKubeletContainerLogs`): decode and validate the
 * PodLogOptions query, find the pod and container, pick the container
 * attempt from the pod's status (the running one, the last terminated one,
 * or with `previous` the one before) and stream its CRI log file. Errors
 * are plain text with the kubelet's wording and status codes.
 */
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../../lib/log.js';
import { parseRFC3339Nano } from '../../../runtime/logs/cri-log.js';
import type { KubeletServerDeps } from '../types.js';
import { readContainerLog, type LogReadOptions } from './log-reader.js';

export interface PodLogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
  limitBytes?: number;
}

type Parsed = { ok: true; query: PodLogQuery } | { ok: false; status: number; message: string };

/** apimachinery's query-to-bool conversion: absent is false, and only 0/f/false/n/no (any case) are false. */
const queryBool = (v: string | null) => v !== null && !['0', 'f', 'false', 'n', 'no'].includes(v.toLowerCase());

/** Decodes and validates the query (`tail` is the legacy spelling of `tailLines`; `all` means everything). */
export function parsePodLogQuery(q: URLSearchParams): Parsed {
  const decodeError: Parsed = { ok: false, status: 400, message: '{"message": "Unable to decode query."}' };
  const int = (name: string): number | undefined | null => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    return /^[+-]?\d+$/.test(v) ? Number(v) : null;
  };
  let tailLines = int('tailLines');
  const tail = q.get('tail');
  if (tail) tailLines = tail === 'all' ? undefined : /^[+-]?\d+$/.test(tail) ? Number(tail) : null;
  const sinceSeconds = int('sinceSeconds');
  const limitBytes = int('limitBytes');
  if (tailLines === null || sinceSeconds === null || limitBytes === null) return decodeError;
  let sinceTime: Date | undefined;
  const st = q.get('sinceTime');
  if (st) {
    sinceTime = parseRFC3339Nano(st);
    if (!sinceTime) return decodeError;
  }
  const invalid =
    (tailLines !== undefined && tailLines < 0) ||
    (limitBytes !== undefined && limitBytes < 1) ||
    (sinceSeconds !== undefined && sinceTime !== undefined) ||
    (sinceSeconds !== undefined && sinceSeconds < 1);
  if (invalid) return { ok: false, status: 422, message: '{"message": "Invalid request."}' };
  return {
    ok: true,
    query: {
      follow: queryBool(q.get('follow')),
      previous: queryBool(q.get('previous')),
      timestamps: queryBool(q.get('timestamps')),
      tailLines,
      sinceSeconds,
      sinceTime,
      limitBytes,
    },
  };
}

/** `containerd://abc` -> `abc`. */
export const runtimeIdOf = (containerID: string | undefined) => (containerID ?? '').replace(/^[a-z0-9-]+:\/\//, '');

/**
 * The container attempt whose log to read, from the pod's status (upstream
 * `validateContainerLogStatus`), or the kubelet's error text.
 */
export function logTargetFromStatus(
  pod: Pod,
  container: string,
  previous: boolean,
): { containerID: string } | { error: string } {
  const name = pod.metadata?.name ?? '';
  const st = pod.status;
  const all: ContainerStatus[] = [
    ...(st?.containerStatuses ?? []),
    ...(st?.initContainerStatuses ?? []),
    ...(st?.ephemeralContainerStatuses ?? []),
  ];
  const cs = all.find((c) => c.name === container);
  const what = `container ${JSON.stringify(container)} in pod ${JSON.stringify(name)}`;
  if (!cs) return { error: `${what} is not available` };
  const last = cs.lastState?.terminated;
  const { waiting, running, terminated } = cs.state ?? {};
  if (previous) {
    if (!last?.containerID) return { error: `previous terminated ${what} not found` };
    return { containerID: last.containerID };
  }
  if (running) return { containerID: cs.containerID ?? '' };
  if (terminated) {
    if (terminated.containerID) return { containerID: terminated.containerID };
    if (last?.containerID) return { containerID: last.containerID };
    return { error: `${what} is terminated` };
  }
  if (last) {
    if (!last.containerID) return { error: `${what} is terminated` };
    return { containerID: last.containerID };
  }
  if (waiting) {
    if (waiting.reason === 'ErrImagePull') return { error: `${what} is waiting to start: image can't be pulled` };
    if (waiting.reason === 'ImagePullBackOff')
      return { error: `${what} is waiting to start: trying and failing to pull image` };
    return { error: `${what} is waiting to start: ${waiting.reason ?? ''}` };
  }
  return { error: `${what} is waiting to start - no logs yet` };
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${message}\n`);
}

export async function serveContainerLogs(
  req: IncomingMessage,
  res: ServerResponse,
  deps: KubeletServerDeps,
  target: { namespace: string; pod: string; container: string },
  log: Logger,
): Promise<void> {
  const parsed = parsePodLogQuery(new URL(req.url ?? '/', 'https://kubelet').searchParams);
  if (!parsed.ok) return plain(res, parsed.status, parsed.message);
  const q = parsed.query;
  const pod = deps.getPod(target.namespace, target.pod);
  if (!pod) return plain(res, 404, `pod ${JSON.stringify(target.pod)} does not exist`);
  const spec = pod.spec;
  const known = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])];
  if (!known.some((c) => c.name === target.container)) {
    return plain(
      res,
      404,
      `container ${JSON.stringify(target.container)} not found in pod ${JSON.stringify(target.pod)}`,
    );
  }
  const t = logTargetFromStatus(pod, target.container, q.previous);
  if ('error' in t) return plain(res, 400, t.error);
  const uid = pod.metadata?.uid ?? '';
  const id = deps.containerId(uid, target.container, q.previous) ?? runtimeIdOf(t.containerID);
  let logPath: string;
  try {
    logPath = (await deps.runtime.containerStatus(id)).logPath;
  } catch (err) {
    return plain(res, 400, `failed to get container status ${JSON.stringify(id)}: ${(err as Error).message}`);
  }
  const since =
    q.sinceTime ?? (q.sinceSeconds !== undefined ? new Date(Date.now() - q.sinceSeconds * 1000) : undefined);
  const options: LogReadOptions = {
    follow: q.follow,
    tailLines: q.tailLines,
    since,
    timestamps: q.timestamps,
    limitBytes: q.limitBytes,
  };
  const ac = new AbortController();
  const onClose = () => ac.abort();
  res.once('close', onClose);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  // Headers go out now, so a follower sees the response start before the first line exists.
  res.flushHeaders();
  try {
    await readContainerLog(logPath, res, options, {
      signal: ac.signal,
      isRunning: async () => (await deps.runtime.containerStatus(id)).state === 'CONTAINER_RUNNING',
    });
  } catch (err) {
    log.debug('reading container log failed', { container: id, err: String(err) });
  } finally {
    res.off('close', onClose);
    res.end();
  }
}
