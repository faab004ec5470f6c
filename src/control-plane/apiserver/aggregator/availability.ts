import type { ClusterObjects } from './cluster-objects.js';
import { resolveServiceEndpoint, type ResolvedEndpoint } from './service-resolver.js';
import type { APIResourceEntry, APIService, APIServiceCondition } from './types.js';

/** The outcome of one discovery probe: an HTTP answer, or a transport error worded as Go's client. */
export type ProbeResult = { status: number; body: string } | { error: string };

/** GETs `path` on the endpoint as `system:kube-aggregator` in `system:masters`, not verifying TLS (as upstream). */
export type DiscoveryProbe = (endpoint: ResolvedEndpoint, path: string) => Promise<ProbeResult>;

export interface AvailabilityResult {
  condition: Pick<APIServiceCondition, 'status' | 'reason' | 'message'>;
  /** The resource list the extension server returned, when the probe got one. */
  resources?: APIResourceEntry[];
}

/**
 * The `Available` condition of an APIService (upstream 1.32
 * `AvailableConditionController.sync`, with Endpoints): local APIServices are
 * always available; a remote one needs its Service, for ClusterIP Services the
 * port and a ready endpoint address with the port's name, and a 2xx/3xx answer
 * from `/apis/<group>/<version>` on one of up to `attempts` tries.
 */
export async function checkAvailability(
  svc: APIService,
  objects: ClusterObjects,
  probe: DiscoveryProbe,
  attempts = 5,
): Promise<AvailabilityResult> {
  const ref = svc.spec?.service;
  if (!ref)
    return { condition: { status: 'True', reason: 'Local', message: 'Local APIServices are always available' } };
  const ns = ref.namespace ?? '';
  const name = ref.name ?? '';
  const port = ref.port ?? 443;
  const unavailable = (reason: string, message: string): AvailabilityResult => ({
    condition: { status: 'False', reason, message },
  });
  const service = objects.service(ns, name);
  if (!service) return unavailable('ServiceNotFound', `service/${name} in ${JSON.stringify(ns)} is not present`);
  if ((service.spec?.type ?? 'ClusterIP') === 'ClusterIP') {
    const sp = (service.spec?.ports ?? []).find((p) => p.port === port);
    if (!sp)
      return unavailable(
        'ServicePortError',
        `service/${name} in ${JSON.stringify(ns)} is not listening on port ${port}`,
      );
    const eps = objects.endpoints(ns, name);
    if (!eps)
      return unavailable('EndpointsNotFound', `cannot find endpoints for service/${name} in ${JSON.stringify(ns)}`);
    const portName = sp.name ?? '';
    const active = (eps.subsets ?? []).some(
      (s) => (s.addresses ?? []).length > 0 && (s.ports ?? []).some((p) => (p.name ?? '') === portName),
    );
    if (!active)
      return unavailable(
        'MissingEndpoints',
        `endpoints for service/${name} in ${JSON.stringify(ns)} have no addresses with port name ${JSON.stringify(portName)}`,
      );
  }
  const path =
    svc.metadata?.name === 'v1.' ? `/api/${svc.spec?.version}` : `/apis/${svc.spec?.group}/${svc.spec?.version}`;
  // Tries run at once (upstream starts them together); one success is enough.
  const attempt = async (): Promise<{ ok: true; body: string } | { ok: false; error: string }> => {
    let endpoint: ResolvedEndpoint;
    try {
      endpoint = resolveServiceEndpoint(objects, ns, name, port);
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    const url = `https://${host}:${endpoint.port}${path}`;
    const r = await probe(endpoint, path);
    if ('error' in r)
      return { ok: false, error: `failing or missing response from ${url}: Get ${JSON.stringify(url)}: ${r.error}` };
    if (r.status < 200 || r.status >= 300)
      return { ok: false, error: `failing or missing response from ${url}: bad status from ${url}: ${r.status}` };
    return { ok: true, body: r.body };
  };
  const results = await Promise.all(Array.from({ length: Math.max(1, attempts) }, attempt));
  const good = results.find((r) => r.ok);
  if (good?.ok)
    return {
      condition: { status: 'True', reason: 'Passed', message: 'all checks passed' },
      resources: parseList(good.body),
    };
  const last = results[results.length - 1]!;
  const lastError = last.ok ? '' : last.error;
  return unavailable('FailedDiscoveryCheck', lastError);
}

function parseList(body: string): APIResourceEntry[] | undefined {
  try {
    const v = JSON.parse(body) as { resources?: unknown };
    return Array.isArray(v.resources) ? (v.resources as APIResourceEntry[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Upstream SetAPIServiceCondition: the condition replaces the previous one of
 * its type; its lastTransitionTime changes only when the status does.
 * Undefined when nothing would change (no write needed).
 */
export function withCondition(
  svc: APIService,
  c: Pick<APIServiceCondition, 'status' | 'reason' | 'message'>,
  now: string,
): APIServiceCondition[] | undefined {
  const conds = svc.status?.conditions ?? [];
  const old = conds.find((x) => x.type === 'Available');
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return undefined;
  const next: APIServiceCondition = {
    type: 'Available',
    status: c.status,
    lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
    reason: c.reason,
    message: c.message,
  };
  return [...conds.filter((x) => x.type !== 'Available'), next];
}
