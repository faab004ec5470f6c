import { type Logger, nullLogger } from '../../../lib/log.js';
import type { PortChange, ProxyState } from '../change-tracker.js';
import type { Proxier, ProxierStats, SyncOutcome } from '../proxier.js';
import { type CommandRunner, runChecked } from '../runner.js';
import type { ProxyNetworkConfig } from '../types.js';
import { detectIptables, type IptablesBackend, type IptablesTools } from './backend.js';
import { type IptTable, hookRule, hooks, staticIptRules } from './layout.js';
import { type IptPortRender, type IptRenderContext, iptRenderContext, renderIptPort } from './render.js';
import { type IptListing, type IptPlan, IptRulesModel } from './rules-model.js';

export interface IptablesProxierOptions {
  runner: CommandRunner;
  config: ProxyNetworkConfig;
  backend?: 'auto' | IptablesBackend;
  log?: Logger;
}

const tables: readonly IptTable[] = ['filter', 'nat'];

/** A full restore of a large ruleset can take minutes with iptables-nft; a partial one must not. */
const fullRestoreTimeoutMs = 600_000;
const partialRestoreTimeoutMs = 60_000;

/**
 * KUBETS-* chains that other kubets components own (the node agent's pod
 * masquerade, src/node/routes): never listed as ours, so neither a sync nor
 * cleanup() removes them.
 */
const otherComponentsChains = new Set(['KUBETS-POD-MASQ']);
const isProxyChain = (name: string) => name.startsWith('KUBETS-') && !otherComponentsChains.has(name);

/**
 * The iptables proxier: KUBETS-* chains in the nat and filter tables,
 * written with `iptables-restore --noflush` (each table commits atomically).
 * Full syncs rewrite every KUBETS chain and re-hook the built-in chains;
 * other syncs restore only the changed per-port chains and the -D/-A edits
 * of the shared chains.
 */
export class IptablesProxier implements Proxier {
  readonly mode = 'iptables' as const;
  /**
   * Upstream's FullSyncPeriod (1 h): other syncs only restore what changed. A full
   * restore of 10,000 Services takes tens of seconds with iptables-nft, far too long
   * to repeat every syncPeriod.
   */
  readonly fullSyncPeriodMs = 3_600_000;
  private readonly runner: CommandRunner;
  private readonly log: Logger;
  private readonly ctx: IptRenderContext;
  private readonly staticRules: Record<IptTable, Map<string, string[]>>;
  private readonly model = new IptRulesModel();
  private tools: IptablesTools | undefined;

  constructor(private readonly opts: IptablesProxierOptions) {
    this.runner = opts.runner;
    this.log = opts.log ?? nullLogger;
    this.ctx = iptRenderContext(opts.config);
    this.staticRules = staticIptRules(opts.config);
  }

  get backend(): IptablesBackend | undefined {
    return this.tools?.backend;
  }

  async init(): Promise<void> {
    this.tools = await detectIptables(this.runner, this.opts.backend ?? 'auto');
    // Reading the nat table proves both the binary and the kernel side work.
    await runChecked(this.runner, this.tools.save, ['-t', 'nat']);
    this.log.info('using iptables', { backend: this.tools.backend, restore: this.tools.restore });
  }

  stats(): ProxierStats {
    return {
      rules: this.model.rules('filter') + this.model.rules('nat'),
      detail: { filter: this.model.rules('filter'), nat: this.model.rules('nat') },
    };
  }

  async sync(state: ProxyState, changes: readonly PortChange[], full: boolean): Promise<SyncOutcome> {
    if (full) {
      const renders = new Map<string, IptPortRender>();
      for (const [key, sp] of state.servicePorts) {
        renders.set(key, renderIptPort(this.ctx, sp, state.endpoints.get(key) ?? []));
      }
      const listing = await this.list();
      await this.apply(this.model.planFull(renders, this.staticRules, listing), fullRestoreTimeoutMs);
      return { full: true };
    }
    const updates = new Map<string, IptPortRender | undefined>();
    for (const c of changes) {
      updates.set(c.key, c.current ? renderIptPort(this.ctx, c.current.sp, c.current.endpoints) : undefined);
    }
    const plan = this.model.planIncremental(updates);
    if (plan.script) await this.apply(plan, partialRestoreTimeoutMs);
    else plan.commit();
    return { full: false };
  }

  /** Removes our hook jumps, then flushes and deletes every KUBETS chain. */
  async cleanup(): Promise<void> {
    const tools = this.tools ?? (await detectIptables(this.runner, this.opts.backend ?? 'auto'));
    const listing = await this.list(tools);
    const lines: string[] = [];
    for (const t of tables) {
      const present = Object.keys(hooks[t]).filter((b) => !listing.missingHooks[t].includes(b));
      const chains = [...listing.chains[t]];
      if (present.length === 0 && chains.length === 0) continue;
      lines.push(`*${t}`);
      for (const b of present) lines.push(`-D ${hookRule(b, hooks[t][b]!)}`);
      for (const c of chains) lines.push(`:${c} - [0:0]`);
      for (const c of chains) lines.push(`-X ${c}`);
      lines.push('COMMIT');
    }
    if (lines.length > 0) {
      await runChecked(this.runner, tools.restore, ['-w', '5', '--noflush'], { input: lines.join('\n') + '\n' });
    }
    this.model.reset();
  }

  renderOf(key: string): IptPortRender | undefined {
    return this.model.renderOf(key);
  }

  private async apply(plan: IptPlan, timeoutMs: number): Promise<void> {
    await runChecked(this.runner, this.tools!.restore, ['-w', '5', '--noflush'], { input: plan.script, timeoutMs });
    plan.commit();
  }

  /**
   * Our chains and hook jumps. iptables-nft-save needs over a minute for 10,000
   * Services (iptables 1.8.9), so with the nf_tables backend chain names come from
   * `nft` (iptables-nft keeps them in the `ip nat` / `ip filter` tables) and hooks
   * from listing just the built-in chains; iptables-save remains the fallback.
   */
  private async list(tools = this.tools!): Promise<IptListing> {
    const listing: IptListing = {
      chains: { filter: new Set(), nat: new Set() },
      missingHooks: { filter: [], nat: [] },
    };
    if (tools.backend === 'nft' && (await this.listWithNft(tools, listing))) return listing;
    for (const t of tables) {
      const out = await runChecked(this.runner, tools.save, ['-t', t], { timeoutMs: fullRestoreTimeoutMs });
      const hooked = new Set<string>();
      for (const line of out.stdout.split('\n')) {
        if (line.startsWith(':KUBETS-')) {
          const chain = line.slice(1, line.indexOf(' '));
          if (isProxyChain(chain)) listing.chains[t].add(chain);
        }
        const m = /^-A (\S+) .*-j (KUBETS-HOOK-\S+)/.exec(line);
        if (m && hooks[t][m[1]!] === m[2]) hooked.add(m[1]!);
      }
      listing.missingHooks[t] = Object.keys(hooks[t]).filter((b) => !hooked.has(b));
    }
    return listing;
  }

  private async listWithNft(tools: IptablesTools, listing: IptListing): Promise<boolean> {
    const res = await this.runner.run('nft', ['-j', 'list', 'chains', 'ip']);
    if (res.code !== 0) return false;
    let items: { chain?: { table?: string; name?: string } }[];
    try {
      items = (JSON.parse(res.stdout || '{}') as { nftables?: typeof items }).nftables ?? [];
    } catch {
      return false;
    }
    for (const item of items) {
      const c = item.chain;
      if ((c?.table === 'nat' || c?.table === 'filter') && c.name && isProxyChain(c.name))
        listing.chains[c.table].add(c.name);
    }
    for (const t of tables) {
      for (const builtin of Object.keys(hooks[t])) {
        const out = await this.runner.run(tools.iptables, ['-w', '5', '-t', t, '-S', builtin]);
        const hooked =
          out.code === 0 &&
          out.stdout.split('\n').some((l) => l.startsWith(`-A ${builtin} `) && l.endsWith(`-j ${hooks[t][builtin]}`));
        if (!hooked) listing.missingHooks[t].push(builtin);
      }
    }
    return true;
  }
}
