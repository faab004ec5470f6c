import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  caPEM: string;
  clientCertPEM?: string;
  clientKeyPEM?: string;
  token?: string;
  clusterName?: string;
  userName?: string;
}

/** A kubeconfig with embedded credentials (kubectl, helm and client-node read it). */
export function renderKubeconfig(o: KubeconfigOptions): string {
  const cluster = o.clusterName ?? 'default';
  const user = o.userName ?? 'default';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const u: Record<string, string> = {};
  if (o.clientCertPEM) u['client-certificate-data'] = b64(o.clientCertPEM);
  if (o.clientKeyPEM) u['client-key-data'] = b64(o.clientKeyPEM);
  if (o.token) u.token = o.token;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: o.server, 'certificate-authority-data': b64(o.caPEM) } }],
    users: [{ name: user, user: u }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    'current-context': cluster,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, o: KubeconfigOptions, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderKubeconfig(o), { mode });
  chmodSync(path, mode);
}
