import { internalError } from '../../../api/errors/status-error.js';
import { forbiddenError } from '../authz/forbidden.js';
import { resourceAttributes, type Attributes, type Authorizer } from '../authz/types.js';
import type { ApiRequest, UserInfo } from '../types.js';
import { allHeaders, firstHeader, headerNamesWithPrefix } from './headers.js';
import { makeGroupNames, makeUsername, splitUsername } from './serviceaccount/username.js';
import { allAuthenticated, allUnauthenticated, anonymousUser } from './types.js';

/**
 * Impersonation (upstream `endpoints/filters/impersonation.go`): `Impersonate-User`
 * (a ServiceAccount user name impersonates the ServiceAccount), repeated
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` headers.
 * Every part needs the `impersonate` verb on `users`, `serviceaccounts`,
 * `groups`, `uids` or `userextras/<key>`; the first refusal is a 403 with
 * upstream's message. Groups, uid or extras without a user are a 500, as
 * upstream. Returns the requesting user unchanged when there are no headers.
 */
export const impersonateUserHeader = 'impersonate-user';
export const impersonateGroupHeader = 'impersonate-group';
export const impersonateUIDHeader = 'impersonate-uid';
export const impersonateExtraPrefix = 'impersonate-extra-';

type Kind = 'User' | 'ServiceAccount' | 'Group' | 'UserExtra' | 'UID';

interface ImpersonationRequest {
  kind: Kind;
  namespace: string;
  name: string;
  apiVersion: string;
  /** The extra key (upstream abuses ObjectReference.FieldPath for it). */
  fieldPath: string;
}

const authenticationV1 = 'authentication.k8s.io/v1';

/** Go's `%v` of an ObjectReference list, as upstream puts it in its 500 message. */
function describe(reqs: readonly ImpersonationRequest[]): string {
  return `[${reqs.map((r) => `{${r.kind} ${r.namespace} ${r.name}  ${r.apiVersion}  ${r.fieldPath}}`).join(' ')}]`;
}

/** The percent-decoded extra key; malformed escapes are kept as sent, as upstream. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The impersonation the headers ask for, in upstream's order; throws 500 for groups/extras/uid without a user. */
export function impersonationRequests(req: ApiRequest): ImpersonationRequest[] {
  const out: ImpersonationRequest[] = [];
  const user = firstHeader(req, impersonateUserHeader) ?? '';
  if (user) {
    const sa = splitUsername(user);
    if (sa) out.push({ kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name, apiVersion: '', fieldPath: '' });
    else out.push({ kind: 'User', namespace: '', name: user, apiVersion: '', fieldPath: '' });
  }
  const groups = allHeaders(req, impersonateGroupHeader);
  for (const g of groups) out.push({ kind: 'Group', namespace: '', name: g, apiVersion: '', fieldPath: '' });
  const extraHeaders = headerNamesWithPrefix(req, impersonateExtraPrefix);
  for (const h of extraHeaders) {
    const key = unescapeExtraKey(h.slice(impersonateExtraPrefix.length));
    for (const v of allHeaders(req, h)) {
      out.push({ kind: 'UserExtra', namespace: '', name: v, apiVersion: authenticationV1, fieldPath: key });
    }
  }
  const uid = firstHeader(req, impersonateUIDHeader) ?? '';
  if (uid) out.push({ kind: 'UID', namespace: '', name: uid, apiVersion: authenticationV1, fieldPath: '' });
  if ((groups.length || extraHeaders.length || uid) && !user) {
    throw internalError(new Error(`requested ${describe(out)} without impersonating a user`));
  }
  return out;
}

/** The identity a request acts as: `requestor`, or whom it impersonates once every part is authorized. */
export async function impersonate(req: ApiRequest, requestor: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  const requests = impersonationRequests(req);
  if (requests.length === 0) return requestor;
  // Explicit groups replace the defaults, including system:authenticated/unauthenticated.
  const groupsSpecified = allHeaders(req, impersonateGroupHeader).length > 0;
  let username = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  let uid = '';
  for (const r of requests) {
    const group = r.apiVersion.includes('/') ? r.apiVersion.slice(0, r.apiVersion.indexOf('/')) : '';
    let attrs: Attributes;
    switch (r.kind) {
      case 'ServiceAccount':
        attrs = resourceAttributes(requestor, {
          verb: 'impersonate',
          resource: 'serviceaccounts',
          namespace: r.namespace,
          name: r.name,
        });
        username = makeUsername(r.namespace, r.name);
        if (!groupsSpecified) groups = makeGroupNames(r.namespace);
        break;
      case 'User':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', resource: 'users', name: r.name });
        username = r.name;
        break;
      case 'Group':
        attrs = resourceAttributes(requestor, { verb: 'impersonate', resource: 'groups', name: r.name });
        groups.push(r.name);
        break;
      case 'UserExtra':
        attrs = resourceAttributes(requestor, {
          verb: 'impersonate',
          apiGroup: group,
          apiVersion: 'v1',
          resource: 'userextras',
          subresource: r.fieldPath,
          name: r.name,
        });
        (extra[r.fieldPath] ??= []).push(r.name);
        break;
      case 'UID':
        attrs = resourceAttributes(requestor, {
          verb: 'impersonate',
          apiGroup: group,
          apiVersion: 'v1',
          resource: 'uids',
          name: r.name,
        });
        uid = r.name;
        break;
    }
    let decision;
    try {
      decision = await authorizer.authorize(attrs);
    } catch (err) {
      throw forbiddenError(attrs, err instanceof Error ? err.message : String(err));
    }
    if (decision.decision !== 'Allow') throw forbiddenError(attrs, decision.reason);
  }
  if (username !== anonymousUser) {
    if (!groups.includes(allAuthenticated) && !groups.includes(allUnauthenticated)) groups.push(allAuthenticated);
  } else if (!groups.includes(allUnauthenticated)) {
    groups.push(allUnauthenticated);
  }
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
