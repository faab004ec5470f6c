// A private LAN of network namespaces for multi-node e2e tests (DESIGN.md §5):
// a "switch" namespace holds a bridge, and each machine namespace is plugged
// into it with a veth pair, addressed from 192.168.250.0/24. Nothing is
// created in the host's own namespace, so the host's routes never change and
// no packet can leave the machine. Before anything runs in a machine, its
// service CIDR and the cluster's pod CIDR get `unreachable` routes: a missing
// rule or pod route fails inside the namespace instead of going anywhere.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const lanPrefix = '192.168.250';

export interface LanMachine {
  /** The network namespace (`ip netns exec <ns> ...`). */
  ns: string;
  ip: string;
}

export interface NetnsLan {
  readonly id: string;
  readonly machines: LanMachine[];
  /** Deletes every namespace (with their links and routes); safe to call twice. */
  dispose(): Promise<void>;
}

async function ip(args: string[]): Promise<void> {
  try {
    await exec('ip', args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Creates `count` machines on one LAN; machine i (0-based) gets 192.168.250.(i+1). */
export async function createNetnsLan(id: string, count: number, o: { unreachable?: string[] } = {}): Promise<NetnsLan> {
  const sw = `kmn${id}-sw`;
  const created: string[] = [];
  const machines: LanMachine[] = [];
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    for (const ns of created.reverse()) await exec('ip', ['netns', 'del', ns]).catch(() => undefined);
  };
  try {
    await ip(['netns', 'add', sw]);
    created.push(sw);
    await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < count; i++) {
      const ns = `kmn${id}-n${i + 1}`;
      const addr = `${lanPrefix}.${i + 1}`;
      await ip(['netns', 'add', ns]);
      created.push(ns);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      // Safety first: these ranges fail locally until a kube-proxy rule or pod route claims them.
      for (const cidr of o.unreachable ?? []) await ip(['-n', ns, 'route', 'add', 'unreachable', cidr]);
      await ip(['-n', sw, 'link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['-n', sw, 'link', 'set', `p${i + 1}`, 'master', 'br0', 'up']);
      await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      machines.push({ ns, ip: addr });
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { id, machines, dispose };
}

/**
 * `<cmd...>` run in network namespace `ns` only, as an argv for spawn. Not
 * `ip netns exec`: that also gives the command a mount namespace with a fresh
 * /sys, which hides the cgroup mounts under /sys/fs/cgroup, so runc cannot
 * create containers ("no cgroup mount found in mountinfo"). nsenter execs in
 * place, so the child's PID is the command's own.
 */
export function inNetns(ns: string, file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: 'nsenter', args: [`--net=/run/netns/${ns}`, '--', file, ...args] };
}
