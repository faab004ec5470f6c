/**
 * `kubets agent --server URL --token TOKEN`: makes this machine a node of an
 * existing cluster (k3s agent). Progress lines go to stdout like the
 * server's, ending with "node X Ready N ms after launch"; SIGINT/SIGTERM stop
 * it in order (containers keep running, as with k3s; `kubets uninstall`
 * removes them). Every failure to start is one line on stderr: a wrong or
 * expired token, an unreachable server, a server of another cluster, a port
 * or data dir already in use.
 */
import type { Command } from '../cli/command.js';
import { createLogger, parseLevel } from '../lib/log.js';
import { JoinError } from '../node/bootstrap/join-errors.js';
import { agentFlags, compileAgentConfig, type AgentConfig } from './agent-flags.js';
import { startJoinedNode, type JoinedNode } from './agent-node.js';
import { pidFileOf } from './agent-paths.js';
import { acquirePidFile, AlreadyRunningError } from './pid-file.js';

/** One line saying what went wrong and what to do. */
export function explainAgentError(err: unknown, c: AgentConfig): string {
  if (err instanceof JoinError) return err.message;
  if (err instanceof AlreadyRunningError)
    return `another kubets process (pid ${err.pid}) is already running on ${c.dataDir}; stop it first or use another --data-dir`;
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE') {
    const where = e.port !== undefined ? ` ${e.address ?? ''}:${e.port}` : '';
    return `address${where} is already in use: is another kubelet, kube-proxy or kubets node running on this machine? (kubelet port: --kubelet-arg port=N)`;
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM')
    return `permission denied on ${e.path ?? c.dataDir}; run as root or choose a writable --data-dir`;
  const msg = err instanceof Error ? err.message : String(err);
  if (/needs root/.test(msg))
    return 'running a node needs root (containerd, network namespaces, cgroups): run kubets agent as root';
  return msg.split('\n')[0]!;
}

/** Runs the agent until SIGINT/SIGTERM; returns the exit code. */
async function runAgent(
  config: AgentConfig,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  const log = createLogger('kubets-agent', { level: parseLevel(config.logLevel), format: config.logFormat });
  const step = (s: string) => stdout.write(`kubets: ${s}\n`);
  const fail = (err: unknown) => {
    stderr.write(`kubets agent: ${explainAgentError(err, config)}\n`);
    return 1;
  };
  // Signals count from the start: a stop while joining aborts the join and shuts down in order.
  const abort = new AbortController();
  let stopSignal: string | undefined;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (sig: string) => {
      stopSignal ??= sig;
      abort.abort();
      resolveStop();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  let releasePidFile: () => void;
  try {
    releasePidFile = acquirePidFile(pidFileOf(config.dataDir));
  } catch (err) {
    return fail(err);
  }
  let node: JoinedNode;
  try {
    node = await startJoinedNode(config, { progress: step, log, signal: abort.signal });
  } catch (err) {
    releasePidFile();
    if (stopSignal) {
      step(`received ${stopSignal} while starting; stopped`);
      return 0;
    }
    return fail(err);
  }
  const name = config.node.nodeName;
  // performance.now() counts from process start: this is launch -> Ready.
  node.ready.then(
    () => step(`node ${name} Ready ${Math.round(performance.now())} ms after launch`),
    () => undefined,
  );
  await stopped;
  step(`received ${stopSignal}, shutting down`);
  try {
    await node.dispose();
  } finally {
    releasePidFile();
  }
  return 0;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Join this machine to a cluster as a node',
  usage: 'agent --server URL --token TOKEN [flags]',
  flags: agentFlags,
  async run({ flags, stdout, stderr }) {
    const config = compileAgentConfig(flags);
    // The clock's timers are unref'd: while the join only waits and retries, nothing else
    // would keep the process alive, and it would exit 0 mid-join. Held until the agent returns.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      return await runAgent(config, stdout, stderr);
    } finally {
      clearInterval(keepAlive);
    }
  },
};
