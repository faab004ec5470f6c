/**
 * The node's pod masquerade (masquerade-rules.ts says which traffic), kept
 * in the kernel by the node agent when it runs the pod network: an
 * nftables table `ip kubets-masq` when `nft` works here, else an iptables
 * `KUBETS-POD-MASQ` nat chain jumped to from POSTROUTING.
 *
 * Contracts:
 * - the first sync always rewrites (a previous run may have left rules for
 *   other CIDRs); later syncs compare the kernel's listing with the one read
 *   back after our last write and rewrite only when it differs — a table or
 *   chain removed or edited behind our back is re-created on the next
 *   resync;
 * - every write is one atomic transaction (`nft -f -`, `iptables-restore
 *   --noflush`), so there is no instant without the rules;
 * - the mode is chosen once, and the other mode's leftovers (an earlier run
 *   on a host that had no `nft`) are removed;
 * - the rules stay when the agent stops (pods keep reaching the outside, as
 *   with routes); `cleanupOnStop` or `removePodMasquerade` (`kubets
 *   uninstall`) removes them.
 */
import { Backoff } from '../../lib/backoff.js';
import { type Clock, realClock } from '../../lib/clock.js';
import type { Disposable } from '../../lib/disposable.js';
import { type Logger, nullLogger } from '../../lib/log.js';
import {
  masqIptChain,
  masqTable,
  masqueradeRules,
  renderIptablesMasquerade,
  renderIptablesRemoval,
  renderNftMasquerade,
  type MasqueradeRules,
} from './masquerade-rules.js';

/**
 * How commands reach the host's tools; kube-proxy's `CommandRunner`
 * (`hostRunner`, `netnsRunner`) has this shape, and unit tests pass a fake.
 */
export interface MasqueradeRunner {
  readonly where: string;
  run(
    cmd: string,
    args: readonly string[],
    opts?: { input?: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

export type MasqueradeMode = 'nftables' | 'iptables';

export interface EnsureResult {
  mode: MasqueradeMode;
  /** What the sync did: wrote rules that were missing, replaced a different set, or nothing. */
  action: 'created' | 'replaced' | 'unchanged';
}

export class MasqueradeCommandError extends Error {
  override name = 'MasqueradeCommandError';
  constructor(cmd: string, res: { code: number; stdout: string; stderr: string }) {
    super(`${cmd} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim().slice(0, 1000)}`);
  }
}

const missingTable = /No such file or directory|does not exist/i;

async function checked(runner: MasqueradeRunner, cmd: string, args: readonly string[], input?: string) {
  const res = await runner.run(cmd, args, { input, timeoutMs: 30_000 });
  if (res.code !== 0) throw new MasqueradeCommandError([cmd, ...args].join(' '), res);
  return res;
}

/** Our table as `nft list` prints it; '' when it does not exist. */
async function nftSnapshot(runner: MasqueradeRunner): Promise<string> {
  const res = await runner.run('nft', ['list', 'table', 'ip', masqTable], { timeoutMs: 30_000 });
  if (res.code === 0) return res.stdout;
  if (missingTable.test(res.stderr)) return '';
  throw new MasqueradeCommandError(`nft list table ip ${masqTable}`, res);
}

interface IptState {
  /** Our chain's rules and the POSTROUTING jumps, as iptables-save prints them; '' when neither exists. */
  snapshot: string;
  chain: boolean;
  hooks: string[];
}

async function iptState(runner: MasqueradeRunner): Promise<IptState> {
  const out = (await checked(runner, 'iptables-save', ['-t', 'nat'])).stdout.split('\n');
  const chain = out.some((l) => l.startsWith(`:${masqIptChain} `));
  const rules = out.filter((l) => l.startsWith(`-A ${masqIptChain} `));
  const hooks = out.filter((l) => l.startsWith('-A POSTROUTING ') && l.endsWith(`-j ${masqIptChain}`));
  const snapshot = chain || hooks.length > 0 ? [`chain ${chain}`, ...rules, ...hooks].join('\n') : '';
  return { snapshot, chain, hooks };
}

const restore = (runner: MasqueradeRunner, script: string) =>
  checked(runner, 'iptables-restore', ['-w', '5', '--noflush'], script);

async function removeNft(runner: MasqueradeRunner): Promise<boolean> {
  if ((await nftSnapshot(runner)) === '') return false;
  await checked(runner, 'nft', ['delete', 'table', 'ip', masqTable]);
  return true;
}

async function removeIptables(runner: MasqueradeRunner): Promise<boolean> {
  const s = await iptState(runner);
  // A jump to a chain that does not exist cannot exist either.
  if (!s.chain) return false;
  await restore(runner, renderIptablesRemoval(s.hooks));
  return true;
}

/**
 * Removes both forms (`kubets uninstall`); a tool that is missing or fails
 * to list counts as "nothing of ours there". Returns what it removed.
 */
export async function removePodMasquerade(runner: MasqueradeRunner): Promise<string[]> {
  const removed: string[] = [];
  const errors: unknown[] = [];
  const nftOk = await runner.run('nft', ['--version'], { timeoutMs: 10_000 });
  if (nftOk.code === 0) {
    await removeNft(runner).then(
      (r) => r && removed.push(`nftables table ip ${masqTable}`),
      (err: unknown) => errors.push(err),
    );
  }
  const iptOk = await runner.run('iptables-save', ['-t', 'nat'], { timeoutMs: 30_000 });
  if (iptOk.code === 0) {
    await removeIptables(runner).then(
      (r) => r && removed.push(`iptables chain ${masqIptChain}`),
      (err: unknown) => errors.push(err),
    );
  }
  if (errors.length > 0) throw new AggregateError(errors, 'removing the pod masquerade failed');
  return removed;
}

/** One node's masquerade state in one mode: ensure() converges, remove() takes it away. */
export class PodMasquerade {
  private chosen: MasqueradeMode | undefined;
  /** The listing read back after our last write. */
  private applied: string | undefined;

  constructor(
    private readonly runner: MasqueradeRunner,
    readonly rules: MasqueradeRules,
    private readonly wanted: 'auto' | MasqueradeMode = 'auto',
    private readonly log: Logger = nullLogger,
  ) {}

  get mode(): MasqueradeMode | undefined {
    return this.chosen;
  }

  async ensure(): Promise<EnsureResult> {
    if (this.chosen) return this.converge(this.chosen);
    if (this.wanted !== 'iptables') {
      try {
        const r = await this.converge('nftables');
        this.chosen = 'nftables';
        await this.dropOther();
        return r;
      } catch (err) {
        if (this.wanted === 'nftables') throw err;
        this.log.info('nftables not usable for the pod masquerade; using iptables', { err });
      }
    }
    const r = await this.converge('iptables');
    this.chosen = 'iptables';
    await this.dropOther();
    return r;
  }

  /** Removes our rules in the mode in use (nothing when ensure never succeeded). */
  async remove(): Promise<boolean> {
    const mode = this.chosen;
    this.applied = undefined;
    if (mode === 'nftables') return removeNft(this.runner);
    if (mode === 'iptables') return removeIptables(this.runner);
    return false;
  }

  private async dropOther(): Promise<void> {
    const other = this.chosen === 'nftables' ? removeIptables : removeNft;
    await other(this.runner).then(
      (removed) => removed && this.log.info('removed pod masquerade rules of the other mode', { mode: this.chosen }),
      (err: unknown) => this.log.debug('no leftovers of the other masquerade mode removed', { err }),
    );
  }

  private async converge(mode: MasqueradeMode): Promise<EnsureResult> {
    if (mode === 'nftables') {
      const before = await nftSnapshot(this.runner);
      if (this.applied !== undefined && before === this.applied) return { mode, action: 'unchanged' };
      await checked(this.runner, 'nft', ['-f', '-'], renderNftMasquerade(this.rules));
      this.applied = await nftSnapshot(this.runner);
      return { mode, action: before === '' ? 'created' : 'replaced' };
    }
    const before = await iptState(this.runner);
    if (this.applied !== undefined && before.snapshot === this.applied) return { mode, action: 'unchanged' };
    const [keep, ...extra] = before.hooks;
    const fix = extra.map((h) => h.replace(/^-A /, '-D '));
    const script = renderIptablesMasquerade(this.rules, keep !== undefined);
    await restore(this.runner, fix.length > 0 ? script.replace('*nat\n', `*nat\n${fix.join('\n')}\n`) : script);
    this.applied = (await iptState(this.runner)).snapshot;
    return { mode, action: before.snapshot === '' ? 'created' : 'replaced' };
  }
}

export interface PodMasqueradeOptions {
  runner: MasqueradeRunner;
  /** The cluster's pod CIDRs (`--cluster-cidr`; comma-separated lists are split). */
  clusterCIDRs: readonly string[];
  /** Service CIDRs: never masqueraded here (kube-proxy's). */
  serviceCIDRs?: readonly string[];
  /** Default 'auto': nftables, else iptables. */
  mode?: 'auto' | MasqueradeMode;
  /** How often the kernel is checked for rules removed or changed behind our back (default 60 s). */
  resyncPeriodMs?: number;
  /** First retry delay after a failed sync (default 1 s, doubling up to the resync period). */
  retryInitialMs?: number;
  /** Remove the rules on dispose (default false: pods keep reaching the outside across agent restarts). */
  cleanupOnStop?: boolean;
  clock?: Clock;
  log?: Logger;
}

export interface RunningPodMasquerade extends Disposable {
  readonly rules: MasqueradeRules;
  /** The mode in use, once a sync succeeded. */
  readonly mode: MasqueradeMode | undefined;
  /** Resolves after the next successful sync (rejects when disposed first). */
  synced(): Promise<EnsureResult>;
  dispose(): Promise<void>;
}

/** Starts keeping the masquerade in place; the first sync runs at once. Throws on malformed CIDRs. */
export function startPodMasquerade(o: PodMasqueradeOptions): RunningPodMasquerade {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const rules = masqueradeRules(o.clusterCIDRs, o.serviceCIDRs ?? []);
  if (rules.ignored.length > 0) log.warn('IPv6 CIDRs are not masqueraded', { cidrs: rules.ignored });
  const pm = new PodMasquerade(o.runner, rules, o.mode ?? 'auto', log);
  const resyncMs = o.resyncPeriodMs ?? 60_000;
  const stop = new AbortController();
  let waiters: { resolve: (r: EnsureResult) => void; reject: (e: unknown) => void }[] = [];
  let wake: (() => void) | undefined;

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve();
      const timer = clock.setTimeout(done, ms);
      function done() {
        timer.cancel();
        wake = undefined;
        stop.signal.removeEventListener('abort', done);
        resolve();
      }
      wake = done;
      stop.signal.addEventListener('abort', done, { once: true });
    });

  const loop = async () => {
    const backoff = new Backoff({ initialMs: o.retryInitialMs ?? 1000, maxMs: resyncMs, jitter: 0.2 });
    let failing = false;
    while (!stop.signal.aborted) {
      // Waiters registered before the sync started are answered by it.
      const answering = waiters;
      waiters = [];
      try {
        const r = await pm.ensure();
        if (r.action !== 'unchanged') log.info(`pod masquerade ${r.action}`, { mode: r.mode, sources: rules.sources });
        if (failing) log.info('pod masquerade in place again', { mode: r.mode });
        failing = false;
        backoff.reset();
        for (const w of answering) w.resolve(r);
        if (waiters.length === 0) await idle(resyncMs);
      } catch (err) {
        waiters = [...answering, ...waiters];
        if (!failing) log.error('installing the pod masquerade failed; pods cannot reach beyond the cluster', { err });
        else log.debug('pod masquerade still failing', { err });
        failing = true;
        await idle(backoff.next());
      }
    }
  };
  const running = loop().catch((err: unknown) => log.error('pod masquerade stopped', { err }));

  let disposed: Promise<void> | undefined;
  return {
    rules,
    get mode() {
      return pm.mode;
    },
    synced: () =>
      new Promise<EnsureResult>((resolve, reject) => {
        if (stop.signal.aborted) return reject(new Error('pod masquerade stopped'));
        waiters.push({ resolve, reject });
        wake?.();
      }),
    dispose: () =>
      (disposed ??= (async () => {
        stop.abort();
        await running;
        for (const w of waiters) w.reject(new Error('pod masquerade stopped'));
        waiters = [];
        if (o.cleanupOnStop) {
          await pm.remove().catch((err: unknown) => log.warn('removing the pod masquerade failed', { err }));
        }
      })()),
  };
}
