/**
 * The files of a projected volume (upstream `projected.collectData`): the
 * union of its sources — service-account tokens, configMaps, secrets and
 * downward API items — all with the volume's defaultMode unless an item sets
 * its own. Every source is tried; failures are reported together.
 */
import type { ConfigMap, Pod, ProjectedVolumeSource, Secret } from 'kubernetes-types/core/v1.js';
import type { Payload } from '../atomic-writer.js';
import type { ServiceAccountTokenManager } from '../token-manager.js';
import { aggregateMessage, downwardApiPayload } from './downward-api.js';
import { configMapPayload, defaultVolumeMode, secretPayload } from './object-payload.js';

/** Reads ConfigMaps and Secrets; `undefined` means not found, anything else failing throws. */
export interface ObjectSource {
  configMap(namespace: string, name: string, signal?: AbortSignal): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string, signal?: AbortSignal): Promise<Secret | undefined>;
}

/** The kubelet's object caches word a miss with the singular resource name. */
export const configMapNotFound = (name: string) => `configmap ${JSON.stringify(name)} not found`;
export const secretNotFound = (name: string) => `secret ${JSON.stringify(name)} not found`;

/** The API default of a token source's expirationSeconds. */
export const defaultTokenExpirationSeconds = 3600;

export interface ProjectionDeps {
  objects: ObjectSource;
  tokens: ServiceAccountTokenManager;
  nodeAllocatable?: Record<string, string>;
}

export async function projectedPayload(
  pod: Pod,
  source: ProjectedVolumeSource,
  deps: ProjectionDeps,
  signal?: AbortSignal,
): Promise<Payload> {
  const ns = pod.metadata?.namespace ?? '';
  const mode = source.defaultMode ?? defaultVolumeMode;
  const out: Payload = {};
  const errors: string[] = [];
  for (const s of source.sources ?? []) {
    try {
      if (s.secret) {
        const optional = s.secret.optional ?? false;
        const secret = await deps.objects.secret(ns, s.secret.name ?? '', signal);
        if (!secret && !optional) throw new Error(secretNotFound(s.secret.name ?? ''));
        Object.assign(out, secretPayload(secret, { items: s.secret.items, optional }, mode));
      } else if (s.configMap) {
        const optional = s.configMap.optional ?? false;
        const cm = await deps.objects.configMap(ns, s.configMap.name ?? '', signal);
        if (!cm && !optional) throw new Error(configMapNotFound(s.configMap.name ?? ''));
        Object.assign(out, configMapPayload(cm, { items: s.configMap.items, optional }, mode));
      } else if (s.downwardAPI) {
        Object.assign(out, downwardApiPayload(pod, s.downwardAPI.items ?? [], mode, deps.nodeAllocatable));
      } else if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        const token = await deps.tokens.getToken(
          {
            namespace: ns,
            serviceAccount: pod.spec?.serviceAccountName || 'default',
            audiences: t.audience ? [t.audience] : [],
            expirationSeconds: t.expirationSeconds ?? defaultTokenExpirationSeconds,
            pod: { name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
          },
          signal,
        );
        out[t.path] = { data: Buffer.from(token), mode };
      } else if ((s as { clusterTrustBundle?: unknown }).clusterTrustBundle) {
        throw new Error('clusterTrustBundle projections are not supported by this kubelet');
      }
    } catch (err) {
      if (signal?.aborted) throw err;
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(aggregateMessage(errors));
  return out;
}
