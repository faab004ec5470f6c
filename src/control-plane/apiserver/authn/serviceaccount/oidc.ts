import type { KeyObject } from 'node:crypto';
import type { ApiResponse } from '../../types.js';
import { algorithmForKey, publicJwk, type PublicJwk } from './jws.js';

/**
 * ServiceAccount issuer discovery (upstream `pkg/serviceaccount/openidmetadata.go`
 * and `pkg/routes/openidmetadata.go`): `/.well-known/openid-configuration` and
 * `/openid/v1/jwks`, so relying parties can verify ServiceAccount tokens. Both
 * are rendered once (keys do not change while the server runs) and served
 * with `Cache-Control: public, max-age=3600`.
 */
export const openIDConfigurationPath = '/.well-known/openid-configuration';
export const jwksPath = '/openid/v1/jwks';

export interface OpenIDMetadataOptions {
  issuer: string;
  /** `--service-account-jwks-uri`; default `https://<externalAddress>/openid/v1/jwks`. */
  jwksURI?: string;
  /** host[:port] clients reach the API server at; used when jwksURI is not given. */
  externalAddress?: string;
  /** Public (or private) keys that verify tokens. */
  keys: readonly KeyObject[];
}

export interface OpenIDConfiguration {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

export class OpenIDMetadata {
  readonly configuration: OpenIDConfiguration;
  readonly jwks: { keys: PublicJwk[] };
  private readonly configJSON: string;
  private readonly jwksJSON: string;

  constructor(opts: OpenIDMetadataOptions) {
    if (!opts.issuer.startsWith('https://')) throw new Error(`issuer URL must use https scheme, got: ${opts.issuer}`);
    let jwksURI = opts.jwksURI;
    if (!jwksURI) {
      if (!opts.externalAddress) throw new Error('either the JWKS URI or the API server external address is required');
      jwksURI = `https://${opts.externalAddress}${jwksPath}`;
    }
    const algs = [
      ...new Set(opts.keys.map((k) => algorithmForKey(k)).filter((a): a is NonNullable<typeof a> => !!a)),
    ].sort();
    this.configuration = {
      issuer: opts.issuer,
      jwks_uri: jwksURI,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
    };
    this.jwks = { keys: opts.keys.map((k) => publicJwk(k)) };
    this.configJSON = JSON.stringify(this.configuration);
    this.jwksJSON = JSON.stringify(this.jwks);
  }

  /** The response for a discovery path, or undefined for any other path. */
  serve(path: string): ApiResponse | undefined {
    const headers = { 'Cache-Control': 'public, max-age=3600' };
    if (path === openIDConfigurationPath) {
      return { type: 'bytes', status: 200, contentType: 'application/json', body: this.configJSON, headers };
    }
    if (path === jwksPath) {
      return { type: 'bytes', status: 200, contentType: 'application/jwk-set+json', body: this.jwksJSON, headers };
    }
    return undefined;
  }
}
