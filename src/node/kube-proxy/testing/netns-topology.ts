import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type CommandRunner, hostRunner, netnsRunner, runChecked } from '../runner.js';
import { agentScripts } from './agents.js';

/**
 * A fake node for e2e tests and benches, built only from network namespaces
 * this process creates (DESIGN.md §5): a "node" namespace with a bridge for
 * pods (10.42.0.1/24) and a link to an "external" client namespace
 * (node 192.168.77.1, client 192.168.77.2). The node has no other link, and
 * an `unreachable` route for the service CIDR is in place before any rule is
 * programmed, so a missing rule fails inside the namespace. Proxy commands
 * run in the node namespace through `runner`.
 */
export interface PodNs {
  name: string;
  ns: string;
  ip: string;
}

export interface ProbeResult {
  /** The backend's reply ("<pod> <client-ip-seen>"), or undefined on error. */
  reply?: string;
  /** Error code: ECONNREFUSED, ECONNRESET, EHOSTUNREACH, TIMEOUT... */
  error?: string;
}

export interface ProbeOptions {
  count?: number;
  proto?: 'tcp' | 'udp';
  /** Per attempt; a "hang" shows up as TIMEOUT. */
  timeoutMs?: number;
  /** UDP only: reuse one socket (same source port) for every attempt. */
  sameSocket?: boolean;
}

export const nodeBridgeIP = '10.42.0.1';
export const nodeExternalIP = '192.168.77.1';
export const externalClientIP = '192.168.77.2';
/** Routed from the external client through the node: externalIPs and LB VIPs for tests live here. */
export const externalIPRange = '192.168.78.0/24';
export const loadBalancerRange = '192.168.79.0/24';

export class NetnsTopology {
  readonly id: string;
  readonly node: string;
  readonly external: string;
  readonly runner: CommandRunner;
  readonly pods = new Map<string, PodNs>();
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ChildProcess>();

  private constructor(id: string) {
    this.id = id;
    this.node = `kp${id}-node`;
    this.external = `kp${id}-ext`;
    this.runner = netnsRunner(this.node);
  }

  /** Creates the node, `pods` (pod i gets 10.42.0.(10+i)) and the external client namespace. */
  static async create(opts: { pods: string[]; serviceCIDR?: string }): Promise<NetnsTopology> {
    const t = new NetnsTopology(randomBytes(3).toString('hex'));
    try {
      await t.setup(opts.pods, opts.serviceCIDR ?? '10.43.0.0/16');
    } catch (err) {
      await t.dispose();
      throw err;
    }
    return t;
  }

  private async ip(args: string[]): Promise<void> {
    await runChecked(hostRunner, 'ip', args);
  }

  private async addNs(name: string): Promise<void> {
    await this.ip(['netns', 'add', name]);
    this.namespaces.push(name);
    await this.ip(['-n', name, 'link', 'set', 'lo', 'up']);
  }

  private async setup(pods: string[], serviceCIDR: string): Promise<void> {
    const n = this.node;
    await this.addNs(n);
    // Safety first: service addresses are unreachable from the node unless a rule catches them.
    await this.ip(['-n', n, 'route', 'add', 'unreachable', serviceCIDR]);
    // Errors from that route must not be rate limited into timeouts, or a refused
    // connection and a hang would look alike.
    await runChecked(this.runner, 'sysctl', ['-w', 'net.ipv4.icmp_ratelimit=0']);
    await this.ip(['-n', n, 'link', 'add', 'kbr0', 'type', 'bridge']);
    await this.ip(['-n', n, 'addr', 'add', `${nodeBridgeIP}/24`, 'dev', 'kbr0']);
    await this.ip(['-n', n, 'link', 'set', 'kbr0', 'up']);
    for (const [i, name] of pods.entries()) {
      const ns = `kp${this.id}-p${i}`;
      const ip = `10.42.0.${10 + i}`;
      await this.addNs(ns);
      await this.ip(['-n', n, 'link', 'add', `vp${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await this.ip(['-n', n, 'link', 'set', `vp${i}`, 'master', 'kbr0', 'up']);
      // As the CNI bridge plugin does (hairpinMode): a pod may reach itself through a Service.
      await this.ip(['-n', n, 'link', 'set', `vp${i}`, 'type', 'bridge_slave', 'hairpin', 'on']);
      await this.ip(['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await this.ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await this.ip(['-n', ns, 'route', 'add', 'default', 'via', nodeBridgeIP]);
      this.pods.set(name, { name, ns, ip });
    }
    const e = this.external;
    await this.addNs(e);
    await this.ip(['-n', n, 'link', 'add', 'vext', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', e]);
    await this.ip(['-n', n, 'addr', 'add', `${nodeExternalIP}/24`, 'dev', 'vext']);
    await this.ip(['-n', n, 'link', 'set', 'vext', 'up']);
    await this.ip(['-n', e, 'addr', 'add', `${externalClientIP}/24`, 'dev', 'eth0']);
    await this.ip(['-n', e, 'link', 'set', 'eth0', 'up']);
    for (const dst of [serviceCIDR, externalIPRange, loadBalancerRange, '10.42.0.0/16']) {
      await this.ip(['-n', e, 'route', 'add', dst, 'via', nodeExternalIP]);
    }
  }

  /** Starts a TCP+UDP backend in pod `name` answering "<name> <client ip>"; resolves once listening. */
  async startBackend(name: string, tcpPort = 8080, udpPort = 8081): Promise<void> {
    const pod = this.pods.get(name)!;
    const child = spawn(
      'ip',
      ['netns', 'exec', pod.ns, process.execPath, '-e', agentScripts.backend, name, String(tcpPort), String(udpPort)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.procs.add(child);
    child.on('exit', () => this.procs.delete(child));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`backend ${name} did not start: ${out}`)), 10_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`backend ${name} exited ${code}: ${out}`));
      });
    });
  }

  /** Runs `count` requests from namespace `ns` to host:port, sequentially, each bounded by timeoutMs. */
  async probe(ns: string, host: string, port: number, opts: ProbeOptions = {}): Promise<ProbeResult[]> {
    const spec = JSON.stringify({
      host,
      port,
      count: opts.count ?? 1,
      proto: opts.proto ?? 'tcp',
      timeoutMs: opts.timeoutMs ?? 2000,
      sameSocket: opts.sameSocket ?? false,
    });
    const res = await runChecked(netnsRunner(ns), process.execPath, ['-e', agentScripts.client, spec], {
      timeoutMs: 120_000,
    });
    return JSON.parse(res.stdout) as ProbeResult[];
  }

  /** Stops backends and deletes every namespace this topology created (and with them all rules). */
  async dispose(): Promise<void> {
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs.clear();
    for (const ns of this.namespaces.reverse()) {
      await hostRunner.run('ip', ['netns', 'del', ns]);
    }
    this.namespaces.length = 0;
  }
}

/** Counts replies per backend name ("pod-a 10.42.0.20" -> "pod-a"). */
export function tally(results: readonly ProbeResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of results) {
    const key = r.reply ? r.reply.split(' ')[0]! : `error:${r.error}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}
