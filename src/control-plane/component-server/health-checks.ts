/**
 * The health endpoints of a control-plane component (k8s.io/apiserver
 * `server/healthz`): a root path (`/healthz`, `/livez`, `/readyz`) that runs
 * every check, and `/<root>/<check>` for one. Output matches upstream byte for
 * byte so scripts and probes that grep it keep working:
 * - all pass: `ok` (with `?verbose`: one `[+]name ok` line per check, then
 *   `<root> check passed`);
 * - any fails: 500 with the per-check lines (`[-]name failed: reason withheld`)
 *   and `<root> check failed` — the reason only goes to the log;
 * - `?exclude=name` (repeatable) skips a check; unknown names are reported.
 */

export interface HealthCheck {
  name: string;
  /** Throws (or rejects) when unhealthy; the message is logged, never served. */
  check(): void | Promise<void>;
}

export interface HealthResponse {
  status: number;
  body: string;
}

/** Upstream's `ping` check: always healthy. */
export const pingCheck: HealthCheck = { name: 'ping', check: () => undefined };

/** Upstream's `log` check (the log flusher is alive); in-process logging cannot stall, so always healthy. */
export const logCheck: HealthCheck = { name: 'log', check: () => undefined };

/** A check that fails with `message` while `healthy()` is false. */
export function conditionCheck(name: string, healthy: () => boolean, message: string): HealthCheck {
  return {
    name,
    check: () => {
      if (!healthy()) throw new Error(message);
    },
  };
}

async function run(c: HealthCheck): Promise<Error | undefined> {
  try {
    await c.check();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Answers `/<root>` (`sub` undefined) or `/<root>/<sub>`; undefined when `sub`
 * names no check (the caller answers 404). `onFailure` receives the
 * verbose reasons for logging.
 */
export async function answerHealth(
  root: string,
  checks: readonly HealthCheck[],
  sub: string | undefined,
  query: URLSearchParams,
  onFailure: (failures: { name: string; err: Error }[]) => void = () => {},
): Promise<HealthResponse | undefined> {
  if (sub !== undefined) {
    const c = checks.find((x) => x.name === sub);
    if (!c) return undefined;
    const err = await run(c);
    if (err) {
      onFailure([{ name: c.name, err }]);
      return { status: 500, body: `internal server error: ${err.message}\n` };
    }
    return { status: 200, body: 'ok' };
  }
  const excluded = new Set(
    query
      .getAll('exclude')
      .flatMap((e) => e.split(','))
      .map((e) => e.trim())
      .filter(Boolean),
  );
  let lines = '';
  const failures: { name: string; err: Error }[] = [];
  const results = await Promise.all(checks.map((c) => (excluded.has(c.name) ? undefined : run(c))));
  checks.forEach((c, i) => {
    if (excluded.delete(c.name)) {
      lines += `[+]${c.name} excluded: ok\n`;
      return;
    }
    const err = results[i];
    if (err) {
      lines += `[-]${c.name} failed: reason withheld\n`;
      failures.push({ name: c.name, err });
    } else lines += `[+]${c.name} ok\n`;
  });
  if (excluded.size > 0) {
    const names = [...excluded].sort().map((n) => JSON.stringify(n));
    lines += `warn: some health checks cannot be excluded: no matches for ${names.join(',')}\n`;
  }
  if (failures.length > 0) {
    onFailure(failures);
    return { status: 500, body: `${lines}${root} check failed\n` };
  }
  if (!query.has('verbose')) return { status: 200, body: 'ok' };
  return { status: 200, body: `${lines}${root} check passed\n` };
}
