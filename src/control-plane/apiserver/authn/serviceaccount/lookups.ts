import type { Node, Pod, Secret, ServiceAccount } from 'kubernetes-types/core/v1.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * Live-object lookups for issuing and validating ServiceAccount tokens (the
 * apiserver backs them with its caches). Missing objects are `undefined`.
 */
export interface ServiceAccountLookups {
  getServiceAccount(namespace: string, name: string): MaybePromise<ServiceAccount | undefined>;
  getPod(namespace: string, name: string): MaybePromise<Pod | undefined>;
  getSecret(namespace: string, name: string): MaybePromise<Secret | undefined>;
  getNode(name: string): MaybePromise<Node | undefined>;
}
