import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import {
  RateLimitingQueue,
  ResourceClient,
  runController,
  type KubeObject,
  type Result,
} from '../../../../client/index.js';
import { computeDetachedSignature } from '../../../../lib/pki/jws.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';
import { bootstrapTokenSecretType, tokenTTL } from '../token-cleaner/token-cleaner.js';
import { clusterInfoName, kubeconfigKey, kubePublic } from './cluster-info.js';

/**
 * bootstrapsigner (upstream `controller/bootstrap/bootstrapsigner.go`): keeps
 * one detached JWS signature of `kube-public/cluster-info`'s `kubeconfig` per
 * usable bootstrap token, under `jws-kubeconfig-<token-id>`, and removes the
 * signatures of tokens that are gone. A token is usable when its secret is
 * named `bootstrap-token-<id>` with a matching `token-id`, has a
 * `token-secret`, has not expired and has `usage-bootstrap-signing: "true"`.
 * Unlike upstream, which waits for the token cleaner, an expiring token's
 * signature is dropped the moment it expires.
 */
export const jwsSignatureKeyPrefix = 'jws-kubeconfig-';
const tokenSecretPrefix = 'bootstrap-token-';
const kubeSystem = 'kube-system';
const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
const secrets = { group: '', version: 'v1', resource: 'secrets' };

type SecretObj = Secret & KubeObject;
type ConfigMapObj = ConfigMap & KubeObject;

const data = (s: Secret, key: string) => {
  const v = s.data?.[key];
  return v ? Buffer.from(v, 'base64').toString('utf8') : '';
};

/** The token a secret offers for signing, and when it stops (upstream validateSecretForSigning). */
export function signingToken(
  secret: Secret,
  now: number,
): { id: string; secret: string; ttlMs: number | undefined } | undefined {
  const name = secret.metadata?.name ?? '';
  if (secret.type !== bootstrapTokenSecretType || !name.startsWith(tokenSecretPrefix)) return undefined;
  const id = data(secret, 'token-id');
  if (!/^[a-z0-9]{6}$/.test(id) || name !== `${tokenSecretPrefix}${id}`) return undefined;
  const tokenSecret = data(secret, 'token-secret');
  if (!tokenSecret) return undefined;
  const ttlMs = tokenTTL(secret, now);
  if (ttlMs !== undefined && ttlMs <= 0) return undefined;
  if (data(secret, 'usage-bootstrap-signing') !== 'true') return undefined;
  return { id, secret: tokenSecret, ttlMs };
}

/**
 * The `data` cluster-info should have: `kubeconfig` and other keys as they
 * are, plus a signature per token. Returns undefined when nothing changes.
 */
export function signedData(
  current: Record<string, string>,
  tokens: { id: string; secret: string }[],
): Record<string, string> | undefined {
  const content = current[kubeconfigKey];
  if (content === undefined) return undefined;
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(current)) if (!k.startsWith(jwsSignatureKeyPrefix)) next[k] = v;
  for (const t of tokens) {
    // Duplicate ids cannot come from well-named secrets; the first one wins, as upstream.
    if (next[jwsSignatureKeyPrefix + t.id] === undefined)
      next[jwsSignatureKeyPrefix + t.id] = computeDetachedSignature(content, t.id, t.secret);
  }
  const keys = (o: Record<string, string>) => Object.keys(o).filter((k) => k.startsWith(jwsSignatureKeyPrefix));
  const same = keys(next).length === keys(current).length && keys(next).every((k) => current[k] === next[k]);
  return same ? undefined : next;
}

export async function runBootstrapSigner(ctx: ControllerContext): Promise<void> {
  const key = `${kubePublic}/${clusterInfoName}`;
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'bootstrap_signer_queue' });
  const cmInf = ctx.informers.forResource<ConfigMapObj>(configmaps, {
    namespace: kubePublic,
    fieldSelector: `metadata.name=${clusterInfoName}`,
  });
  const secretInf = ctx.informers.forResource<SecretObj>(secrets, {
    namespace: kubeSystem,
    fieldSelector: `type=${bootstrapTokenSecretType}`,
  });
  const poke = () => queue.add(key);
  cmInf.addEventHandler({ onAdd: poke, onUpdate: poke });
  secretInf.addEventHandler({ onAdd: poke, onUpdate: poke, onDelete: poke });
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  const client = new ResourceClient<ConfigMapObj>(ctx.rest, configmaps, kubePublic);
  await runController({
    name: 'bootstrap-signer',
    queue,
    workers: 1,
    signal: ctx.signal,
    log: ctx.log,
    clock: ctx.clock,
    async reconcile(): Promise<Result | void> {
      const cm = cmInf.lister().get(kubePublic, clusterInfoName);
      if (!cm) return;
      const now = ctx.clock.now();
      const tokens = secretInf
        .lister()
        .list()
        .filter((s) => s.metadata?.namespace === kubeSystem)
        .map((s) => signingToken(s, now))
        .filter((t) => t !== undefined)
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const next = signedData(cm.data ?? {}, tokens);
      if (next) {
        try {
          await client.update({ ...cm, data: next });
        } catch (err) {
          // A newer ConfigMap, or none: its own event brings us back.
          if (!isConflict(err) && !isNotFound(err)) throw err;
        }
      }
      const expiries = tokens.map((t) => t.ttlMs).filter((t): t is number => t !== undefined);
      if (expiries.length) return { requeueAfter: Math.min(...expiries) + 1 };
    },
  });
}

export const bootstrapSignerController: ControllerDescriptor = {
  name: 'bootstrapsigner',
  serviceAccount: 'bootstrap-signer',
  // Off upstream; on here as kubeadm and k3s clusters run it, since `kubets agent` joins through cluster-info.
  enabledByDefault: true,
  start: (ctx) => runBootstrapSigner(ctx),
};
