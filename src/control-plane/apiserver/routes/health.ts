import type { ApiResponse } from '../types.js';

/** A named readiness/liveness check; throws or resolves false when unhealthy. */
export interface HealthCheck {
  name: string;
  check(): Promise<boolean | void>;
}

/**
 * `/healthz`, `/livez`, `/readyz` as kube-apiserver serves them: `ok` (200) or a
 * failure report (500); `?verbose` lists every check (`[+]ping ok`), `?exclude=x`
 * skips one, `/<endpoint>/<check>` runs a single check.
 */
export async function serveHealth(
  path: string,
  query: URLSearchParams,
  checks: HealthCheck[],
): Promise<ApiResponse | undefined> {
  const m = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
  if (!m) return undefined;
  const endpoint = m[1]!;
  const only = m[2];
  const excluded = new Set(query.getAll('exclude'));
  const selected = only ? checks.filter((c) => c.name === only) : checks.filter((c) => !excluded.has(c.name));
  if (only && selected.length === 0)
    return { type: 'bytes', status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
  const results = await Promise.all(
    selected.map(async (c) => {
      try {
        return { name: c.name, ok: (await c.check()) !== false };
      } catch {
        return { name: c.name, ok: false };
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  const verbose = query.has('verbose') || failed.length > 0;
  if (!verbose) return { type: 'bytes', status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  for (const e of excluded) lines.push(`[+]${e} excluded: ok`);
  lines.push(failed.length ? `${endpoint} check failed` : `${endpoint} check passed`);
  return {
    type: 'bytes',
    status: failed.length ? 500 : 200,
    contentType: 'text/plain; charset=utf-8',
    body: lines.join('\n') + '\n',
  };
}
