import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Clock, realClock } from '../../../../lib/clock.js';
import { pause } from './pause.js';
import type { Disposable } from '../../../../lib/disposable.js';
import { type Logger, nullLogger } from '../../../../lib/log.js';
import { type ClientTlsPEM, memberHealth } from './health.js';
import { clientEndpoints, joiningInitialCluster, planJoin } from './join-plan.js';
import { initialClusterOf, memberArgs, type MemberConfig } from './member-args.js';
import { type MemberState, readMemberState, writeMemberState } from './member-state.js';
import { EtcdMembership, type MemberInfo } from './membership.js';
import { EtcdSupervisor } from './supervisor.js';

/** PEM file paths of this server's etcd PKI (see apiserver/pki/etcd-pki.ts). */
export interface ManagedEtcdTlsFiles {
  serverCA: string;
  serverCert: string;
  serverKey: string;
  peerCA: string;
  peerCert: string;
  peerKey: string;
  clientCert: string;
  clientKey: string;
}

export interface ManagedEtcdOptions {
  /** `<data-dir>/server/db`: etcd data in `etcd/`, plus the member record, pid file and log. */
  dir: string;
  /** IP other servers reach this member on (client and peer URLs use it). */
  advertiseAddress: string;
  clientPort: number;
  peerPort: number;
  tls: ManagedEtcdTlsFiles;
  /**
   * `init`: first server of a new cluster. `join`: become a member of the
   * cluster whose members are listed (from the server we join through).
   * Ignored once this server is a member: it restarts its member.
   */
  mode: { type: 'init' } | { type: 'join'; members: MemberInfo[] };
  /** `--etcd-arg` passthrough. */
  extraArgs?: string[];
  binary?: string;
  /** How long to wait for the member to become healthy (default 60 s). */
  startTimeoutMs?: number;
  progress?: (step: string) => void;
  clock?: Clock;
  log?: Logger;
}

export interface ManagedEtcd extends Disposable {
  readonly name: string;
  readonly clientURL: string;
  readonly peerURL: string;
  /** Client URLs for the datastore: this member and every other member known at start. */
  readonly endpoints: string[];
  /** Client credentials (PEM) for the datastore and membership calls. */
  readonly clientTls: ClientTlsPEM;
  readonly supervisor: EtcdSupervisor;
  /** The cluster's current members (asked of this member). */
  members(): Promise<MemberInfo[]>;
}

/** A failure the operator has to act on; the message says what to do. */
export class ManagedEtcdError extends Error {
  override name = 'ManagedEtcdError';
}

const hostURL = (ip: string, port: number) => `https://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
const msg = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** `<hostname>-<8 hex>` (k3s' member naming): unique even when servers share a hostname. */
export function newMemberName(): string {
  const host =
    hostname()
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 50) || 'kubets';
  return `${host}-${randomBytes(4).toString('hex')}`;
}

/**
 * Runs this server's etcd member: creates a new cluster (`init`), joins an
 * existing one as a learner that is promoted once in sync (`join` — a learner
 * does not count for quorum, so a join that dies half-way cannot take the
 * cluster down), or restarts the member found in `dir`. Resolves once the
 * member is healthy; the caller owns the result and disposes it to stop etcd.
 */
export async function startManagedEtcd(o: ManagedEtcdOptions): Promise<ManagedEtcd> {
  const clock = o.clock ?? realClock;
  const log = o.log ?? nullLogger;
  const progress = o.progress ?? (() => {});
  const dataDir = join(o.dir, 'etcd');
  const statePath = join(o.dir, 'etcd-member.json');
  const clientURL = hostURL(o.advertiseAddress, o.clientPort);
  const peerURL = hostURL(o.advertiseAddress, o.peerPort);
  const clientTls: ClientTlsPEM = {
    ca: readFileSync(o.tls.serverCA),
    cert: readFileSync(o.tls.clientCert),
    key: readFileSync(o.tls.clientKey),
  };
  const timeoutMs = o.startTimeoutMs ?? 60_000;
  const binary = o.binary ?? '/usr/bin/etcd';
  if (!existsSync(binary)) {
    throw new ManagedEtcdError(`${binary} not found: install etcd (Debian/Ubuntu: apt-get install etcd-server)`);
  }

  let state = readMemberState(statePath);
  const hasData = existsSync(join(dataDir, 'member'));
  if (!state && hasData) {
    throw new ManagedEtcdError(
      `${dataDir} holds etcd data that kubets did not create (no ${statePath}); move it away or use another --data-dir`,
    );
  }
  if (state && (state.clientURL !== clientURL || state.peerURL !== peerURL)) {
    throw new ManagedEtcdError(
      `this server's etcd member ${state.name} was set up with ${state.peerURL} (peer) and ${state.clientURL} (client), ` +
        `but would now use ${peerURL} and ${clientURL}; start it with the same --advertise-address and etcd ports`,
    );
  }
  const restarting = state?.phase === 'member' && hasData;
  if (state?.phase === 'joining' && o.mode.type === 'init') {
    throw new ManagedEtcdError(
      `this server's etcd member ${state.name} never finished joining its cluster; start it again with --server URL --token TOKEN`,
    );
  }
  if (state?.phase === 'member' && !hasData && o.mode.type === 'init') {
    throw new ManagedEtcdError(
      `the data of this server's etcd member ${state.name} is gone (${dataDir}); rejoin with --server URL --token TOKEN ` +
        `(the old member is replaced), or remove ${statePath} to start a new cluster`,
    );
  }
  if (state && !restarting) {
    // A first start or join that never completed: nothing was stored through it, start over.
    log.warn('previous etcd setup did not complete; starting it over', { phase: state.phase });
    rmSync(dataDir, { recursive: true, force: true });
  }
  const name = state?.name ?? newMemberName();
  const base = { name, dataDir, clientURL, peerURL, extraArgs: o.extraArgs };
  const tlsArgs = {
    clientTls: { certFile: o.tls.serverCert, keyFile: o.tls.serverKey, trustedCAFile: o.tls.serverCA },
    peerTls: { certFile: o.tls.peerCert, keyFile: o.tls.peerKey, trustedCAFile: o.tls.peerCA },
  };

  let config: MemberConfig;
  let joinAs: { membership: EtcdMembership; id: string } | undefined;
  if (restarting) {
    progress(`restarting etcd member ${name}`);
    config = {
      ...base,
      ...tlsArgs,
      initialCluster: initialClusterOf([{ name, peerURL }]),
      initialClusterState: 'existing',
    };
  } else if (o.mode.type === 'init') {
    progress(`creating etcd cluster with member ${name}`);
    state = { name, clientURL, peerURL, phase: 'initializing' };
    writeMemberState(statePath, state);
    config = { ...base, ...tlsArgs, initialCluster: initialClusterOf([{ name, peerURL }]), initialClusterState: 'new' };
  } else {
    const urls = [...new Set(o.mode.members.flatMap((m) => m.clientURLs))];
    if (urls.length === 0) throw new ManagedEtcdError('the server we join through reported no etcd client URLs');
    progress(`joining etcd cluster (${urls.join(', ')}) as member ${name}`);
    const membership = new EtcdMembership(urls, clientTls);
    try {
      const { id, members } = await addSelf(membership, { name, peerURL }, clock, timeoutMs, log);
      state = { name, clientURL, peerURL, phase: 'joining' };
      writeMemberState(statePath, state);
      config = {
        ...base,
        ...tlsArgs,
        initialCluster: joiningInitialCluster(members, { name, peerURL }),
        initialClusterState: 'existing',
      };
      joinAs = { membership, id };
    } catch (err) {
      membership.dispose();
      throw err;
    }
  }

  const supervisor = await EtcdSupervisor.start({
    args: memberArgs(config),
    dataDir,
    binary,
    logFile: join(o.dir, 'etcd.log'),
    pidFile: join(o.dir, 'etcd.pid'),
    clock,
    log: log.child('etcd'),
  });
  try {
    if (joinAs) {
      await promote(joinAs.membership, joinAs.id, supervisor, clock, timeoutMs);
      progress(`etcd member ${name} promoted to voting member`);
    }
    await waitHealthy(clientURL, clientTls, supervisor, clock, timeoutMs, restarting);
    if (state && state.phase !== 'member') writeMemberState(statePath, { ...state, phase: 'member' } as MemberState);
  } catch (err) {
    await supervisor.dispose();
    throw err;
  } finally {
    joinAs?.membership.dispose();
  }

  const local = new EtcdMembership([clientURL], clientTls);
  let endpoints = [clientURL];
  try {
    endpoints = clientEndpoints(await local.list(), clientURL);
  } catch (err) {
    log.warn('cannot list etcd members; using the local member only', { err });
  }
  return {
    name,
    clientURL,
    peerURL,
    endpoints,
    clientTls,
    supervisor,
    members: () => local.list(),
    async dispose() {
      local.dispose();
      await supervisor.dispose();
    },
  };
}

/** Removes stale incarnations of this server and adds it as a learner (retrying while another join is in flight). */
async function addSelf(
  membership: EtcdMembership,
  self: { name: string; peerURL: string },
  clock: Clock,
  timeoutMs: number,
  log: Logger,
): Promise<{ id: string; members: MemberInfo[] }> {
  const deadline = clock.monotonic() + timeoutMs;
  let last: unknown;
  while (clock.monotonic() < deadline) {
    try {
      const members = await membership.list();
      const plan = planJoin(members, self);
      for (const m of plan.remove) {
        log.warn('removing an earlier etcd member of this server', { id: m.id, name: m.name, peerURLs: m.peerURLs });
        await membership.remove(m.id);
      }
      if (plan.reuse) return { id: plan.reuse.id, members: await membership.list() };
      const added = await membership.addLearner(self.peerURL);
      return { id: added.member.id, members: added.members };
    } catch (err) {
      last = err;
      // Only one learner at a time (etcd's limit), no leader during an election, a member down: all pass.
      log.info('etcd membership change not possible yet; retrying', { err: msg(err) });
      await pause(1000);
    }
  }
  throw new ManagedEtcdError(`cannot add this server to the etcd cluster: ${msg(last)}`);
}

/** Promotes the learner once it has caught up with the leader (etcd refuses before that). */
async function promote(
  membership: EtcdMembership,
  id: string,
  supervisor: EtcdSupervisor,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  const deadline = clock.monotonic() + timeoutMs;
  let last: unknown;
  while (clock.monotonic() < deadline) {
    failFastOnCrashLoop(supervisor);
    try {
      await membership.promote(id);
      return;
    } catch (err) {
      // etcd's ErrMemberNotLearner (already a voter: promoted by an earlier attempt), not ErrLearnerNotReady.
      if (/can only promote a learner member(?! which)/.test(msg(err))) return;
      last = err;
      await pause(500);
    }
  }
  throw new ManagedEtcdError(
    `etcd member did not catch up with the cluster within ${Math.round(timeoutMs / 1000)} s (${msg(last)}); ` +
      `it stays a non-voting learner, so the cluster is unaffected; ${logHint(supervisor)}, then start kubets again`,
  );
}

/** The last thing etcd logged, on one line, and where the full log is. */
function logHint(supervisor: EtcdSupervisor): string {
  const lastLine = supervisor.tail(2000).split('\n').filter(Boolean).at(-1) ?? '';
  let said = lastLine;
  try {
    const rec = JSON.parse(lastLine) as { msg?: string; error?: string };
    said = [rec.msg, rec.error].filter(Boolean).join(': ');
  } catch {
    // Not JSON (etcd failed before its logger started): keep the raw line.
  }
  return `see ${supervisor.logFile}${said ? ` (last: ${said.slice(0, 300)})` : ''}`;
}

function failFastOnCrashLoop(supervisor: EtcdSupervisor): void {
  if (supervisor.crashes >= 3 && supervisor.pid === undefined) {
    throw new ManagedEtcdError(`etcd keeps exiting; ${logHint(supervisor)}`);
  }
}

async function waitHealthy(
  clientURL: string,
  tls: ClientTlsPEM,
  supervisor: EtcdSupervisor,
  clock: Clock,
  timeoutMs: number,
  restarting: boolean,
): Promise<void> {
  const deadline = clock.monotonic() + timeoutMs;
  let last = '';
  while (clock.monotonic() < deadline) {
    failFastOnCrashLoop(supervisor);
    const h = await memberHealth(clientURL, tls);
    if (h.healthy) return;
    last = h.detail;
    await pause(200);
  }
  const hint = restarting
    ? 'a member needs a majority of the cluster running to be healthy: start the other servers too'
    : logHint(supervisor);
  throw new ManagedEtcdError(
    `etcd member at ${clientURL} not healthy after ${Math.round(timeoutMs / 1000)} s (${last}); ${hint}`,
  );
}
