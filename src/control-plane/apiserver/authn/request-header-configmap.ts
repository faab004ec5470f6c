import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { systemContext } from '../bootstrap.js';
import type { ApiServerCore } from '../api-server-core.js';
import type { KubeObject } from '../watch-cache/types.js';
import type { RequestHeaderConfig } from './request-header.js';

/**
 * The `kube-system/extension-apiserver-authentication` ConfigMap (upstream
 * ClusterAuthenticationTrustController): what aggregated API servers read to
 * trust kube-apiserver's client CA and its front-proxy requests. List values
 * are JSON arrays, as upstream writes them. CA bundles are merged with what is
 * already published (another server of an HA cluster may have other CAs),
 * without duplicates, this server's first.
 */
export const extensionAuthConfigMapName = 'extension-apiserver-authentication';

export function extensionAuthData(clientCAPEM: string, rh: RequestHeaderConfig): Record<string, string> {
  return {
    'client-ca-file': clientCAPEM,
    'requestheader-client-ca-file': rh.clientCAPEM,
    'requestheader-allowed-names': JSON.stringify(rh.allowedNames),
    'requestheader-username-headers': JSON.stringify(rh.usernameHeaders),
    'requestheader-group-headers': JSON.stringify(rh.groupHeaders),
    'requestheader-extra-headers-prefix': JSON.stringify(rh.extraHeaderPrefixes),
  };
}

const pemBlocks = (s: string | undefined) =>
  (s ?? '').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];

/** Ours first, then every other certificate already present; one trailing newline per certificate. */
export function mergeCABundles(ours: string, existing: string | undefined): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const b of [...pemBlocks(ours), ...pemBlocks(existing)]) {
    const k = b.replace(/\s+/g, '');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(`${b}\n`);
  }
  return out.join('');
}

/** Creates or updates the ConfigMap (idempotent: an unchanged ConfigMap is not rewritten). */
export async function publishExtensionAuthentication(
  server: ApiServerCore,
  clientCAPEM: string,
  rh: RequestHeaderConfig,
): Promise<ConfigMap> {
  const r = server.resource('', 'v1', 'configmaps');
  if (!r) throw new Error('configmaps are not served');
  const wanted = extensionAuthData(clientCAPEM, rh);
  const { object } = await r.store.update(
    systemContext(),
    'kube-system',
    extensionAuthConfigMapName,
    (cur) => {
      const current = cur as unknown as ConfigMap | undefined;
      const data = { ...(current?.data ?? {}), ...wanted };
      for (const k of ['client-ca-file', 'requestheader-client-ca-file'])
        data[k] = mergeCABundles(wanted[k]!, current?.data?.[k]);
      const next: ConfigMap = current
        ? { ...structuredClone(current), data }
        : {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: extensionAuthConfigMapName, namespace: 'kube-system' },
            data,
          };
      return next as unknown as KubeObject;
    },
    { forceAllowCreate: true },
  );
  return object as unknown as ConfigMap;
}
