import type { ControlPlaneConfig } from './control-plane.js';

/** What listens on a port `kubets server` opens, and how to get out of a clash. */
interface PortOwner {
  what: string;
  fix: string;
}

/**
 * The ports a server binds, by number. The API and etcd ports come from the
 * config; the others are the defaults (kubelet 10250/10248, kube-proxy 10256,
 * cluster DNS 53 as root else 1053 and its metrics 9153, controller-manager
 * 10257, scheduler 10259). The API server's
 * entry wins when a flag moved it onto another component's port.
 */
function portOwners(config: ControlPlaneConfig): Map<number, PortOwner> {
  const m = new Map<number, PortOwner>();
  const add = (port: number, owner: PortOwner) => {
    if (!m.has(port)) m.set(port, owner);
  };
  add(config.httpsPort, {
    what: 'the API server',
    fix: 'stop whatever listens there or pick another with --https-listen-port',
  });
  const otherKubelet = 'is another kubelet (kubets, k3s, kubeadm) running on this machine?';
  add(10250, {
    what: 'the kubelet',
    fix: `${otherKubelet} stop it, move this one with --kubelet-arg port=N, or run without a node (--disable-agent)`,
  });
  add(10248, {
    what: "the kubelet's healthz",
    fix: `${otherKubelet} stop it, or run without a node (--disable-agent)`,
  });
  add(10256, {
    what: "kube-proxy's healthz",
    fix: 'is another kube-proxy running on this machine? stop it, move this one with --kube-proxy-arg healthz-port=N, or use --disable-kube-proxy',
  });
  const dnsFix = (port: number) =>
    `another DNS server (dnsmasq, systemd-resolved, bind) listens on ${port} of the node address; stop it or turn cluster DNS off with --disable coredns`;
  add(53, { what: 'cluster DNS', fix: dnsFix(53) });
  add(1053, { what: 'cluster DNS', fix: dnsFix(1053) });
  add(9153, {
    what: "cluster DNS's metrics",
    fix: 'is CoreDNS or another kubets running here? stop it or turn cluster DNS off with --disable coredns',
  });
  // Only an explicit secure-port fails on a clash (a defaulted one is skipped), so the fix is that flag.
  add(10257, {
    what: "the controller-manager's secure port",
    fix: 'stop whatever listens there or pick another with --kube-controller-manager-arg secure-port=N',
  });
  add(10259, {
    what: "the scheduler's secure port",
    fix: 'stop whatever listens there or pick another with --kube-scheduler-arg secure-port=N',
  });
  const etcd = (flag: string): PortOwner => ({
    what: 'the managed etcd',
    fix: `is another etcd (or k3s server) running on this machine? stop it or pick another port with ${flag} (the same on every restart)`,
  });
  add(config.ha?.etcdClientPort ?? 2379, etcd('--etcd-client-port'));
  add(config.ha?.etcdPeerPort ?? 2380, etcd('--etcd-peer-port'));
  return m;
}

type NetError = NodeJS.ErrnoException & { port?: number; address?: string };

/** The error itself or the first of its causes that carries an errno code. */
function errnoOf(err: unknown): NetError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (typeof (e as NetError).code === 'string' && /^E[A-Z]+$/.test((e as NetError).code!)) return e as NetError;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The address a failed bind named: Node's `address`/`port` fields, else the
 * `host:port` in the message (Node: "listen EADDRINUSE: address already in
 * use 0.0.0.0:6443"; etcd's log line: "listen tcp 10.0.0.1:2379: bind:
 * address already in use").
 */
function boundAddress(e: { message?: string; port?: number; address?: string }): { host?: string; port?: number } {
  if (typeof e.port === 'number') return { host: e.address, port: e.port };
  // The last host:port of the message (no digits after it), e.g. `0.0.0.0:6443`, `:::6443`.
  const m = /(\S*):(\d{1,5})(?=\D*$)/.exec(String(e.message ?? ''));
  return m ? { host: m[1] || undefined, port: Number(m[2]) } : {};
}

/** One line saying what went wrong at startup and what to do about it. */
export function explainStartupError(err: unknown, config: ControlPlaneConfig): string {
  const e = errnoOf(err);
  const msg = err instanceof Error ? err.message : String(err);
  // etcd runs as a child process: its bind failures arrive as text, not as an errno.
  const inUse = e?.code === 'EADDRINUSE' || /address already in use/i.test(msg);
  if (inUse) {
    const { host, port } = boundAddress(e?.code === 'EADDRINUSE' ? e : { message: msg });
    if (port === undefined) {
      return `port ${config.httpsPort} on ${config.bindAddress} is already in use; stop whatever listens there or pick another with --https-listen-port`;
    }
    const owner = portOwners(config).get(port);
    const where = `port ${port}${host ? ` on ${host}` : port === config.httpsPort ? ` on ${config.bindAddress}` : ''}`;
    if (!owner) return `${where} is already in use; stop whatever listens there`;
    return `${where} (${owner.what}) is already in use; ${owner.fix}`;
  }
  if (e?.code === 'EACCES' && /listen|bind/.test(String(e.message))) {
    const { port = config.httpsPort } = boundAddress(e);
    const owner = portOwners(config).get(port);
    return `not allowed to listen on port ${port}${owner ? ` (${owner.what})` : ''}; use a port above 1024 or run as root`;
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return `permission denied on ${e.path ?? config.dataDir}; run as root or choose a writable --data-dir`;
  }
  return msg;
}
