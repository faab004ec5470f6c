/**
 * The Kubernetes version kubets implements: what `/version` reports (kubectl's
 * dispatcher picks its client from `minor`), node `kubeletVersion`, and
 * user agents.
 */
export const kubernetesVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4+kubets',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-26T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
} as const;
