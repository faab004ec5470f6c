/**
 * `npm run bench -- proxy [--sizes 1000,10000] [--endpoints 5] [--changes 20] [--modes nftables,iptables-nft,iptables-legacy,userspace]`
 *
 * kube-proxy sync cost for N Services x E endpoints (defaults 1,000 and
 * 10,000 x 5), per mode:
 * - kernel modes run inside a throwaway network namespace (never the host's
 *   tables): first full sync (table created), periodic full resync, and one
 *   endpoint change (incremental; p50/p99 over --changes syncs: one pod
 *   replaced, endpoint count unchanged), and one endpoint added or removed
 *   (the count alternates between E and E+1, as in a scale-up or a rolling
 *   update's surge). "generate"
 *   figures are the same syncs against a runner that accepts every script
 *   without running it (rule generation alone), "apply" ones include nft /
 *   iptables-restore.
 * - userspace: Service IPs taken from 127.43.0.0/16 so each port really
 *   listens on loopback: setup (every listener) and one endpoint change.
 * Objects are fed to the proxy core directly (no API server) so only the
 * proxy is measured. Needs root for the kernel modes.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { ChangeTracker } from '../src/node/kube-proxy/change-tracker.js';
import { IptablesProxier } from '../src/node/kube-proxy/iptables/iptables-proxier.js';
import { NftablesProxier } from '../src/node/kube-proxy/nftables/nftables-proxier.js';
import type { Proxier } from '../src/node/kube-proxy/proxier.js';
import type { CommandRunner } from '../src/node/kube-proxy/runner.js';
import { NetnsTopology } from '../src/node/kube-proxy/testing/netns-topology.js';
import type { ProxyNetworkConfig } from '../src/node/kube-proxy/types.js';
import { UserspaceProxier } from '../src/node/kube-proxy/userspace/userspace-proxier.js';
import { BenchReport, summarize } from './lib/report.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const sizes = arg('sizes', '1000,10000').split(',').map(Number);
const endpointsPer = Number(arg('endpoints', '5'));
const changeCount = Number(arg('changes', '20'));
const modes = arg('modes', 'nftables,iptables-nft,iptables-legacy,userspace').split(',');

const config: ProxyNetworkConfig = {
  nodeName: 'bench-node',
  clusterCIDR: '10.42.0.0/16',
  serviceCIDR: '10.43.0.0/16',
  nodePortAddresses: [],
  masqueradeAll: false,
  nodeIPs: [],
};

const ip = (base: string, i: number) => `${base}.${(i >> 8) & 255}.${i & 255}`;

function service(i: number, clusterBase: string): Service {
  return {
    metadata: { namespace: 'bench', name: `svc-${i}` },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip(clusterBase, i + 1),
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  };
}

/**
 * Endpoint IPs are unique per service; `generation` shifts one IP to simulate a pod replaced;
 * `extra` adds endpoints (a scale-up).
 */
function slice(i: number, generation = 0, endpointBase = '10.42', extra = 0): EndpointSlice {
  const endpoints = Array.from({ length: endpointsPer + extra }, (_, j) => {
    const e = (i * endpointsPer + j + (j === 0 ? generation * 7919 : 0)) % 65536;
    return { addresses: [ip(endpointBase, e)], nodeName: 'bench-node', conditions: { ready: true } };
  });
  return {
    metadata: { namespace: 'bench', name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints,
  };
}

/** Accepts every command (generation-only timing); answers listings with empty output. */
const nullRunner: CommandRunner = {
  where: 'null',
  run: async (cmd, args) => {
    if (args.includes('--version')) return { code: 0, stdout: `${cmd} v1.8.9 (nf_tables)`, stderr: '' };
    if (args.includes('-j')) return { code: 0, stdout: '{"nftables": []}', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  },
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

interface Phases {
  first: number;
  full: number;
  changes: number[];
  /** Syncs after one endpoint was added or removed. */
  scales: number[];
}

async function measure(proxier: Proxier, n: number, clusterBase = '10.43', endpointBase = '10.42'): Promise<Phases> {
  const tracker = new ChangeTracker('bench-node');
  for (let i = 0; i < n; i++) {
    tracker.onServiceUpsert(service(i, clusterBase));
    tracker.onSliceUpsert(slice(i, 0, endpointBase));
  }
  const first = await time(() => proxier.sync(tracker.state, tracker.drain(), true));
  const full = await time(() => proxier.sync(tracker.state, tracker.drain(), true));
  const changes: number[] = [];
  for (let k = 1; k <= changeCount; k++) {
    tracker.onSliceUpsert(slice((k * 7919) % n, k, endpointBase));
    changes.push(await time(() => proxier.sync(tracker.state, tracker.drain(), false)));
  }
  const scales: number[] = [];
  for (let k = 1; k <= changeCount; k++) {
    // The same service grows by one endpoint, then shrinks back.
    const i = (((k + 1) >> 1) * 7907) % n;
    tracker.onSliceUpsert(slice(i, 0, endpointBase, k % 2));
    scales.push(await time(() => proxier.sync(tracker.state, tracker.drain(), false)));
  }
  return { first, full, changes, scales };
}

function record(report: BenchReport, prefix: string, p: Phases): void {
  const s = summarize(p.changes);
  report.add(`${prefix} first full sync`, p.first, 'ms');
  report.add(`${prefix} periodic full sync`, p.full, 'ms');
  report.add(`${prefix} one endpoint change p50`, s.p50, 'ms');
  report.add(`${prefix} one endpoint change p99`, s.p99, 'ms');
  const sc = summarize(p.scales);
  report.add(`${prefix} one endpoint added/removed p50`, sc.p50, 'ms');
  report.add(`${prefix} one endpoint added/removed p99`, sc.p99, 'ms');
}

async function kernelMode(report: BenchReport, mode: string, n: number): Promise<void> {
  const make = (runner: CommandRunner): Proxier =>
    mode === 'nftables'
      ? new NftablesProxier({ runner, config })
      : new IptablesProxier({ runner, config, backend: mode === 'iptables-nft' ? 'nft' : 'legacy' });
  const gen = make(nullRunner);
  await gen.init();
  record(report, `${mode} ${n} services generate`, await measure(gen, n));
  const topo = await NetnsTopology.create({ pods: [] });
  try {
    const real = make(topo.runner);
    await real.init();
    const phases = await measure(real, n);
    record(report, `${mode} ${n} services apply`, phases);
    report.add(`${mode} ${n} services rules`, real.stats().rules, 'rules');
    await real.cleanup();
  } finally {
    await topo.dispose();
  }
}

async function userspaceMode(report: BenchReport, n: number): Promise<void> {
  const proxier = new UserspaceProxier({ config });
  try {
    // 127.43.x.y service IPs are local (loopback), so every port gets a real listener.
    const phases = await measure(proxier, n, '127.43', '127.44');
    report.add(`userspace ${n} services setup (all listeners)`, phases.first, 'ms');
    report.add(`userspace ${n} services periodic full sync`, phases.full, 'ms');
    const s = summarize(phases.changes);
    report.add(`userspace ${n} services one endpoint change p50`, s.p50, 'ms');
    report.add(`userspace ${n} services one endpoint change p99`, s.p99, 'ms');
    report.add(`userspace ${n} services listeners`, proxier.stats().rules, 'listeners');
    // `npm run bench` runs node with --expose-gc: collect first so the figure is live data only.
    (globalThis as { gc?: () => void }).gc?.();
    report.add(`userspace ${n} services heap`, process.memoryUsage().heapUsed / 2 ** 20, 'MiB');
  } finally {
    await proxier.cleanup();
  }
}

async function main(): Promise<void> {
  const report = new BenchReport('proxy', { sizes, endpointsPer, changes: changeCount, modes });
  const root = process.getuid?.() === 0;
  for (const n of sizes) {
    for (const mode of modes) {
      if (mode === 'userspace') await userspaceMode(report, n);
      else if (root) await kernelMode(report, mode, n);
      else console.log(`# skipping ${mode}: needs root`);
    }
  }
  console.log(`results: ${report.save()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
