/**
 * The `/openapi/v3` discovery document and the content hashes in its URLs.
 * Clients (kubectl's HTTP cache in particular) fetch `<url>?hash=<H>` and may
 * cache the answer forever, so the hash must change whenever a document changes.
 */
import { createHash } from 'node:crypto';

/**
 * Upstream's ETag for an OpenAPI document: the SHA-512 of its serialized bytes
 * as upper-case hex (kube-openapi handler3). Any change to the text changes it;
 * hash the exact bytes that are served.
 */
export function documentHash(json: string): string {
  return createHash('sha512').update(json).digest('hex').toUpperCase();
}

/**
 * `{paths: {'apis/apps/v1': {serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=H'}}}`
 * for documents keyed by their path below `/openapi/v3/` (`api/v1`, `apis/apps/v1`).
 */
export function openApiV3Root(docs: Map<string, { hash: string }>): {
  paths: Record<string, { serverRelativeURL: string }>;
} {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const key of [...docs.keys()].sort()) {
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${docs.get(key)!.hash}` };
  }
  return { paths };
}
