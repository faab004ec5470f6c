import { buildOpenApiV2 } from '../../../api/openapi/build-v2.js';
import { openApiV2ProtobufFor } from '../../../api/openapi/v2-protobuf/for-resources.js';
import { buildOpenApiV3 } from '../../../api/openapi/build-v3.js';
import { loadDefinitions } from '../../../api/openapi/definitions.js';
import { documentHash, openApiV3Root } from '../../../api/openapi/v3-root.js';
import type { Definitions } from '../../../api/openapi/schema-types.js';
import { groupVersionString, type ResourceInfo } from '../../../api/scheme/types.js';
import type { ApiResponse } from '../types.js';

interface Doc {
  json: string;
  hash: string;
}

/**
 * Serves `/openapi/v3` (root with per-group-version hashes), the per-GV v3
 * documents (immutable, cached by hash; a stale hash redirects to the current
 * one), and `/openapi/v2`. Documents are built lazily and rebuilt when the
 * served resources change (CRDs).
 */
export class OpenApiService {
  private v3 = new Map<string, Doc>();
  private v2: Doc | undefined;
  private v2pb: { bytes: Uint8Array; hash: string } | undefined;
  private extraDefinitions: Definitions = {};

  private readonly resources: () => readonly ResourceInfo[];

  /** Only resources with a schema are documented (aggregated/virtual kinds without one are skipped). */
  constructor(all: () => readonly ResourceInfo[]) {
    this.resources = () => {
      const defs = this.defs();
      return all().filter((r) => !r.definition || defs[r.definition] !== undefined);
    };
  }

  /** Forgets built documents (call when resources or CRD schemas change). */
  invalidate(extraDefinitions?: Definitions): void {
    if (extraDefinitions) this.extraDefinitions = extraDefinitions;
    this.v3.clear();
    this.v2 = undefined;
    this.v2pb = undefined;
  }

  private defs(): Definitions {
    const base = loadDefinitions();
    return Object.keys(this.extraDefinitions).length ? { ...base, ...this.extraDefinitions } : base;
  }

  private gvPath(gv: { group: string; version: string }): string {
    return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
  }

  private groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.resources()) seen.set(groupVersionString(r), { group: r.group, version: r.version });
    return [...seen.values()];
  }

  private doc(path: string): Doc | undefined {
    const cached = this.v3.get(path);
    if (cached) return cached;
    const gv = this.groupVersions().find((g) => this.gvPath(g) === path);
    if (!gv) return undefined;
    const json = JSON.stringify(
      buildOpenApiV3(
        gv,
        this.resources().filter((r) => r.group === gv.group && r.version === gv.version),
        this.defs(),
      ),
    );
    const d = { json, hash: documentHash(json) };
    this.v3.set(path, d);
    return d;
  }

  serve(path: string, query: URLSearchParams, accept: string | undefined): ApiResponse | undefined {
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      const hashes = new Map<string, { hash: string }>();
      for (const gv of this.groupVersions()) hashes.set(this.gvPath(gv), { hash: this.doc(this.gvPath(gv))!.hash });
      return { type: 'object', status: 200, body: openApiV3Root(hashes) };
    }
    if (path.startsWith('/openapi/v3/')) {
      const sub = path.slice('/openapi/v3/'.length);
      const d = this.doc(sub);
      if (!d) return undefined;
      const want = query.get('hash');
      if (want && want !== d.hash)
        return { type: 'redirect', status: 301, location: `/openapi/v3/${sub}?hash=${d.hash}` };
      const headers: Record<string, string> = { Etag: `"${d.hash}"` };
      if (want) {
        headers['Cache-Control'] = 'public, immutable';
        headers.Expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
      }
      return { type: 'bytes', status: 200, contentType: 'application/json', body: d.json, headers };
    }
    if (path === '/openapi/v2') {
      // kubectl asks for gnostic protobuf (validation of `kind: List`, SSA migration, explain fallback).
      // The content type must stay parseable for Go's mime package: octet-stream, as upstream.
      if (accept && accept.includes('protobuf')) {
        this.v2pb ??= openApiV2ProtobufFor([...this.resources()], this.defs());
        return {
          type: 'bytes',
          status: 200,
          contentType: 'application/octet-stream',
          body: this.v2pb.bytes,
          headers: { Etag: `"${this.v2pb.hash}"` },
        };
      }
      this.v2 ??= (() => {
        const json = JSON.stringify(buildOpenApiV2([...this.resources()], this.defs()));
        return { json, hash: documentHash(json) };
      })();
      return {
        type: 'bytes',
        status: 200,
        contentType: 'application/json',
        body: this.v2.json,
        headers: { Etag: `"${this.v2.hash}"` },
      };
    }
    return undefined;
  }
}
