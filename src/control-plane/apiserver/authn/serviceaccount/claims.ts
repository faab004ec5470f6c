/**
 * The claims of a bound ServiceAccount token (upstream `pkg/serviceaccount/claims.go`,
 * v1.32 with ServiceAccountTokenJTI and ServiceAccountTokenPodNodeInfo on).
 * Serialized with keys in alphabetical order, as go-jose does, and `aud` always
 * an array.
 */
export interface ObjectRef {
  name: string;
  uid: string;
}

export interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** Seconds since the epoch after which use of a time-extended token is reported as stale. */
  warnafter?: number;
}

export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti?: string;
  'kubernetes.io': KubernetesClaims;
  nbf: number;
  sub: string;
}

export interface ClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: readonly string[];
  /** Seconds since the epoch. */
  now: number;
  expirationSeconds: number;
  /** At most one of pod/secret/node, except that a pod-bound token also records the pod's node. */
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  warnAfter?: number;
  jti?: string;
}

function ref(r: ObjectRef): ObjectRef {
  const out: Partial<ObjectRef> = {};
  if (r.name) out.name = r.name;
  if (r.uid) out.uid = r.uid;
  return out as ObjectRef;
}

export function buildClaims(c: ClaimsInput): ServiceAccountClaims {
  if (c.secret && (c.pod || c.node)) throw new Error('internal error, token can only be bound to one object type');
  const k8s: KubernetesClaims = { namespace: c.namespace } as KubernetesClaims;
  if (c.node) k8s.node = ref(c.node);
  if (c.pod) k8s.pod = ref(c.pod);
  if (c.secret) k8s.secret = ref(c.secret);
  k8s.serviceaccount = ref(c.serviceAccount);
  if (c.warnAfter) k8s.warnafter = c.warnAfter;
  const claims: ServiceAccountClaims = {
    aud: [...c.audiences],
    exp: c.now + c.expirationSeconds,
    iat: c.now,
    iss: c.issuer,
  } as ServiceAccountClaims;
  if (c.jti) claims.jti = c.jti;
  claims['kubernetes.io'] = k8s;
  claims.nbf = c.now;
  claims.sub = `system:serviceaccount:${c.namespace}:${c.serviceAccount.name}`;
  return claims;
}
