import type { MemberInfo } from './membership.js';

export interface JoinSelf {
  name: string;
  peerURL: string;
}

/** What a server without local etcd data must do to the membership before starting its member. */
export interface JoinPlan {
  /** Members that are earlier incarnations of this server (same peer URL or name): remove first. */
  remove: MemberInfo[];
  /** A member already added for this peer URL that never started: start as it instead of adding another. */
  reuse?: MemberInfo;
}

/**
 * Decides how to join, given the current membership (k3s does the same):
 * - a never-started member with our peer URL is a previous join attempt that
 *   died before etcd ran: reuse it (adding again would fail, the URL is taken);
 * - a started member with our peer URL or our name is this server before it
 *   lost its etcd data: it can never come back with that identity, so remove it
 *   and join afresh.
 */
export function planJoin(members: MemberInfo[], self: JoinSelf): JoinPlan {
  const plan: JoinPlan = { remove: [] };
  for (const m of members) {
    const samePeer = m.peerURLs.includes(self.peerURL);
    if (samePeer && m.name === '' && !plan.reuse) plan.reuse = m;
    else if (samePeer || m.name === self.name) plan.remove.push(m);
  }
  return plan;
}

/**
 * `--initial-cluster` for a member joining an existing cluster: every member
 * with each of its peer URLs, ours under our name. etcd matches members by peer
 * URL only (names of others are informational), but the count must be exact,
 * so members that never started still need an entry: they get a placeholder name.
 */
export function joiningInitialCluster(members: MemberInfo[], self: JoinSelf): string {
  const pairs: string[] = [];
  for (const m of members) {
    const ours = m.peerURLs.includes(self.peerURL);
    const name = ours ? self.name : m.name || `unstarted-${m.id}`;
    for (const u of m.peerURLs) pairs.push(`${name}=${u}`);
  }
  if (!members.some((m) => m.peerURLs.includes(self.peerURL))) pairs.push(`${self.name}=${self.peerURL}`);
  return pairs.join(',');
}

/** Client URLs to reach the cluster: ours (even before the member list shows it), then every other started member's. */
export function clientEndpoints(members: MemberInfo[], ownClientURL: string): string[] {
  const rest = members.flatMap((m) => m.clientURLs).filter((u) => u !== ownClientURL);
  return [ownClientURL, ...new Set(rest)];
}
