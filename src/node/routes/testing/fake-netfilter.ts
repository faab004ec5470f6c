/**
 * A fake of the netfilter tools the pod masquerade uses, for unit tests: it
 * keeps an `ip` nftables table per name (the script body as its listing) and
 * the iptables nat table as iptables-save lines, applies `nft -f -` and
 * `iptables-restore --noflush` input all-or-nothing, and records every
 * command. Only the commands and restore lines pod-masquerade.ts sends are
 * understood; anything else fails loudly.
 */
import type { MasqueradeRunner } from '../pod-masquerade.js';

type Result = { code: number; stdout: string; stderr: string };

const ok = (stdout = ''): Result => ({ code: 0, stdout, stderr: '' });
const fail = (stderr: string, code = 1): Result => ({ code, stdout: '', stderr });

export class FakeNetfilter implements MasqueradeRunner {
  readonly where = 'fake';
  /** nftables `ip` tables: name -> listing. */
  readonly nftTables = new Map<string, string>();
  /** nat chains -> rules (`-A` lines without the `-A CHAIN ` prefix); built-in chains included. */
  readonly nat = new Map<string, string[]>([['POSTROUTING', []]]);
  /** Commands run, as `cmd args...`. */
  readonly calls: string[] = [];
  /** Make every nft command fail as if nft were not installed. */
  nftMissing = false;
  /** Make every command fail with this error (a wedged or broken host). */
  brokenWith: string | undefined;

  async run(cmd: string, args: readonly string[], opts: { input?: string } = {}): Promise<Result> {
    this.calls.push([cmd, ...args].join(' '));
    if (this.brokenWith) return fail(this.brokenWith);
    if (cmd === 'nft') return this.nft(args, opts.input ?? '');
    if (cmd === 'iptables-save') return ok(this.save());
    if (cmd === 'iptables-restore') return this.restore(opts.input ?? '');
    return fail(`${cmd}: not faked`, -1);
  }

  /** The nat table as iptables-save prints it. */
  save(): string {
    const lines = ['*nat'];
    for (const c of this.nat.keys()) lines.push(c === 'POSTROUTING' ? ':POSTROUTING ACCEPT [0:0]' : `:${c} - [0:0]`);
    for (const [c, rules] of this.nat) for (const r of rules) lines.push(`-A ${c} ${r}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  }

  private nft(args: readonly string[], input: string): Result {
    if (this.nftMissing) return fail('spawn nft ENOENT', -1);
    const a = args.join(' ');
    if (a === '--version') return ok('nftables v1.0.6\n');
    let m = /^list table ip (\S+)$/.exec(a);
    if (m) {
      const t = this.nftTables.get(m[1]!);
      return t === undefined ? fail(`Error: No such file or directory\nlist table ip ${m[1]}`) : ok(t);
    }
    m = /^delete table ip (\S+)$/.exec(a);
    if (m) return this.nftTables.delete(m[1]!) ? ok() : fail('Error: No such file or directory');
    if (a !== '-f -') return fail(`nft ${a}: not faked`);
    const next = new Map(this.nftTables);
    const lines = input.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      if ((m = /^add table ip (\S+)$/.exec(line))) next.set(m[1]!, next.get(m[1]!) ?? '');
      else if ((m = /^delete table ip (\S+)$/.exec(line))) {
        if (!next.delete(m[1]!)) return fail('Error: No such file or directory');
      } else if ((m = /^table ip (\S+) \{$/.exec(line))) {
        const end = lines.indexOf('}', i);
        if (end < 0) return fail('Error: syntax error, unexpected end of file');
        next.set(m[1]!, `${lines.slice(i, end + 1).join('\n')}\n`);
        i = end;
      } else return fail(`Error: syntax error: ${line}`);
    }
    this.nftTables.clear();
    for (const [k, v] of next) this.nftTables.set(k, v);
    return ok();
  }

  private restore(input: string): Result {
    const next = new Map([...this.nat].map(([c, r]) => [c, [...r]]));
    for (const line of input.split('\n')) {
      if (line === '' || line === '*nat' || line === 'COMMIT') continue;
      let m = /^:(\S+) - \[0:0\]$/.exec(line);
      if (m) {
        next.set(m[1]!, []);
        continue;
      }
      m = /^-([ADX]) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return fail(`iptables-restore: line not understood: ${line}`, 2);
      const [, op, chain, rule] = m as unknown as [string, string, string, string | undefined];
      const rules = next.get(chain!);
      if (!rules) return fail(`iptables-restore: Couldn't load target/chain \`${chain}'`, 2);
      if (op === 'A') {
        const target = / -j (\S+)$/.exec(` ${rule ?? ''}`)?.[1];
        if (target && /^[A-Z-]+$/.test(target) && target.includes('-') && !next.has(target)) {
          return fail(`iptables-restore: Couldn't load target \`${target}'`, 2);
        }
        rules.push(rule ?? '');
      } else if (op === 'D') {
        const i = rules.indexOf(rule ?? '');
        if (i < 0) return fail('iptables-restore: Bad rule (does a matching rule exist in that chain?)', 2);
        rules.splice(i, 1);
      } else {
        const referenced = [...next.values()].some((rs) => rs.some((r) => r.endsWith(`-j ${chain}`)));
        if (referenced || rules.length > 0) return fail('iptables-restore: Device or resource busy', 2);
        next.delete(chain!);
      }
    }
    this.nat.clear();
    for (const [k, v] of next) this.nat.set(k, v);
    return ok();
  }
}
