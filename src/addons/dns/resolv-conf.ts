/**
 * The node's upstream resolvers, read from resolv.conf the way kubelet and
 * CoreDNS (`forward . /etc/resolv.conf`) read it. When the file only points at
 * a local stub (systemd-resolved's 127.0.0.53), the stub's own upstream list
 * (/run/systemd/resolve/resolv.conf) is used instead, as kubelet and k3s do:
 * a stub on the host's loopback is unreachable from pods and would loop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { canonicalIP } from './names.js';
import { type HostPort, parseHostPort } from './exchange.js';

export const systemdResolvedConf = '/run/systemd/resolve/resolv.conf';

/** The `nameserver` addresses of a resolv.conf text (scoped IPv6 `%iface` suffixes dropped). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const ip = canonicalIP(m[1]!.replace(/%.*$/, ''));
    if (ip) out.push(ip);
  }
  return out;
}

/** Whether upstream `u` is listener `e` (a wildcard listener is every local address). */
function sameServer(e: HostPort, u: HostPort): boolean {
  if (e.port !== u.port) return false;
  const host = canonicalIP(e.host);
  if (host !== '0.0.0.0' && host !== '::') return host === u.host;
  if (isLocalStub(u.host)) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => canonicalIP(a.address) === u.host));
}

function isLocalStub(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

export interface DefaultUpstreamOptions {
  /** Our own listen addresses: forwarding to ourselves would loop. */
  exclude?: HostPort[];
  /** Default /etc/resolv.conf. */
  path?: string;
  /** The stub's upstream list, read when `path` names only loopback stubs (default systemd-resolved's). */
  stubUpstreamPath?: string;
}

/** The upstream resolvers of this node (see the file comment). */
export function defaultUpstreams(o: DefaultUpstreamOptions = {}): HostPort[] {
  const path = o.path ?? '/etc/resolv.conf';
  const stubPath = o.stubUpstreamPath ?? systemdResolvedConf;
  let servers = existsSync(path) ? parseResolvConf(readFileSync(path, 'utf8')) : [];
  if (servers.length > 0 && servers.every(isLocalStub) && existsSync(stubPath)) {
    servers = parseResolvConf(readFileSync(stubPath, 'utf8'));
  }
  const exclude = o.exclude ?? [];
  return servers.map((s) => parseHostPort(s)).filter((u) => !exclude.some((e) => sameServer(e, u)));
}
