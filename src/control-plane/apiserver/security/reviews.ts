import { badRequest, invalid, methodNotSupported } from '../../../api/errors/status-error.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import type { AuthResult, TokenAuthenticator } from '../authn/types.js';
import { nonResourceAttributes, resourceAttributes, type Authorizer, type RuleResolver } from '../authz/types.js';
import type { ApiResponse, RequestContext, UserInfo } from '../types.js';

type Obj = Record<string, any>;

/** What the review endpoints need from the security layer. */
export interface ReviewDeps {
  authorizer: Authorizer;
  rules: RuleResolver;
  tokens: readonly TokenAuthenticator[];
  apiAudiences: readonly string[];
}

const created = (body: Obj): ApiResponse => ({ type: 'object', status: 201, body });

async function access(deps: ReviewDeps, user: UserInfo, spec: Obj): Promise<Obj> {
  let attrs;
  if (spec.resourceAttributes) {
    const r = spec.resourceAttributes;
    attrs = resourceAttributes(user, {
      verb: r.verb ?? '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
      namespace: r.namespace ?? '',
    });
  } else if (spec.nonResourceAttributes) {
    attrs = nonResourceAttributes(user, spec.nonResourceAttributes.verb ?? '', spec.nonResourceAttributes.path ?? '');
  } else {
    throw invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', [
      FieldPath.of('spec', 'resourceAttributes').invalid(
        'null',
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ]);
  }
  const d = await deps.authorizer.authorize(attrs);
  const status: Obj = { allowed: d.decision === 'Allow' };
  if (d.decision === 'Deny') status.denied = true;
  if (d.reason) status.reason = d.reason;
  return status;
}

/**
 * The authentication.k8s.io and authorization.k8s.io review resources: answers
 * computed from the caller's (or the named subject's) identity through the
 * same authorizer every request goes through. Create-only; nothing is stored.
 */
export async function serveReview(ctx: RequestContext, deps: ReviewDeps, body: Obj): Promise<ApiResponse | undefined> {
  const { group, resource, verb, version, namespace } = ctx.info;
  const apiVersion = `${group}/${version}`;
  const key = `${group}/${resource}`;
  const known = [
    'authorization.k8s.io/selfsubjectaccessreviews',
    'authorization.k8s.io/subjectaccessreviews',
    'authorization.k8s.io/localsubjectaccessreviews',
    'authorization.k8s.io/selfsubjectrulesreviews',
    'authentication.k8s.io/tokenreviews',
  ];
  if (!known.includes(key)) return undefined;
  if (verb !== 'create') throw methodNotSupported({ group, resource }, verb);
  const spec: Obj = body.spec ?? {};
  const meta = { ...(body.metadata ?? {}), creationTimestamp: null };
  switch (key) {
    case 'authorization.k8s.io/selfsubjectaccessreviews':
      return created({
        kind: 'SelfSubjectAccessReview',
        apiVersion,
        metadata: meta,
        spec,
        status: await access(deps, ctx.user, spec),
      });
    case 'authorization.k8s.io/subjectaccessreviews':
    case 'authorization.k8s.io/localsubjectaccessreviews': {
      const local = key.endsWith('localsubjectaccessreviews');
      if (!spec.user && !(spec.groups ?? []).length) {
        throw invalid({ group, kind: local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview' }, '', [
          FieldPath.of('spec', 'user').invalid('', 'at least one of user or group must be specified'),
        ]);
      }
      if (local && spec.resourceAttributes && spec.resourceAttributes.namespace !== namespace) {
        throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
      }
      const subject: UserInfo = {
        username: spec.user ?? '',
        uid: spec.uid,
        groups: spec.groups ?? [],
        extra: spec.extra,
      };
      return created({
        kind: local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview',
        apiVersion,
        metadata: meta,
        spec,
        status: await access(deps, subject, spec),
      });
    }
    case 'authorization.k8s.io/selfsubjectrulesreviews': {
      const ns = spec.namespace ?? '';
      const r = await deps.rules.rulesFor(ctx.user, ns);
      const status: Obj = {
        resourceRules: r.resourceRules,
        nonResourceRules: r.nonResourceRules,
        incomplete: r.incomplete,
      };
      if (r.evaluationError) status.evaluationError = r.evaluationError;
      return created({ kind: 'SelfSubjectRulesReview', apiVersion, metadata: meta, spec, status });
    }
    case 'authentication.k8s.io/tokenreviews': {
      const token = String(spec.token ?? '');
      if (!token)
        throw invalid({ group, kind: 'TokenReview' }, '', [
          FieldPath.of('spec', 'token').required('token is required'),
        ]);
      const wanted: string[] = spec.audiences?.length ? spec.audiences : [...deps.apiAudiences];
      let status: Obj = { authenticated: false, user: {}, error: 'Unauthorized' };
      for (const t of deps.tokens) {
        try {
          const res = await (
            t as TokenAuthenticator & {
              authenticateToken(token: string, audiences?: readonly string[]): Promise<AuthResult | undefined>;
            }
          ).authenticateToken(token, wanted);
          if (!res) continue;
          const u = res.user;
          const auds = res.audiences ?? wanted;
          status = {
            authenticated: true,
            user: { username: u.username, uid: u.uid, groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) },
            audiences: auds,
          };
          break;
        } catch (err) {
          status = { authenticated: false, user: {}, error: (err as Error).message };
          break;
        }
      }
      return created({ kind: 'TokenReview', apiVersion, metadata: meta, spec, status });
    }
  }
  return undefined;
}
