/**
 * What the deployer remembers about each manifest file, kept in the cluster
 * (so it survives restarts and is visible to `kubectl`): a ConfigMap
 * `kube-system/kubets-addon-<file>` holding the file name, the checksum of the
 * content last applied in full, and every object the file applied. When the
 * file goes away (or its addon is disabled) those objects are deleted; when
 * it changes, the objects it no longer contains are.
 */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { createHash } from 'node:crypto';
import { isNotFound } from '../../api/errors/status-error.js';
import { ResourceClient, type KubeObject } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { refKey, type ObjectRef } from './manifest-file.js';

export const recordNamespace = 'kube-system';
export const recordLabel = 'kubets.io/addon-manifest';
/** Which server's deployer wrote the record: a server only removes objects of records it wrote. */
export const recordSourceAnnotation = 'kubets.io/addon-source';
const prefix = 'kubets-addon-';

export interface AddonRecord {
  file: string;
  /** Checksum of the content last applied completely; empty while the file has never applied cleanly. */
  checksum: string;
  /** Objects applied from the file, namespaces resolved, in apply order. */
  objects: ObjectRef[];
  source?: string;
  /** The ConfigMap's name. */
  name: string;
}

/**
 * The record's name for a file: `kubets-addon-<file>` lowercased with
 * anything outside [a-z0-9.-] replaced; when that changed the name (or it
 * had to be shortened) a hash of the real name keeps distinct files apart.
 */
export function recordName(file: string): string {
  // Each dot-separated label must start and end with [a-z0-9].
  const clean = file
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map((label) => label.replace(/^-+|-+$/g, ''))
    .filter(Boolean)
    .join('.');
  const plain = `${prefix}${clean}`;
  if (clean === file && plain.length <= 253) return plain;
  const hash = createHash('sha256').update(file).digest('hex').slice(0, 8);
  return `${plain.slice(0, 253 - 9).replace(/[^a-z0-9]+$/, '')}-${hash}`;
}

/** Objects of `previous` that `current` no longer has, in reverse apply order (dependents first). */
export function staleObjects(previous: readonly ObjectRef[], current: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(current.map(refKey));
  return previous.filter((r) => !keep.has(refKey(r))).reverse();
}

/** `a` followed by the objects of `b` it does not have. */
export function unionObjects(a: readonly ObjectRef[], b: readonly ObjectRef[]): ObjectRef[] {
  const seen = new Set(a.map(refKey));
  return [...a, ...b.filter((r) => !seen.has(refKey(r)) && seen.add(refKey(r)))];
}

function isRef(v: unknown): v is ObjectRef {
  const r = v as Partial<ObjectRef> | null;
  return (
    !!r &&
    typeof r.apiVersion === 'string' &&
    typeof r.kind === 'string' &&
    typeof r.name === 'string' &&
    (r.namespace === undefined || typeof r.namespace === 'string')
  );
}

/** A record from its ConfigMap; undefined when it is not one (a user's edit broke it). */
export function recordFromConfigMap(cm: ConfigMap): AddonRecord | undefined {
  const file = cm.data?.file;
  if (!file || !cm.metadata?.name) return undefined;
  let objects: unknown;
  try {
    objects = JSON.parse(cm.data?.objects ?? '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(objects) || !objects.every(isRef)) return undefined;
  const source = cm.metadata.annotations?.[recordSourceAnnotation];
  return { file, checksum: cm.data?.checksum ?? '', objects, name: cm.metadata.name, ...(source ? { source } : {}) };
}

export function recordConfigMap(r: Omit<AddonRecord, 'name'>): ConfigMap & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(r.file),
      namespace: recordNamespace,
      labels: { [recordLabel]: 'true' },
      ...(r.source ? { annotations: { [recordSourceAnnotation]: r.source } } : {}),
    },
    data: { file: r.file, checksum: r.checksum, objects: JSON.stringify(r.objects) },
  };
}

/** Reads and writes the records (server-side apply under the deployer's field manager). */
export class AddonRecords {
  private readonly client: ResourceClient<ConfigMap & KubeObject>;

  constructor(
    rest: RestClient,
    private readonly fieldManager: string,
  ) {
    this.client = new ResourceClient(rest, { group: '', version: 'v1', resource: 'configmaps' }, recordNamespace);
  }

  async list(): Promise<AddonRecord[]> {
    const list = await this.client.list({ labelSelector: `${recordLabel}=true` });
    return list.items.flatMap((cm) => recordFromConfigMap(cm) ?? []);
  }

  async get(file: string): Promise<AddonRecord | undefined> {
    const cm = await this.client.get(recordName(file)).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const rec = cm && recordFromConfigMap(cm);
    return rec && rec.file === file ? rec : undefined;
  }

  async write(r: Omit<AddonRecord, 'name'>): Promise<void> {
    await this.client.apply(recordConfigMap(r), { fieldManager: this.fieldManager, force: true });
  }

  async delete(name: string): Promise<void> {
    await this.client.delete(name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
