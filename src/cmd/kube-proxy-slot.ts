/**
 * kube-proxy for a kubets node (server or agent): `--kube-proxy-arg` parsing
 * and the node agent's kube-proxy slot, which first makes sure the service
 * CIDR has a local route (service-route.ts) and then starts the proxy.
 */
import { UsageError } from '../cli/flags.js';
import { startKubeProxy, type KubeProxyOptions } from '../node/kube-proxy/index.js';
import type { KubeProxySlot } from './node-agent.js';
import { ensureServiceCIDRRoute } from './service-route.js';

/** What `--kube-proxy-arg` may set (upstream flag names). */
export type KubeProxyArgs = Pick<
  KubeProxyOptions,
  | 'mode'
  | 'masqueradeAll'
  | 'nodePortAddresses'
  | 'minSyncPeriodMs'
  | 'syncPeriodMs'
  | 'healthzPort'
  | 'healthzBindAddress'
  | 'iptablesBackend'
>;

const modes = ['nftables', 'iptables', 'userspace', 'auto'];

/** Go-style durations as kube-proxy takes them: `1s`, `500ms`, `1m30s`. */
export function parseDurationMs(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  return end === s.length && s.length > 0 ? total : undefined;
}

/** `--kube-proxy-arg key=value` list -> options; unknown keys or bad values are usage errors. */
export function parseKubeProxyArgs(args: readonly string[]): KubeProxyArgs {
  const out: KubeProxyArgs = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    const key = (eq < 0 ? a : a.slice(0, eq)).replace(/^--/, '');
    const value = eq < 0 ? '' : a.slice(eq + 1);
    const bad = (want: string) => new UsageError(`--kube-proxy-arg ${key}=${value}: want ${want}`);
    const duration = () => {
      const ms = parseDurationMs(value);
      if (ms === undefined) throw bad('a duration like 1s or 500ms');
      return ms;
    };
    switch (key) {
      case 'proxy-mode':
        if (!modes.includes(value)) throw bad(modes.join(', '));
        out.mode = value as KubeProxyArgs['mode'];
        break;
      case 'masquerade-all':
        if (!['true', 'false', ''].includes(value)) throw bad('true or false');
        out.masqueradeAll = value !== 'false';
        break;
      case 'nodeport-addresses':
        out.nodePortAddresses = value.split(',').filter(Boolean);
        break;
      case 'min-sync-period':
        out.minSyncPeriodMs = duration();
        break;
      case 'sync-period':
        out.syncPeriodMs = duration();
        break;
      case 'healthz-bind-address': {
        // upstream takes host:port; a bare port or host is accepted too.
        const m = /^(.*?)(?::(\d+))?$/.exec(value)!;
        if (m[1]) out.healthzBindAddress = m[1];
        if (m[2] !== undefined) out.healthzPort = Number(m[2]);
        if (!m[1] && m[2] === undefined) throw bad('HOST:PORT');
        break;
      }
      case 'healthz-port': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0 || n > 65535) throw bad('a port number (0 = off)');
        out.healthzPort = n === 0 ? null : n;
        break;
      }
      case 'iptables-backend':
        if (!['auto', 'nft', 'legacy'].includes(value)) throw bad('auto, nft or legacy');
        out.iptablesBackend = value as KubeProxyArgs['iptablesBackend'];
        break;
      default:
        throw new UsageError(
          `--kube-proxy-arg ${key}: not supported; supported: proxy-mode, masquerade-all, nodeport-addresses, min-sync-period, sync-period, healthz-bind-address, healthz-port, iptables-backend`,
        );
    }
  }
  return out;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * The node agent's kube-proxy: local service-CIDR route first (as root), then
 * the proxy. As root, userspace mode makes service addresses local (on `lo`) so
 * ClusterIPs work there too; `kubets uninstall` removes them if a crash left any.
 */
export function kubeProxySlot(args: KubeProxyArgs = {}): KubeProxySlot {
  return async (ctx) => {
    const route = ctx.serviceCIDR && isRoot() ? ensureServiceCIDRRoute(ctx.serviceCIDR, ctx.nodeIP) : undefined;
    try {
      const proxy = await startKubeProxy({
        ...args,
        rest: ctx.rest,
        nodeName: ctx.nodeName,
        clusterCIDR: ctx.clusterCIDR,
        serviceCIDR: ctx.serviceCIDR,
        nodeIPs: [ctx.nodeIP],
        bindServiceAddresses: isRoot(),
        log: ctx.log,
      });
      return {
        dispose: async () => {
          await proxy.dispose();
          route?.remove();
        },
      };
    } catch (err) {
      route?.remove();
      throw err;
    }
  };
}
