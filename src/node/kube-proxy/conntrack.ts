import type { Logger } from '../../lib/log.js';
import type { PortChange } from './change-tracker.js';
import type { CommandRunner } from './runner.js';
import type { EndpointInfo, ServicePortInfo } from './types.js';

/**
 * The `conntrack -D` invocations that clear stale UDP flows after a sync
 * (upstream `conntrack.CleanStaleEntries`). UDP has no connection end, so a
 * flow NATed to an endpoint that went away (or that was rejected while the
 * Service had no endpoints) would otherwise stick until it idles out.
 * Pure: returns argument lists; `ConntrackCleaner` runs them.
 */
export function staleUdpFlowCommands(changes: readonly PortChange[]): string[][] {
  const cmds: string[][] = [];
  const seen = new Set<string>();
  const add = (args: string[]) => {
    const k = args.join(' ');
    if (seen.has(k)) return;
    seen.add(k);
    cmds.push(args);
  };
  const serviceIPs = (sp: ServicePortInfo) => [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerVIPs];
  for (const c of changes) {
    const prev = c.previous;
    const cur = c.current;
    const sp = cur?.sp ?? prev?.sp;
    if (!sp || sp.protocol !== 'UDP') continue;
    if (prev && !cur) {
      // The port is gone: every flow to its addresses is stale.
      for (const ip of serviceIPs(prev.sp)) add(['-D', '--orig-dst', ip, '-p', 'udp', '--dport', String(prev.sp.port)]);
      if (prev.sp.nodePort > 0) add(['-D', '-p', 'udp', '--dport', String(prev.sp.nodePort)]);
      continue;
    }
    // Endpoints that were serving and now are gone (or stopped serving).
    const now = new Map((cur?.endpoints ?? []).map((e) => [e.addr, e]));
    for (const ep of prev?.endpoints ?? []) {
      if (!ep.serving) continue;
      const next = now.get(ep.addr);
      if (next && next.serving === ep.serving) continue;
      for (const ip of serviceIPs(sp)) add(['-D', '--orig-dst', ip, '-p', 'udp', '--dst-nat', ep.ip]);
      if (sp.nodePort > 0) add(['-D', '-p', 'udp', '--dport', String(sp.nodePort), '--dst-nat', ep.ip]);
    }
    // From no endpoints to some: flows created while packets were rejected must go.
    const hadAny = (prev?.endpoints ?? []).some(usable);
    const hasAny = (cur?.endpoints ?? []).some(usable);
    if (!hadAny && hasAny) {
      for (const ip of serviceIPs(sp)) add(['-D', '--orig-dst', ip, '-p', 'udp', '--dport', String(sp.port)]);
      if (sp.nodePort > 0) add(['-D', '-p', 'udp', '--dport', String(sp.nodePort)]);
    }
  }
  return cmds;
}

function usable(e: EndpointInfo): boolean {
  return e.ready || (e.serving && e.terminating);
}

/** Runs the cleanup when the `conntrack` tool exists; otherwise says so once and skips. */
export class ConntrackCleaner {
  private available: boolean | undefined;

  constructor(
    private readonly runner: CommandRunner,
    private readonly log: Logger,
  ) {}

  /** Returns how many deletions ran. */
  async clean(changes: readonly PortChange[]): Promise<number> {
    const cmds = staleUdpFlowCommands(changes);
    if (cmds.length === 0) return 0;
    if (this.available === undefined) {
      const res = await this.runner.run('conntrack', ['--version'], { timeoutMs: 10_000 });
      this.available = res.code === 0;
      if (!this.available) {
        this.log.info(
          'conntrack tool not found: stale UDP flows are not cleared after endpoint changes (install conntrack)',
        );
      }
    }
    if (!this.available) return 0;
    let ran = 0;
    for (const args of cmds) {
      const res = await this.runner.run('conntrack', args, { timeoutMs: 10_000 });
      // conntrack exits 1 when nothing matched; that is success for us.
      if (res.code !== 0 && !/0 flow entries/.test(res.stderr)) {
        this.log.warn('conntrack cleanup failed', { args: args.join(' '), err: res.stderr.trim() });
      }
      ran++;
    }
    return ran;
  }
}
