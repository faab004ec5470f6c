import { type Clock, realClock } from '../../../lib/clock.js';
import { type Logger, nullLogger } from '../../../lib/log.js';
import type { PortChange, ProxyState } from '../change-tracker.js';
import { isNftServiceObject } from '../names.js';
import type { Proxier, ProxierStats, SyncOutcome } from '../proxier.js';
import { CommandError, type CommandRunner, runChecked } from '../runner.js';
import type { ProxyNetworkConfig } from '../types.js';
import { type NftCapabilities, nftTable, staticChainRules, tableRef } from './layout.js';
import { type NftPortRender, type NftRenderContext, nftRenderContext, renderNftPort } from './render.js';
import { NftSession } from './nft-session.js';
import { type KernelListing, type NftPlan, NftTableModel } from './table-model.js';

export interface NftablesProxierOptions {
  runner: CommandRunner;
  config: ProxyNetworkConfig;
  clock?: Clock;
  log?: Logger;
  /** The `nft` binary (default "nft"). */
  nft?: string;
  /**
   * Send incremental transactions to one long-running `nft -i` when the
   * runner can start processes (default true); otherwise every transaction
   * is its own `nft -f -`.
   */
  persistent?: boolean;
}

/**
 * Chains a sync stopped referencing are flushed at once but deleted this much
 * later: before Linux 6.2 the kernel notices a chain lost its last map
 * reference only after a grace period (upstream waits one second too).
 */
const staleChainDelayMs = 1000;

/** Scratch table for capability probes; never holds anything after init. */
const probeTable = 'kubets-proxy-probe';

/**
 * The nftables proxier: everything in one `inet kubets-proxy` table, written
 * in transactions (each applies atomically). The first sync deletes and
 * recreates the table in one `nft -f -`; periodic full syncs rewrite rules and
 * maps but keep affinity sets; every other sync sends only the diff against
 * the table model, through a persistent `nft -i` when the runner can start
 * one. Most ports have no rules of their own (see `pickChainMax`), so their
 * endpoint changes are map element updates that never make the kernel
 * re-validate the table.
 */
export class NftablesProxier implements Proxier {
  readonly mode = 'nftables' as const;
  private readonly runner: CommandRunner;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly nft: string;
  private readonly ctx: NftRenderContext;
  private readonly config: ProxyNetworkConfig;
  private caps: NftCapabilities = { prerouteReject: false };
  private staticRules: Map<string, string[]>;
  private staticRuleCount = 0;
  private readonly model = new NftTableModel();
  /** The next full sync recreates the table (startup, or a non-destructive rewrite failed). */
  private recreate = true;
  /** Incremental transactions go here when set; dropped for good once it breaks. */
  private session: NftSession | undefined;

  constructor(opts: NftablesProxierOptions) {
    this.runner = opts.runner;
    this.log = opts.log ?? nullLogger;
    this.clock = opts.clock ?? realClock;
    this.nft = opts.nft ?? 'nft';
    this.ctx = nftRenderContext(opts.config);
    this.config = opts.config;
    this.staticRules = this.setCaps(this.caps);
    const runner = opts.runner;
    if (opts.persistent !== false && runner.start) {
      this.session = new NftSession({ start: () => runner.start!(this.nft, ['-i']), clock: this.clock });
    }
  }

  get capabilities(): NftCapabilities {
    return this.caps;
  }

  private setCaps(caps: NftCapabilities): Map<string, string[]> {
    this.caps = caps;
    this.staticRules = staticChainRules(this.config, caps);
    this.staticRuleCount = [...this.staticRules.values()].reduce((n, r) => n + r.length, 0);
    return this.staticRules;
  }

  /**
   * Checks that the kernel takes the constructs we use, in a throwaway table
   * (`nft --check` does not validate hooks, so this really adds and deletes
   * it), and whether reject works in prerouting.
   */
  async init(): Promise<void> {
    const probe = (extra: string) =>
      [
        `add table inet ${probeTable}`,
        `delete table inet ${probeTable}`,
        `table inet ${probeTable} {`,
        `\tset s { type ipv4_addr; flags dynamic,timeout; timeout 10s; }`,
        `\tset h { type ipv4_addr . ipv4_addr; }`,
        `\tmap m { type ipv4_addr . inet_proto . inet_service : verdict; }`,
        `\tchain e { update @s { ip saddr }; numgen random mod 2 0 meta l4proto tcp dnat ip to 10.0.0.1:80; }`,
        `\tmap p { typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport; }`,
        `\tchain k { meta l4proto { tcp, udp, sctp } dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @p; }`,
        `\tchain n { type nat hook output priority -100; ip daddr . meta l4proto . th dport vmap @m; ip daddr 192.0.2.2 goto k; goto e; }`,
        `\tchain p { type nat hook postrouting priority 100; ct status dnat ip saddr . ip daddr @h masquerade fully-random; }`,
        `\tchain f { type filter hook output priority -110; fib daddr type local reject; }`,
        extra,
        `}`,
      ].join('\n') + '\n';
    // Hook restrictions are checked when a transaction commits a table that survives it,
    // so each probe commits and the table is deleted afterwards.
    const drop = () => this.runner.run(this.nft, ['delete', 'table', 'inet', probeTable]);
    try {
      await runChecked(this.runner, this.nft, ['-f', '-'], { input: probe('') });
    } finally {
      await drop();
    }
    const pre = await this.runner.run(this.nft, ['-f', '-'], {
      input: probe(`\tchain pr { type filter hook prerouting priority -90; ip daddr 192.0.2.1 reject; }`),
    });
    await drop();
    this.setCaps({ prerouteReject: pre.code === 0 });
    this.log.info('using nftables', { prerouteReject: this.caps.prerouteReject, where: this.runner.where });
  }

  stats(): ProxierStats {
    return {
      rules: this.staticRuleCount + this.model.portRuleCount,
      detail: { chains: this.model.chainCount, elements: this.model.elementCount },
    };
  }

  async sync(state: ProxyState, changes: readonly PortChange[], full: boolean): Promise<SyncOutcome> {
    await this.deleteStaleChains();
    const now = this.clock.monotonic();
    if (full) {
      const renders = new Map<string, NftPortRender>();
      for (const [key, sp] of state.servicePorts) {
        renders.set(key, renderNftPort(this.ctx, sp, state.endpoints.get(key) ?? []));
      }
      await this.applyFull(renders, now);
      this.session?.warm();
    } else {
      const updates = new Map<string, NftPortRender | undefined>();
      for (const c of changes) {
        updates.set(c.key, c.current ? renderNftPort(this.ctx, c.current.sp, c.current.endpoints) : undefined);
      }
      const plan = this.model.planIncremental(updates, now);
      if (plan.script) await this.applySmall(plan.script);
      plan.commit();
    }
    return { full, followUpMs: this.model.stale.size > 0 ? staleChainDelayMs : undefined };
  }

  async cleanup(): Promise<void> {
    this.close();
    const res = await this.runner.run(this.nft, ['delete', 'table', ...tableRef.split(' ')]);
    if (res.code !== 0 && !/No such file|does not exist/i.test(res.stderr)) {
      throw new CommandError(`${this.nft} delete table ${tableRef}`, res);
    }
    this.model.reset();
    this.recreate = true;
  }

  /** Ends the persistent `nft -i`, if any (a later sync starts another). Rules stay. */
  close(): void {
    this.session?.close();
  }

  /** The rendered port (for tests and debugging). */
  renderOf(key: string): NftPortRender | undefined {
    return this.model.renderOf(key);
  }

  private async applyFull(renders: Map<string, NftPortRender>, now: number): Promise<void> {
    if (!this.recreate) {
      try {
        const listing = await this.listKernel();
        await this.apply(this.model.planFull(renders, this.staticRules, listing, now, this.caps));
        return;
      } catch (err) {
        this.log.warn('nftables full resync failed; recreating the table', { err });
      }
    }
    await this.apply(this.model.planFull(renders, this.staticRules, undefined, now, this.caps));
    this.recreate = false;
  }

  private async apply(plan: NftPlan): Promise<void> {
    // Full rewrites of large tables take seconds; allow minutes before declaring nft wedged.
    await runChecked(this.runner, this.nft, ['-f', '-'], { input: plan.script, timeoutMs: 600_000 });
    plan.commit();
  }

  /**
   * Runs a small transaction through the persistent session when there is one
   * (throws CommandError when nft rejects it). A session that died or hung is
   * dropped: the outcome is unknown, so this throws and the core's full
   * resync, through `nft -f`, puts the table right.
   */
  private async applySmall(script: string): Promise<void> {
    const session = this.session;
    if (!session || !NftSession.accepts(script)) {
      await runChecked(this.runner, this.nft, ['-f', '-'], { input: script });
      return;
    }
    const res = await session.apply(script);
    if (res.code === 0) return;
    if (res.code === -1) {
      this.log.warn('persistent nft failed; running nft once per sync from now on', { err: res.stderr });
      session.close();
      this.session = undefined;
    }
    throw new CommandError(`${this.nft} -i`, res);
  }

  private async deleteStaleChains(): Promise<void> {
    const { script, names } = this.model.planStaleDeletion(this.clock.monotonic(), staleChainDelayMs);
    if (names.length === 0) return;
    const res = await this.applySmall(script).then(
      () => ({ code: 0, stderr: '' }),
      (err: unknown) => ({ code: 1, stderr: err instanceof Error ? err.message : String(err) }),
    );
    // Either way they leave the model: on failure the next full resync lists and retries them.
    this.model.forgetStale(names);
    if (res.code !== 0) this.log.warn('deleting stale nftables chains failed', { err: res.stderr.trim() });
    else this.log.debug('deleted stale nftables chains', { count: names.length });
  }

  /** What our table holds now: per-port chains and affinity sets (terse: no set elements). */
  private async listKernel(): Promise<KernelListing> {
    const chainsOut = await runChecked(this.runner, this.nft, ['-j', 'list', 'chains', 'inet']);
    const setsOut = await runChecked(this.runner, this.nft, ['-j', '-t', 'list', 'sets', 'inet']);
    const chains: string[] = [];
    for (const item of parseNftJson(chainsOut.stdout)) {
      const c = item.chain as { table?: string; name?: string } | undefined;
      if (c?.table === nftTable && c.name && isNftServiceObject(c.name)) chains.push(c.name);
    }
    const affinitySets = new Map<string, number>();
    for (const item of parseNftJson(setsOut.stdout)) {
      const s = item.set as { table?: string; name?: string; timeout?: number } | undefined;
      if (s?.table === nftTable && s.name?.startsWith('affinity-')) affinitySets.set(s.name, s.timeout ?? 0);
    }
    return { chains, affinitySets };
  }
}

function parseNftJson(text: string): Record<string, unknown>[] {
  if (!text.trim()) return [];
  const doc = JSON.parse(text) as { nftables?: Record<string, unknown>[] };
  return doc.nftables ?? [];
}
