/**
 * `kubets sim --nodes N`: hollow nodes (our KWOK/kubemark) for a running
 * cluster. Registers N simulated Nodes through the API with a kubeconfig,
 * keeps their Leases and status heartbeats, and plays the kubelet for pods
 * bound to them, until SIGINT/SIGTERM; then deletes the Nodes and their
 * Leases (unless `--keep`), so the cluster is left as it was (pod GC
 * removes pods still bound to them).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from '../cli/command.js';
import { type FlagSpec, UsageError } from '../cli/flags.js';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { isNotFound } from '../api/errors/status-error.js';
import {
  HttpTransport,
  RestClient,
  defaultUserAgent,
  gvr,
  loadKubeconfig,
  resolveKubeconfig,
  typed,
} from '../client/index.js';
import { startSimNodes, type SimNodes } from '../node/sim/sim-nodes.js';
import { nodeLeaseNamespace } from '../node/sim/node-object.js';
import { createLogger, parseLevel, type Logger } from '../lib/log.js';

export const simFlags: FlagSpec[] = [
  { name: 'nodes', type: 'number', description: 'How many simulated nodes to run', default: 1, placeholder: 'N' },
  {
    name: 'kubeconfig',
    type: 'string',
    description: "Cluster to join (default $KUBECONFIG, else the server's <data-dir>/kubeconfig.yaml)",
    placeholder: 'FILE',
  },
  {
    name: 'data-dir',
    type: 'string',
    description: "The server's data dir (for the default kubeconfig)",
    placeholder: 'DIR',
  },
  { name: 'server', type: 'string', description: "API server URL (overrides the kubeconfig's)", placeholder: 'URL' },
  {
    name: 'name-prefix',
    type: 'string',
    description: 'Node names are <prefix><index>',
    default: 'sim-node-',
    placeholder: 'PREFIX',
  },
  { name: 'keep', type: 'boolean', description: 'Leave the nodes registered on exit' },
  {
    name: 'bind-unscheduled',
    type: 'boolean',
    description: 'Bind unscheduled pods to the simulated nodes (for clusters without a scheduler)',
  },
  {
    name: 'log-level',
    type: 'string',
    description: 'debug, info, warn or error',
    default: 'warn',
    placeholder: 'LEVEL',
  },
];

export interface SimOptions {
  kubeconfig: string;
  server?: string;
  nodes: number;
  namePrefix: string;
  keep: boolean;
  bindUnscheduled: boolean;
  log?: Logger;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Flags -> SimOptions (validated before anything connects). */
export function compileSimOptions(flags: Record<string, unknown>, env = process.env): SimOptions {
  const nodes = Number(flags.nodes ?? 1);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 100_000)
    throw new UsageError(`--nodes takes a whole number between 1 and 100000, not ${String(flags.nodes)}`);
  const prefix = String(flags['name-prefix'] ?? 'sim-node-');
  const nameErrs = isDNS1123Subdomain(`${prefix}${nodes - 1}`);
  if (nameErrs.length > 0) throw new UsageError(`--name-prefix ${JSON.stringify(prefix)}: ${nameErrs.join('; ')}`);
  const dataDir =
    (flags['data-dir'] as string | undefined) ?? (isRoot() ? '/var/lib/kubets' : join(homedir(), '.kubets'));
  const explicit = (flags.kubeconfig as string | undefined) ?? env.KUBECONFIG?.split(':').find(Boolean);
  return {
    kubeconfig: resolve(explicit ?? join(dataDir, 'kubeconfig.yaml')),
    server: flags.server as string | undefined,
    nodes,
    namePrefix: prefix,
    keep: flags.keep === true,
    bindUnscheduled: flags['bind-unscheduled'] === true,
  };
}

function restFrom(o: SimOptions): RestClient {
  const conn = resolveKubeconfig(loadKubeconfig(o.kubeconfig));
  if (o.server) conn.server = o.server;
  const transport = HttpTransport.fromConfig(conn, { userAgent: defaultUserAgent('kubets-sim') });
  // Heartbeats of many nodes: a client budget sized like a fleet of kubelets, not one CLI.
  return new RestClient({ transport, qps: 2000, burst: 4000 });
}

/** Deletes the simulated Nodes and their Leases; already-gone objects are fine. */
async function removeNodes(rest: RestClient, names: readonly string[]): Promise<void> {
  const nodes = typed(rest, gvr('', 'v1', 'nodes'));
  const leases = typed(rest, gvr('coordination.k8s.io', 'v1', 'leases'), nodeLeaseNamespace);
  const ignoreGone = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  let i = 0;
  const lanes = Array.from({ length: Math.min(32, names.length) }, async () => {
    while (i < names.length) {
      const name = names[i++]!;
      await nodes.delete(name).catch(ignoreGone);
      await leases.delete(name).catch(ignoreGone);
    }
  });
  await Promise.all(lanes);
}

/**
 * Runs the simulated nodes until `signal` aborts, then removes them (unless
 * `keep`). `onReady` is called once every node is registered.
 */
export async function runSim(
  o: SimOptions,
  signal: AbortSignal,
  onReady: (sim: SimNodes) => void = () => {},
): Promise<void> {
  const rest = restFrom(o);
  let sim: SimNodes | undefined;
  try {
    sim = await startSimNodes({
      rest,
      count: o.nodes,
      namePrefix: o.namePrefix,
      bindUnscheduled: o.bindUnscheduled,
      log: o.log,
    });
    const names = sim.names;
    if (!signal.aborted) {
      onReady(sim);
      await new Promise<void>((done) => signal.addEventListener('abort', () => done(), { once: true }));
    }
    await sim.dispose();
    if (!o.keep) await removeNodes(rest, names);
  } finally {
    await sim?.dispose();
    await rest.dispose();
  }
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'Run simulated (hollow) nodes against a running cluster',
  usage: 'sim --nodes N [--kubeconfig FILE] [--server URL] [flags]',
  flags: simFlags,
  async run({ flags, stdout, stderr }) {
    const o = compileSimOptions(flags);
    o.log = createLogger('kubets-sim', { level: parseLevel(String(flags['log-level'] ?? 'warn')) });
    const stop = new AbortController();
    let stopSignal: string | undefined;
    const onSignal = (sig: string) => () => {
      stopSignal ??= sig;
      stop.abort();
    };
    const onInt = onSignal('SIGINT');
    const onTerm = onSignal('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    try {
      await runSim(o, stop.signal, (sim) =>
        stdout.write(`kubets sim: ${sim.names.length} nodes registered (${o.namePrefix}0..); Ctrl-C to stop\n`),
      );
      stdout.write(
        `kubets sim: received ${stopSignal ?? 'stop'}; ${o.keep ? 'nodes kept' : `${o.nodes} nodes removed`}\n`,
      );
      return 0;
    } catch (err) {
      stderr.write(`kubets sim: ${(err as Error).message ?? String(err)}\n`);
      return 1;
    } finally {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
  },
};
