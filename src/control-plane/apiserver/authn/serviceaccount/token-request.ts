import { randomUUID, type KeyObject } from 'node:crypto';
import type { BoundObjectReference, TokenRequest } from 'kubernetes-types/authentication/v1.js';
import { badRequest, conflict, invalid, notFound } from '../../../../api/errors/status-error.js';
import { FieldPath } from '../../../../api/validation/field-error.js';
import { type Clock, realClock } from '../../../../lib/clock.js';
import { buildClaims, type ObjectRef } from './claims.js';
import { signCompact } from './jws.js';
import type { ServiceAccountLookups } from './lookups.js';

/**
 * Issuing bound ServiceAccount tokens (upstream `registry/core/serviceaccount/storage/token.go`,
 * the `serviceaccounts/token` subresource behind `kubectl create token`). The
 * ServiceAccount must exist; a bound Pod, Secret or Node must exist (and match
 * a given UID); the token is signed with the issuer's key.
 */
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
/** Tokens requested by the kubelet for this long (and for API audiences) are extended to a year, warning after the hour. */
export const warnOnlyBoundTokenExpirationSeconds = 60 * 60 + 7;
export const expirationExtensionSeconds = 24 * 365 * 60 * 60;
const minExpirationSeconds = 10 * 60;

export interface TokenIssuerOptions {
  /** `iss` of issued tokens (`--service-account-issuer`). */
  issuer?: string;
  /** Private key (`--service-account-signing-key-file`); EC P-256 gives ES256. */
  signingKey: KeyObject;
  /** The API server's audiences (`--api-audiences`), default `[issuer]`. */
  apiAudiences?: readonly string[];
  lookups: ServiceAccountLookups;
  clock?: Clock;
  /** `--service-account-extend-token-expiration` (default true). */
  extendExpiration?: boolean;
  /** `--service-account-max-token-expiration` in seconds; 0 = no limit. */
  maxExpirationSeconds?: number;
  newTokenID?: () => string;
}

export interface IssueTokenRequest {
  namespace: string;
  serviceAccount: string;
  /** Default: the API server's audiences. */
  audiences?: readonly string[];
  /** Default 3600; at least 600. */
  expirationSeconds?: number;
  boundObject?: BoundObjectReference;
}

export interface IssuedToken {
  token: string;
  /** RFC 3339, seconds precision: when the requested lifetime ends. */
  expirationTimestamp: string;
  audiences: string[];
  expirationSeconds: number;
  /** `Warning` headers to send (the lifetime was shortened). */
  warnings: string[];
  /** Server time of the request, RFC 3339 (the TokenRequest's creationTimestamp). */
  creationTimestamp: string;
}

const tokenRequestKind = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Go's `schema.FromAPIVersionAndKind(...).String()`: `/v1, Kind=ConfigMap`. */
function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  return `${group}/${version}, Kind=${kind}`;
}

export class TokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: readonly string[];
  private readonly clock: Clock;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.issuer = opts.issuer ?? defaultIssuer;
    this.apiAudiences = opts.apiAudiences?.length ? [...opts.apiAudiences] : [this.issuer];
    this.clock = opts.clock ?? realClock;
  }

  async issueToken(req: IssueTokenRequest): Promise<IssuedToken> {
    const { namespace, serviceAccount: saName, boundObject: ref } = req;
    const l = this.opts.lookups;
    const sa = await l.getServiceAccount(namespace, saName);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, saName);
    const audiences = req.audiences?.length ? [...req.audiences] : [...this.apiAudiences];
    const nowMs = this.clock.now();
    let expirationSeconds = req.expirationSeconds ?? 3600;
    const errs = [];
    const path = FieldPath.of('spec', 'expirationSeconds');
    if (expirationSeconds < minExpirationSeconds)
      errs.push(path.invalid(expirationSeconds, 'may not specify a duration less than 10 minutes'));
    if (expirationSeconds > 2 ** 32)
      errs.push(path.invalid(expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
    if (errs.length) throw invalid(tokenRequestKind, '', errs);

    let pod: ObjectRef | undefined;
    let secret: ObjectRef | undefined;
    let node: ObjectRef | undefined;
    if (ref) {
      const apiVersion = ref.apiVersion ?? '';
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const kind = ref.kind ?? '';
      const name = ref.name ?? '';
      let uid: string;
      if (group === '' && kind === 'Pod') {
        const p = await l.getPod(namespace, name);
        if (!p) throw notFound({ group: '', resource: 'pods' }, name);
        if ((p.spec?.serviceAccountName ?? '') !== saName) {
          throw badRequest(
            `cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`,
          );
        }
        uid = p.metadata?.uid ?? '';
        pod = { name, uid };
        const nodeName = p.spec?.nodeName;
        if (nodeName) {
          const n = await l.getNode(nodeName);
          if (!n) throw notFound({ group: '', resource: 'nodes' }, nodeName);
          node = { name: nodeName, uid: n.metadata?.uid ?? '' };
        }
      } else if (group === '' && kind === 'Node') {
        const n = await l.getNode(name);
        if (!n) throw notFound({ group: '', resource: 'nodes' }, name);
        uid = n.metadata?.uid ?? '';
        node = { name, uid };
      } else if (group === '' && kind === 'Secret') {
        const s = await l.getSecret(namespace, name);
        if (!s) throw notFound({ group: '', resource: 'secrets' }, name);
        uid = s.metadata?.uid ?? '';
        secret = { name, uid };
      } else {
        throw badRequest(
          `cannot bind token for serviceaccount ${JSON.stringify(saName)} to object of type ${gvkString(apiVersion, kind)}`,
        );
      }
      if (ref.uid && ref.uid !== uid) {
        throw conflict(
          { group, resource: kind },
          name,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      }
    }

    const warnings: string[] = [];
    const max = this.opts.maxExpirationSeconds ?? 0;
    if (max > 0 && expirationSeconds > max) {
      warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
      expirationSeconds = max;
    }
    let exp = expirationSeconds;
    let warnAfter: number | undefined;
    const now = Math.floor(nowMs / 1000);
    if (
      (this.opts.extendExpiration ?? true) &&
      pod &&
      expirationSeconds === warnOnlyBoundTokenExpirationSeconds &&
      audiences.every((a) => this.apiAudiences.includes(a))
    ) {
      warnAfter = now + exp;
      exp = expirationExtensionSeconds;
    }
    const claims = buildClaims({
      issuer: this.issuer,
      namespace,
      serviceAccount: { name: saName, uid: sa.metadata?.uid ?? '' },
      audiences,
      now,
      expirationSeconds: exp,
      pod,
      secret,
      node,
      warnAfter,
      jti: (this.opts.newTokenID ?? randomUUID)(),
    });
    return {
      token: signCompact(claims as unknown as Record<string, unknown>, this.opts.signingKey),
      expirationTimestamp: rfc3339(nowMs + expirationSeconds * 1000),
      audiences,
      expirationSeconds,
      warnings,
      creationTimestamp: rfc3339(nowMs),
    };
  }

  /**
   * The `POST .../serviceaccounts/<name>/token` handler body: checks that a
   * name/namespace in the body match the URL, issues the token and returns the
   * TokenRequest with status filled in (reply 201).
   */
  async createTokenRequest(
    namespace: string,
    name: string,
    body: TokenRequest,
  ): Promise<{ object: TokenRequest; warnings: string[] }> {
    const meta = body.metadata ?? {};
    if (meta.name && meta.name !== name) {
      throw invalid(tokenRequestKind, name, [
        FieldPath.of('metadata', 'name').invalid(meta.name, 'must match the service account name if specified'),
      ]);
    }
    if (meta.namespace && meta.namespace !== namespace) {
      throw invalid(tokenRequestKind, name, [
        FieldPath.of('metadata', 'namespace').invalid(
          meta.namespace,
          'must match the service account namespace if specified',
        ),
      ]);
    }
    const spec = body.spec ?? { audiences: [] };
    const issued = await this.issueToken({
      namespace,
      serviceAccount: name,
      audiences: spec.audiences,
      expirationSeconds: spec.expirationSeconds,
      boundObject: spec.boundObjectRef,
    });
    const object: TokenRequest = {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...meta, name, namespace, creationTimestamp: issued.creationTimestamp },
      spec: { ...spec, audiences: issued.audiences, expirationSeconds: issued.expirationSeconds },
      status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
    };
    return { object, warnings: issued.warnings };
  }
}
