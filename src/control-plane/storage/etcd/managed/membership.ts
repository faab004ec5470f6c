import { Etcd3, type IMember, type IOptions } from 'etcd3';
import type { Disposable } from '../../../../lib/disposable.js';
import type { ClientTlsPEM } from './health.js';

/** One etcd cluster member as kubets sees it (an unstarted member has an empty name and no client URLs). */
export interface MemberInfo {
  /** Member ID as etcd prints it (decimal string from the gRPC API). */
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

const toInfo = (m: IMember): MemberInfo => ({
  id: String(m.ID),
  name: m.name ?? '',
  peerURLs: [...(m.peerURLs ?? [])],
  clientURLs: [...(m.clientURLs ?? [])],
  isLearner: !!m.isLearner,
});

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
/** Runs each call once: callers own retries (membership changes must not be repeated blindly). */
const once = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => T | Promise<T>) => fn({ signal: new AbortController().signal }),
} as unknown as Policy;

/**
 * Cluster-membership calls (MemberList/Add/Promote/Remove) against any of
 * `endpoints`, with this server's etcd client certificate. Every call has a
 * deadline so an unreachable member cannot hang a join.
 */
export class EtcdMembership implements Disposable {
  private readonly client: Etcd3;

  constructor(
    endpoints: string[],
    tls: ClientTlsPEM,
    private readonly callTimeoutMs = 5000,
  ) {
    this.client = new Etcd3({
      hosts: endpoints,
      dialTimeout: callTimeoutMs,
      credentials: {
        rootCertificate: Buffer.from(tls.ca),
        privateKey: Buffer.from(tls.key),
        certChain: Buffer.from(tls.cert),
      },
      faultHandling: { global: once, host: () => once },
    });
  }

  private opts() {
    return { deadline: Date.now() + this.callTimeoutMs };
  }

  async list(): Promise<MemberInfo[]> {
    const res = await this.client.cluster.memberList({ linearizable: true }, this.opts());
    return res.members.map(toInfo);
  }

  /** Adds a non-voting member (it cannot cost the cluster its quorum until promoted). */
  async addLearner(peerURL: string): Promise<{ member: MemberInfo; members: MemberInfo[] }> {
    const res = await this.client.cluster.memberAdd({ peerURLs: [peerURL], isLearner: true }, this.opts());
    return { member: toInfo(res.member), members: res.members.map(toInfo) };
  }

  /** Fails (retryably) while the learner is still catching up with the leader. */
  async promote(id: string): Promise<void> {
    await this.client.cluster.memberPromote({ ID: id }, this.opts());
  }

  async remove(id: string): Promise<void> {
    await this.client.cluster.memberRemove({ ID: id }, this.opts());
  }

  dispose(): void {
    this.client.close();
  }
}
