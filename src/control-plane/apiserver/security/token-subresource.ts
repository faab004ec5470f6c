import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { TokenIssuer } from '../authn/serviceaccount/token-request.js';
import type { SubresourceHandler } from '../registry/served-resource.js';

/** `serviceaccounts/token` (TokenRequest, what `kubectl create token` and kubelets use). */
export function serviceAccountTokenHandler(issuer: TokenIssuer): NonNullable<SubresourceHandler['create']> {
  return async (ctx, ns, name, body) => {
    const { object, warnings } = await issuer.createTokenRequest(ns, name, body as unknown as TokenRequest);
    ctx.warnings.push(...warnings);
    return {
      type: 'object',
      status: 201,
      body: object,
      headers: ctx.warnings.length ? { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : undefined,
    };
  };
}
