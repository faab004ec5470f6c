import type { Secret } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { tryParseTime } from '../../../../api/values/time.js';
import {
  metaNamespaceKey,
  RateLimitingQueue,
  ResourceClient,
  runController,
  splitMetaNamespaceKey,
  type KubeObject,
  type Result,
  type SharedIndexInformer,
} from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';

export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
const secretsGVR = { group: '', version: 'v1', resource: 'secrets' };

type SecretObj = Secret & KubeObject;

/**
 * Milliseconds until a bootstrap token secret expires (upstream
 * `bootstrapsecretutil.GetExpiration`): `undefined` when it has no
 * `expiration`, <= 0 when expired — an unparseable expiration counts as
 * expired. `data.expiration` is base64 RFC 3339.
 */
export function tokenTTL(secret: Secret, now: number): number | undefined {
  const raw = secret.data?.expiration;
  if (!raw) return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  if (!text) return undefined;
  const at = tryParseTime(text);
  if (at === undefined) return 0;
  return at - now;
}

/**
 * Deletes expired bootstrap token secrets in kube-system (upstream
 * `pkg/controller/bootstrap/tokencleaner.go`). A token not yet expired is
 * looked at again when it expires. Deletes carry a UID precondition so a
 * recreated secret of the same name survives.
 */
export class TokenCleaner {
  readonly queue: RateLimitingQueue<string>;
  private readonly inf: SharedIndexInformer<SecretObj>;

  constructor(
    private readonly ctx: ControllerContext,
    readonly namespace = 'kube-system',
  ) {
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'token_cleaner' });
    this.inf = ctx.informers.forResource<SecretObj>(secretsGVR, {
      namespace,
      fieldSelector: `type=${bootstrapTokenSecretType}`,
    });
    this.inf.addEventHandler({
      onAdd: (s) => this.queue.add(metaNamespaceKey(s)),
      onUpdate: (_o, n) => this.queue.add(metaNamespaceKey(n)),
    });
  }

  async start(): Promise<void> {
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await runController({
      name: 'token-cleaner',
      queue: this.queue,
      workers: 1,
      reconcile: (key) => this.reconcile(key),
      signal: this.ctx.signal,
      log: this.ctx.log,
      clock: this.ctx.clock,
    });
  }

  async reconcile(key: string): Promise<Result | void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const secret = this.inf.lister().get(namespace, name);
    if (!secret || secret.type !== bootstrapTokenSecretType) return;
    const ttl = tokenTTL(secret, this.ctx.clock.now());
    if (ttl === undefined) return;
    if (ttl > 0) return { requeueAfter: ttl };
    this.ctx.log.info('deleting expired bootstrap token secret', { secret: key });
    try {
      await new ResourceClient<SecretObj>(this.ctx.rest, secretsGVR, namespace).delete(name, {
        preconditions: secret.metadata?.uid ? { uid: secret.metadata.uid } : undefined,
      });
    } catch (err) {
      // Already gone, or replaced by a new secret of the same name.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

export const tokenCleanerController: ControllerDescriptor = {
  name: 'token-cleaner',
  serviceAccount: 'token-cleaner',
  // Off upstream; on here as in k3s (`--controllers=*,tokencleaner`), which hands out bootstrap tokens.
  enabledByDefault: true,
  start: (ctx) => new TokenCleaner(ctx).start(),
};
