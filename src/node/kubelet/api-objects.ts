/**
 * Reads of ConfigMaps and Secrets for container environments. A kubelet may
 * only GET the objects its pods reference (the Node authorizer checks the
 * graph), so there is no cluster-wide watch: each is fetched on use and kept
 * for a short TTL, which bounds API traffic when many containers start at once.
 */
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/errors/status-error.js';
import { gvr, typed, type RestClient } from '../../client/index.js';
import type { Clock } from '../../lib/clock.js';
import type { ObjectSource } from './container-config/env.js';

interface Cached<T> {
  at: number;
  value: Promise<T | undefined>;
}

export class ApiObjectSource implements ObjectSource {
  private readonly cache = new Map<string, Cached<ConfigMap | Secret>>();

  constructor(
    private readonly rest: RestClient,
    private readonly clock: Clock,
    private readonly ttlMs = 1000,
  ) {}

  private get<T extends ConfigMap | Secret>(
    resource: 'configmaps' | 'secrets',
    ns: string,
    name: string,
  ): Promise<T | undefined> {
    const key = `${resource}/${ns}/${name}`;
    const now = this.clock.monotonic();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T | undefined>;
    const value = typed<T>(this.rest, gvr('', 'v1', resource), ns)
      .get(name)
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        this.cache.delete(key);
        throw err;
      });
    this.cache.set(key, { at: now, value });
    if (this.cache.size > 1000) for (const [k, v] of this.cache) if (now - v.at >= this.ttlMs) this.cache.delete(k);
    return value;
  }

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.get<ConfigMap>('configmaps', namespace, name);
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.get<Secret>('secrets', namespace, name);
  }
}
