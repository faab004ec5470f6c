/**
 * The kernel side of pod routes: the main routing table, read and changed
 * with iproute2 (`ip -j route`). Every route kubets installs carries its own
 * routing protocol number (`proto 231`), so "ours" is exact: listing,
 * replacing and deleting never touch a route someone else added (a deletion
 * names the protocol, and the kernel refuses it for any other).
 */
import { spawn } from 'node:child_process';
import { canonicalDst, familyOf } from './desired-routes.js';

/** The routing protocol number that marks kubets pod routes (unassigned in iproute2's rt_protos). */
export const podRouteProtocol = 231;

export interface KernelRoute {
  /** Canonical destination (`10.42.1.0/24`, `default`). */
  dst: string;
  family: 4 | 6;
  /** The gateway, for routes with one. */
  via?: string;
  dev?: string;
  /** Route type when not a plain unicast route (`unreachable`, `blackhole`...). */
  type?: string;
  /** Installed by kubets (carries podRouteProtocol). */
  ours: boolean;
}

/** What the pod-route controller needs of a routing table (tests pass a fake). */
export interface RouteTable {
  list(): Promise<KernelRoute[]>;
  /** Adds `dst via via` as ours, or changes our route to `dst`. */
  replace(route: { dst: string; via: string }): Promise<void>;
  /** Deletes our route to `dst`; a route already gone is not an error. */
  delete(dst: string): Promise<void>;
}

export interface IpResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `ip <args>`; tests use it with `netns exec` prefixes through `ipInNetns`. */
export type IpExec = (args: readonly string[]) => Promise<IpResult>;

function run(file: string, args: readonly string[], timeoutMs = 30_000): Promise<IpResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    // A wedged `ip` must not stall the controller forever.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `ip` in this process's network namespace. */
export const hostIp: IpExec = (args) => run('ip', args);

/** `ip -n <ns>`: the same commands inside a named network namespace (tests). */
export const ipInNetns =
  (ns: string): IpExec =>
  (args) =>
    run('ip', ['-n', ns, ...args]);

export class RouteCommandError extends Error {
  override name = 'RouteCommandError';
  constructor(
    readonly args: readonly string[],
    readonly result: IpResult,
  ) {
    super(`ip ${args.join(' ')} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
  }
}

interface IpJsonRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  type?: string;
}

export class IpRouteTable implements RouteTable {
  constructor(
    private readonly ip: IpExec = hostIp,
    readonly protocol = podRouteProtocol,
  ) {}

  private async checked(args: string[]): Promise<IpResult> {
    const r = await this.ip(args);
    if (r.code !== 0) throw new RouteCommandError(args, r);
    return r;
  }

  private async show(family: 4 | 6, ours: boolean): Promise<IpJsonRoute[]> {
    const args = [
      `-${family}`,
      '-j',
      'route',
      'show',
      'table',
      'main',
      ...(ours ? ['proto', String(this.protocol)] : []),
    ];
    const r = await this.ip(args);
    if (r.code !== 0) {
      // A kernel without IPv6 has no IPv6 routes, ours included.
      if (family === 6 && /not supported|No such file/i.test(r.stderr)) return [];
      throw new RouteCommandError(args, r);
    }
    const text = r.stdout.trim();
    return text === '' ? [] : (JSON.parse(text) as IpJsonRoute[]);
  }

  async list(): Promise<KernelRoute[]> {
    const out: KernelRoute[] = [];
    for (const family of [4, 6] as const) {
      const [all, ours] = await Promise.all([this.show(family, false), this.show(family, true)]);
      const ourDsts = new Set(ours.map((r) => canonicalDst(r.dst ?? '')));
      for (const r of all) {
        if (!r.dst) continue;
        const dst = canonicalDst(r.dst);
        out.push({
          dst,
          family,
          ...(r.gateway ? { via: r.gateway } : {}),
          ...(r.dev ? { dev: r.dev } : {}),
          ...(r.type && r.type !== 'unicast' ? { type: r.type } : {}),
          ours: ourDsts.has(dst) && !r.type,
        });
      }
    }
    return out;
  }

  async replace(route: { dst: string; via: string }): Promise<void> {
    await this.checked([
      `-${familyOf(route.dst)}`,
      'route',
      'replace',
      route.dst,
      'via',
      route.via,
      'proto',
      String(this.protocol),
    ]);
  }

  async delete(dst: string): Promise<void> {
    const args = [`-${familyOf(dst)}`, 'route', 'del', dst, 'proto', String(this.protocol)];
    const r = await this.ip(args);
    // ESRCH: no such route (already gone, or not ours — the kernel matched on the protocol).
    if (r.code !== 0 && !/No such process/i.test(r.stderr)) throw new RouteCommandError(args, r);
  }
}

/**
 * Deletes every route carrying our protocol number (`kubets uninstall`);
 * returns them as `dst via gateway`.
 */
export async function removeOwnedRoutes(table: RouteTable = new IpRouteTable()): Promise<string[]> {
  const removed: string[] = [];
  for (const r of await table.list()) {
    if (!r.ours) continue;
    await table.delete(r.dst);
    removed.push(`${r.dst}${r.via ? ` via ${r.via}` : ''}`);
  }
  return removed;
}
