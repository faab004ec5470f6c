import type { CommandRunner } from '../runner.js';

/** Which iptables implementation programs the kernel: xtables (legacy) or nf_tables. */
export type IptablesBackend = 'legacy' | 'nft';

export interface IptablesTools {
  backend: IptablesBackend;
  /** The binary used to detect (and that admins use): rules must go where it looks. */
  iptables: string;
  restore: string;
  save: string;
}

/**
 * Picks the iptables flavour: `iptables --version` prints `(nf_tables)` or
 * `(legacy)` (older builds print neither and are legacy). Mixing the two
 * leaves rules that the other flavour cannot see, so we follow whatever
 * `iptables` on this host uses unless told otherwise, and use the matching
 * `-restore`/`-save` pair when the distribution ships them under both names.
 */
export async function detectIptables(
  runner: CommandRunner,
  wanted: 'auto' | IptablesBackend = 'auto',
): Promise<IptablesTools> {
  let backend: IptablesBackend;
  if (wanted !== 'auto') backend = wanted;
  else {
    const res = await runner.run('iptables', ['--version'], { timeoutMs: 10_000 });
    if (res.code !== 0) throw new Error(`iptables not usable: ${(res.stderr || res.stdout).trim()}`);
    backend = /nf_tables/.test(res.stdout) ? 'nft' : 'legacy';
  }
  const pick = async (specific: string, generic: string) => {
    const res = await runner.run(specific, ['--version'], { timeoutMs: 10_000 });
    return res.code === 0 ? specific : generic;
  };
  return {
    backend,
    iptables: await pick(`iptables-${backend}`, 'iptables'),
    restore: await pick(`iptables-${backend}-restore`, 'iptables-restore'),
    save: await pick(`iptables-${backend}-save`, 'iptables-save'),
  };
}
