/**
 * A machine for one `kubets server` made of a network namespace this test
 * creates (DESIGN.md §5): loopback, and one veth whose inside end carries the
 * node IP (the host end stays unaddressed, so nothing is routed between the
 * namespace and the host: pods, services and the node talk only among
 * themselves). The service CIDR gets an `unreachable` route before anything
 * starts, so a missing rule fails inside the namespace; kubets keeps an
 * existing route for that prefix.
 *
 * Commands run in the namespace with `nsenter --net` rather than `ip netns
 * exec`: the latter also gives the command a fresh /sys without the cgroup
 * mounts, where containerd's runc cannot create containers.
 */
import { randomBytes } from 'node:crypto';
import { runProcess, type RunResult } from '../../../src/cmd/testing/server-process.js';

export interface NetnsNodeOptions {
  /** The node's address inside the namespace (a private test address). */
  nodeIP?: string;
  serviceCIDR?: string;
}

export class NetnsNode {
  readonly id: string;
  readonly name: string;
  readonly nodeIP: string;
  readonly serviceCIDR: string;
  private readonly hostVeth: string;
  private created = false;

  private constructor(o: NetnsNodeOptions) {
    this.id = randomBytes(3).toString('hex');
    this.name = `kbtnet-${this.id}`;
    this.hostVeth = `kbtn${this.id}`;
    this.nodeIP = o.nodeIP ?? '192.168.251.2';
    this.serviceCIDR = o.serviceCIDR ?? '10.43.0.0/16';
  }

  /** Creates the namespace; on failure removes what was made and throws. */
  static async create(o: NetnsNodeOptions = {}): Promise<NetnsNode> {
    const n = new NetnsNode(o);
    try {
      await n.setup();
    } catch (err) {
      await n.dispose();
      throw err;
    }
    return n;
  }

  /** `file args` inside the namespace (same mounts and cgroups as this process). */
  nsArgs(file: string, args: readonly string[]): { file: string; args: string[] } {
    return { file: 'nsenter', args: [`--net=/var/run/netns/${this.name}`, '--', file, ...args] };
  }

  run(
    file: string,
    args: readonly string[],
    o: { env?: Record<string, string>; timeoutMs?: number; stdin?: string } = {},
  ): Promise<RunResult> {
    const inv = this.nsArgs(file, args);
    return runProcess(inv.file, inv.args, { timeoutMs: 60_000, ...o });
  }

  async runChecked(file: string, args: readonly string[]): Promise<RunResult> {
    const r = await this.run(file, args);
    if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} (in ${this.name}) -> ${r.code}: ${r.stderr}`);
    return r;
  }

  private async ip(args: string[]): Promise<void> {
    const r = await runProcess('ip', args, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`ip ${args.join(' ')} -> ${r.code}: ${r.stderr}`);
  }

  private async setup(): Promise<void> {
    const ns = this.name;
    await this.ip(['netns', 'add', ns]);
    this.created = true;
    await this.ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    // Safety first: service addresses go nowhere unless a rule (or a local address) catches them.
    await this.ip(['-n', ns, 'route', 'add', 'unreachable', this.serviceCIDR]);
    await this.ip(['link', 'add', this.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await this.ip(['link', 'set', this.hostVeth, 'up']);
    await this.ip(['-n', ns, 'addr', 'add', `${this.nodeIP}/24`, 'dev', 'eth0']);
    await this.ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    // ICMP errors for refused UDP and unreachable routes must not be rate limited into
    // silence, or a refusal and a hang would look alike.
    await this.runChecked('sysctl', ['-qw', 'net.ipv4.icmp_ratelimit=0']);
  }

  /** Deletes the namespace (its end of the veth, and with it the host end). Safe to call twice. */
  async dispose(): Promise<void> {
    await runProcess('ip', ['link', 'del', this.hostVeth], { timeoutMs: 30_000 }).catch(() => undefined);
    if (this.created) {
      await runProcess('ip', ['netns', 'del', this.name], { timeoutMs: 30_000 }).catch(() => undefined);
      this.created = false;
    }
  }
}
