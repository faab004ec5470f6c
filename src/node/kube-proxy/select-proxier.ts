import type { Logger } from '../../lib/log.js';
import { IptablesProxier } from './iptables/iptables-proxier.js';
import { NftablesProxier } from './nftables/nftables-proxier.js';
import { type DefaultedOptions, networkConfig } from './options.js';
import type { Proxier } from './proxier.js';
import { hostRunner } from './runner.js';
import { UserspaceProxier } from './userspace/userspace-proxier.js';
import { ServiceAddressBinder } from './userspace/service-addresses.js';

function kernelAllowed(o: DefaultedOptions): boolean {
  // Without root the kernel paths cannot work on this host; a custom runner (tests) decides for itself.
  return o.runner !== hostRunner || process.getuid?.() === 0;
}

/**
 * Builds and initializes the proxier for `o.mode`. 'auto' prefers nftables,
 * then iptables, then userspace, taking the first whose init succeeds; an
 * explicit mode that cannot work here is an error.
 */
export async function selectProxier(o: DefaultedOptions, log: Logger): Promise<Proxier> {
  const cfg = networkConfig(o);
  const make: Record<'nftables' | 'iptables' | 'userspace', () => Proxier> = {
    nftables: () => new NftablesProxier({ runner: o.runner, config: cfg, clock: o.clock, log }),
    iptables: () => new IptablesProxier({ runner: o.runner, config: cfg, backend: o.iptablesBackend, log }),
    userspace: () =>
      new UserspaceProxier({
        config: cfg,
        clock: o.clock,
        log,
        udpIdleTimeoutMs: o.udpIdleTimeoutMs,
        nodeAddresses: o.nodeAddresses,
        addresses: o.bindServiceAddresses ? new ServiceAddressBinder(o.runner, log) : undefined,
      }),
  };
  if (o.mode !== 'auto') {
    const p = make[o.mode]();
    await p.init();
    return p;
  }
  const order = kernelAllowed(o) ? (['nftables', 'iptables', 'userspace'] as const) : (['userspace'] as const);
  let lastErr: unknown;
  for (const mode of order) {
    const p = make[mode]();
    try {
      await p.init();
      log.info('proxy mode selected', { mode, where: o.runner.where });
      return p;
    } catch (err) {
      lastErr = err;
      log.info('proxy mode not usable here', { mode, err });
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error('no proxy mode usable');
}

/**
 * Removes what a kernel mode other than `active` left behind (a previous run
 * in another mode); best effort, errors are only logged.
 */
export async function cleanupOtherModes(active: Proxier, o: DefaultedOptions, log: Logger): Promise<void> {
  const cfg = networkConfig(o);
  const others: Proxier[] = [];
  if (active.mode !== 'nftables') others.push(new NftablesProxier({ runner: o.runner, config: cfg, log }));
  if (active.mode !== 'iptables') {
    others.push(new IptablesProxier({ runner: o.runner, config: cfg, backend: o.iptablesBackend, log }));
  }
  for (const p of others) {
    try {
      await p.cleanup();
    } catch (err) {
      log.debug('no leftovers removed', { mode: p.mode, err });
    }
  }
}
