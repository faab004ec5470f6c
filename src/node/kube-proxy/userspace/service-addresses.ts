import { type Logger, nullLogger } from '../../../lib/log.js';
import type { CommandRunner } from '../runner.js';

/**
 * The label our service addresses carry on `lo` (IPv4 labels must start with
 * the device name, at most 15 characters). It marks what kubets added, so a
 * restart or `kubets uninstall` removes exactly those addresses.
 */
export const serviceAddressLabel = 'lo:kubets';

interface AddressState {
  refs: number;
  /** Whether the address is on the device as far as we know. */
  applied: boolean;
  /** Serializes add/del for one address; settles when the desired state is reached. */
  chain: Promise<void>;
}

/**
 * Local addresses for the userspace proxier (as root): a ClusterIP, external
 * IP or load-balancer IP becomes a /32 on `lo` while some service port uses
 * it, so a listener can bind it and the kernel delivers traffic to it
 * (including from pods, through the bridge), as kube-proxy's IPVS mode does
 * with its dummy device. Without an address the listeners could not bind
 * (EADDRNOTAVAIL) and ClusterIPs would only work through NodePorts.
 *
 * Reference counted across service ports (two ports of one Service share the
 * ClusterIP). The address stays while the port has no endpoints: the kernel
 * then refuses connections at once (no listener), as the kernel modes' reject
 * rules do. IPv4 only; IPv6 service addresses are left unserved (logged).
 */
export class ServiceAddressBinder {
  private readonly addrs = new Map<string, AddressState>();
  private readonly log: Logger;

  constructor(
    private readonly runner: CommandRunner,
    log?: Logger,
  ) {
    this.log = log ?? nullLogger;
  }

  /** Takes a reference on `ip`; resolves once the address is on `lo` (errors are logged, not thrown). */
  acquire(ip: string): Promise<void> {
    if (ip.includes(':')) {
      this.log.debug('IPv6 service addresses are not bound in userspace mode', { ip });
      return Promise.resolve();
    }
    const s = this.state(ip);
    s.refs++;
    return this.reconcile(ip, s);
  }

  /** Drops a reference; the address goes when the last one does. */
  release(ip: string): Promise<void> {
    const s = this.addrs.get(ip);
    if (!s || s.refs === 0) return Promise.resolve();
    s.refs--;
    return this.reconcile(ip, s);
  }

  /** Addresses currently held (tests, debugging). */
  held(): string[] {
    return [...this.addrs].filter(([, s]) => s.refs > 0).map(([ip]) => ip);
  }

  /** Removes every address carrying our label (ours from this run or a previous one). */
  async cleanup(): Promise<void> {
    await Promise.all([...this.addrs.values()].map((s) => s.chain));
    this.addrs.clear();
    await removeServiceAddresses(this.runner);
  }

  private state(ip: string): AddressState {
    let s = this.addrs.get(ip);
    if (!s) {
      s = { refs: 0, applied: false, chain: Promise.resolve() };
      this.addrs.set(ip, s);
    }
    return s;
  }

  private reconcile(ip: string, s: AddressState): Promise<void> {
    s.chain = s.chain.then(async () => {
      const want = s.refs > 0;
      if (want === s.applied) return;
      const args = want
        ? ['-4', 'addr', 'add', `${ip}/32`, 'dev', 'lo', 'label', serviceAddressLabel]
        : ['-4', 'addr', 'del', `${ip}/32`, 'dev', 'lo'];
      const r = await this.runner.run('ip', args, { timeoutMs: 10_000 });
      // "File exists": left by a previous run (ours by label) — take it over.
      // "Cannot assign": already gone.
      const benign = want ? /File exists/.test(r.stderr) : /Cannot assign/.test(r.stderr);
      if (r.code === 0 || benign) {
        s.applied = want;
      } else {
        this.log.warn(want ? 'cannot add service address' : 'cannot remove service address', {
          ip,
          err: r.stderr.trim(),
        });
      }
      if (s.refs === 0 && !s.applied) this.addrs.delete(ip);
    });
    return s.chain;
  }
}

/** Removes every address labelled `lo:kubets` (proxier start and stop, `kubets uninstall`); returns them. */
export async function removeServiceAddresses(runner: CommandRunner): Promise<string[]> {
  const list = await runner.run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo', 'label', serviceAddressLabel], {
    timeoutMs: 10_000,
  });
  if (list.code !== 0) return [];
  const ips = [...list.stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/32\b/g)].map((m) => m[1]!);
  const removed: string[] = [];
  for (const ip of ips) {
    const r = await runner.run('ip', ['-4', 'addr', 'del', `${ip}/32`, 'dev', 'lo'], { timeoutMs: 10_000 });
    if (r.code === 0) removed.push(ip);
  }
  return removed;
}
