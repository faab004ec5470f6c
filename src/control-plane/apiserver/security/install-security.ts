import type { KeyObject } from 'node:crypto';
import type { Node, Pod, Secret, ServiceAccount, PersistentVolume } from 'kubernetes-types/core/v1.js';
import { RequestAuthenticator } from '../authn/request-authenticator.js';
import { BootstrapTokenAuthenticator } from '../authn/bootstrap-token.js';
import { StaticTokenAuthenticator } from '../authn/token-file.js';
import type { TokenAuthenticator } from '../authn/types.js';
import { OpenIDMetadata } from '../authn/serviceaccount/oidc.js';
import { TokenIssuer } from '../authn/serviceaccount/token-request.js';
import { ServiceAccountTokenAuthenticator } from '../authn/serviceaccount/verifier.js';
import type { ServiceAccountLookups } from '../authn/serviceaccount/lookups.js';
import { NodeGraph } from '../authz/node/graph.js';
import { NodeAuthorizer } from '../authz/node/node-authorizer.js';
import { PrivilegedGroupsAuthorizer } from '../authz/privileged-groups.js';
import { RbacAuthorizer } from '../authz/rbac/rbac-authorizer.js';
import { RbacEscalationGuard } from '../authz/rbac/escalation.js';
import { RbacRuleResolver } from '../authz/rbac/rule-resolver.js';
import { UnionAuthorizer, UnionRuleResolver } from '../authz/union.js';
import type { ValidatingAdmissionPlugin } from '../admission/types.js';
import type { ApiServerCore as ApiServer } from '../api-server-core.js';
import { CacheAccess } from './cache-access.js';
import { cacheRbacSource } from './rbac-source.js';
import type { ReviewDeps } from './reviews.js';
import { ensureBootstrapPolicy } from './bootstrap-rbac.js';
import { serviceAccountTokenHandler } from './token-subresource.js';
import { installAdmission } from './install-admission.js';

export interface SecurityOptions {
  /** Private key that signs ServiceAccount tokens (EC P-256). */
  serviceAccountKey: KeyObject;
  /** `iss` of ServiceAccount tokens (default `https://kubernetes.default.svc.cluster.local`). */
  issuer?: string;
  apiAudiences?: string[];
  /** `--token-auth-file` (CSV: token,user,uid,"groups"). */
  tokenAuthFile?: string;
  /** host:port for the OIDC JWKS URL. */
  externalAddress: string;
  /** `--disable-admission-plugins`. */
  disabledAdmissionPlugins?: string[];
}

export interface InstalledSecurity {
  review: ReviewDeps;
  issuer: TokenIssuer;
  nodeGraph: NodeGraph;
  stop(): void;
}

const rbacGroup = 'rbac.authorization.k8s.io';

/**
 * Turns on authentication, authorization and the security-related endpoints of
 * an ApiServer (issue 5): x509/bearer/bootstrap/ServiceAccount-token
 * authentication with impersonation, the Node + RBAC authorizers (with
 * `system:masters` as superusers), RBAC escalation checks on role and binding
 * writes, the bootstrap RBAC policy, TokenRequest, the review resources and OIDC
 * discovery. Everything reads the API server's own caches.
 */
export async function installSecurity(server: ApiServer, o: SecurityOptions): Promise<InstalledSecurity> {
  const caches = new CacheAccess(server);
  const stop = new AbortController();
  const lookups: ServiceAccountLookups = {
    getServiceAccount: (ns, name) => caches.get<ServiceAccount>('', 'serviceaccounts', ns, name),
    getPod: (ns, name) => caches.get<Pod>('', 'pods', ns, name),
    getSecret: (ns, name) => caches.get<Secret>('', 'secrets', ns, name),
    getNode: (name) => caches.get<Node>('', 'nodes', '', name),
  };
  const issuerName = o.issuer ?? 'https://kubernetes.default.svc.cluster.local';
  const apiAudiences = o.apiAudiences?.length ? o.apiAudiences : [issuerName];
  const issuer = new TokenIssuer({
    signingKey: o.serviceAccountKey,
    issuer: issuerName,
    apiAudiences,
    lookups,
    clock: server.clock,
  });
  const tokens: TokenAuthenticator[] = [];
  if (o.tokenAuthFile) tokens.push(StaticTokenAuthenticator.fromFile(o.tokenAuthFile));
  tokens.push(
    new BootstrapTokenAuthenticator({
      getSecret: async (ns, name) => caches.get<Secret>('', 'secrets', ns, name),
      clock: server.clock,
    }),
  );
  tokens.push(
    new ServiceAccountTokenAuthenticator({
      issuers: [issuerName],
      keys: [o.serviceAccountKey],
      apiAudiences,
      lookups,
      clock: server.clock,
    }),
  );

  const source = cacheRbacSource(caches);
  const rbac = new RbacAuthorizer(source);
  const graph = new NodeGraph();
  const node = new NodeAuthorizer(graph);
  const authorizer = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), node, rbac]);
  const rules = new UnionRuleResolver([node, rbac]);

  for (const [g, p] of [
    ['', 'pods'],
    ['', 'serviceaccounts'],
    ['', 'secrets'],
    ['', 'nodes'],
    ['', 'persistentvolumes'],
    [rbacGroup, 'roles'],
    [rbacGroup, 'clusterroles'],
    [rbacGroup, 'rolebindings'],
    [rbacGroup, 'clusterrolebindings'],
  ] as const) {
    await caches.ready(g, p);
  }
  await caches.follow(
    '',
    'pods',
    (obj, deleted) => {
      const pod = obj as unknown as Pod;
      if (deleted) graph.deletePod(pod.metadata!.namespace!, pod.metadata!.name!);
      else graph.updatePod(undefined, pod);
    },
    stop.signal,
  );
  await caches.follow(
    '',
    'persistentvolumes',
    (obj, deleted) => {
      const pv = obj as unknown as PersistentVolume;
      if (deleted) graph.deletePV(pv.metadata!.name!);
      else graph.addPV(pv);
    },
    stop.signal,
  );
  await caches.follow(
    'storage.k8s.io',
    'volumeattachments',
    (obj, deleted) => {
      const va = obj as unknown as { metadata: { name: string }; spec?: { nodeName?: string } };
      if (deleted) graph.deleteVolumeAttachment(va.metadata.name);
      else if (va.spec?.nodeName) graph.addVolumeAttachment(va.metadata.name, va.spec.nodeName);
    },
    stop.signal,
  );

  server.authenticator = new RequestAuthenticator({ tokenAuthenticators: tokens });
  server.authorizer = authorizer;
  const review: ReviewDeps = { authorizer, rules, tokens, apiAudiences };
  server.reviews = review;

  const guard = new RbacEscalationGuard(new RbacRuleResolver(source), authorizer);
  const escalation: ValidatingAdmissionPlugin = {
    name: 'RBACEscalation',
    handles: (a) => a.resource.group === rbacGroup && (a.operation === 'CREATE' || a.operation === 'UPDATE'),
    async validate(a) {
      const req = { user: a.ctx.user, namespace: a.namespace, requestName: a.operation === 'CREATE' ? '' : a.name };
      const k = a.resource.kind as 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
      if (k === 'Role' || k === 'ClusterRole')
        await guard.checkRoleWrite(req, k, a.object as never, a.oldObject as never);
      else await guard.checkBindingWrite(req, k, a.object as never, a.oldObject as never);
    },
  };
  server.addValidatingAdmission(escalation);

  const oidc = new OpenIDMetadata({
    issuer: issuerName,
    externalAddress: o.externalAddress,
    keys: [o.serviceAccountKey],
  });
  server.extraRoutes.push((req) => oidc.serve(req.path));
  server
    .resource('', 'v1', 'serviceaccounts')!
    .subresources.set('token', { create: serviceAccountTokenHandler(issuer) });

  const admission = installAdmission(server, caches, { disabled: o.disabledAdmissionPlugins });
  await ensureBootstrapPolicy(server);
  return {
    review,
    issuer,
    nodeGraph: graph,
    stop: () => {
      stop.abort();
      admission.dispose();
    },
  };
}
