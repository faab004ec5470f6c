/** PEM file paths one side of an etcd member's TLS uses. */
export interface MemberTlsFiles {
  certFile: string;
  keyFile: string;
  /** CA the other side's certificate must chain to (client certificates are required). */
  trustedCAFile: string;
}

/** One etcd member as kubets runs it: always TLS on both client and peer URLs. */
export interface MemberConfig {
  name: string;
  /** etcd's `--data-dir` (holds `member/` once the member has started). */
  dataDir: string;
  /** Listened on and advertised to clients, e.g. `https://10.0.0.1:2379`. */
  clientURL: string;
  /** Listened on and advertised to peers, e.g. `https://10.0.0.1:2380`. */
  peerURL: string;
  clientTls: MemberTlsFiles;
  peerTls: MemberTlsFiles;
  /** `name=peerURL,...` — every member of the cluster including this one (only read on first start). */
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  /** `--etcd-arg` passthrough (k3s form `key=value`; a leading `--` is optional), appended last. */
  extraArgs?: string[];
}

/** Identifies every cluster kubets creates (etcd uses it only to tell clusters apart on first start). */
export const initialClusterToken = 'kubets-etcd-cluster';

/**
 * The etcd (v3.4/v3.5) command line for a member. Choices and reasons:
 * - mutual TLS on client and peer URLs (`--client-cert-auth`, `--peer-client-cert-auth`);
 * - `--max-request-bytes` 2 MiB so 1.5 MiB Kubernetes objects fit in a transaction;
 * - watch progress notifications every 5 s (k3s' value; watches learn the current revision while idle);
 * - `--pre-vote`, so a member that was cut off and comes back does not force a new election;
 * - `--snapshot-count` 10000 (k3s' value) to bound the WAL a restarted member replays.
 */
export function memberArgs(c: MemberConfig): string[] {
  return [
    `--name=${c.name}`,
    `--data-dir=${c.dataDir}`,
    `--listen-client-urls=${c.clientURL}`,
    `--advertise-client-urls=${c.clientURL}`,
    `--listen-peer-urls=${c.peerURL}`,
    `--initial-advertise-peer-urls=${c.peerURL}`,
    `--initial-cluster=${c.initialCluster}`,
    `--initial-cluster-state=${c.initialClusterState}`,
    `--initial-cluster-token=${initialClusterToken}`,
    `--cert-file=${c.clientTls.certFile}`,
    `--key-file=${c.clientTls.keyFile}`,
    `--trusted-ca-file=${c.clientTls.trustedCAFile}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${c.peerTls.certFile}`,
    `--peer-key-file=${c.peerTls.keyFile}`,
    `--peer-trusted-ca-file=${c.peerTls.trustedCAFile}`,
    '--peer-client-cert-auth=true',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
    `--max-request-bytes=${2 * 1024 * 1024}`,
    '--experimental-watch-progress-notify-interval=1s',
    '--pre-vote=true',
    '--snapshot-count=10000',
    ...(c.extraArgs ?? []).map((a) => (a.startsWith('-') ? a : `--${a}`)),
  ];
}

/** `name=peerURL` pairs for `--initial-cluster`, in the given order. */
export function initialClusterOf(members: { name: string; peerURL: string }[]): string {
  return members.map((m) => `${m.name}=${m.peerURL}`).join(',');
}
