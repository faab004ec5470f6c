/**
 * What a manifest file in the server's manifests folder is, and what it holds
 * (k3s `server/manifests`): `*.yaml`, `*.yml` and `*.json` files, not hidden,
 * each a multi-document YAML (JSON is YAML) whose documents are API objects
 * or lists of them. A file `<name>.skip` next to `<name>` keeps `<name>` from
 * being applied (and from being rewritten by the server).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { decodeYAMLDocuments } from '../../api/codec/yaml.js';
import type { KubeObject } from '../../client/resource-client.js';

const manifestSuffixes = ['.yaml', '.yml', '.json'];
export const skipSuffix = '.skip';

/** Whether the deployer applies a file of this name (the skip marker is checked separately). */
export function isManifestFileName(name: string): boolean {
  const base = basename(name);
  if (base.startsWith('.')) return false;
  const lower = base.toLowerCase();
  return manifestSuffixes.some((s) => lower.endsWith(s) && lower.length > s.length);
}

/** Hex SHA-256 of the file's bytes: a file is re-applied when this changes. */
export function manifestChecksum(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** An object of a manifest, addressed the way the deployer records and deletes it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** As written in the file; the deployer fills in `default` for namespaced kinds without one. */
  namespace?: string;
}

export const refKey = (r: ObjectRef) => `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;

/**
 * The objects of a manifest in file order, `List` documents expanded, empty
 * documents skipped. Throws a one-line error naming the file (and the
 * document) for anything that is not an addressable API object: bad YAML,
 * a scalar document, a missing apiVersion, kind or metadata.name.
 */
export function parseManifest(fileName: string, content: Uint8Array | string): KubeObject[] {
  let docs: Record<string, unknown>[];
  try {
    docs = decodeYAMLDocuments(content);
  } catch (err) {
    throw new Error(`${fileName}: ${(err as Error).message}`);
  }
  return docs.map((doc, i) => {
    const where = `${fileName}: object ${i + 1}`;
    const missing: string[] = [];
    if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') missing.push('apiVersion not set');
    if (typeof doc.kind !== 'string' || doc.kind === '') missing.push('kind not set');
    const meta = doc.metadata;
    const name = meta && typeof meta === 'object' ? (meta as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string' || name === '') missing.push('metadata.name not set');
    if (missing.length > 0) throw new Error(`${where}: ${missing.join(', ')}`);
    const ns = (meta as Record<string, unknown>).namespace;
    if (ns !== undefined && ns !== null && typeof ns !== 'string')
      throw new Error(`${where}: metadata.namespace must be a string`);
    return doc as KubeObject;
  });
}

export function refOf(obj: KubeObject): ObjectRef {
  const ns = obj.metadata?.namespace;
  return { apiVersion: obj.apiVersion!, kind: obj.kind!, name: obj.metadata!.name!, ...(ns ? { namespace: ns } : {}) };
}
