import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../../api/errors/status-error.js';
import { RateLimitingQueue, ResourceClient, runController, type KubeObject } from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';

const configmaps = { group: '', version: 'v1', resource: 'configmaps' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };
export const rootCAConfigMap = 'kube-root-ca.crt';

/**
 * Publishes the cluster CA as the `kube-root-ca.crt` ConfigMap (key `ca.crt`)
 * in every namespace (upstream root-ca-cert-publisher), which projected
 * ServiceAccount token volumes mount. Restores it when changed or deleted.
 */
export async function runRootCAPublisher(ctx: ControllerContext): Promise<void> {
  const ca = ctx.config.rootCAPEM;
  if (!ca) {
    ctx.log.warn('no root CA configured; kube-root-ca.crt will not be published');
    return;
  }
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock });
  const nsInf = ctx.informers.forResource<Namespace & KubeObject>(namespaces);
  const cmInf = ctx.informers.forResource<ConfigMap & KubeObject>(configmaps, {
    fieldSelector: `metadata.name=${rootCAConfigMap}`,
  });
  nsInf.addEventHandler({
    onAdd: (n) => queue.add(n.metadata!.name!),
    onUpdate: (_o, n) => queue.add(n.metadata!.name!),
  });
  const onCm = (o: unknown) => {
    const cm = ((o as { obj?: ConfigMap }).obj ?? o) as ConfigMap;
    if (cm?.metadata?.namespace) queue.add(cm.metadata.namespace);
  };
  cmInf.addEventHandler({ onUpdate: (_o, n) => onCm(n), onDelete: onCm });
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  await runController({
    name: 'root-ca-cert-publisher',
    queue,
    workers: ctx.config.workers,
    signal: ctx.signal,
    log: ctx.log,
    clock: ctx.clock,
    async reconcile(ns) {
      const n = nsInf.lister().get('', ns);
      if (!n || n.metadata?.deletionTimestamp) return;
      const client = new ResourceClient<ConfigMap & KubeObject>(ctx.rest, configmaps, ns);
      const cur = cmInf.lister().get(ns, rootCAConfigMap);
      const annotations = {
        'kubernetes.io/description':
          'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
      };
      try {
        if (!cur) {
          await client.create({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: rootCAConfigMap, namespace: ns, annotations },
            data: { 'ca.crt': ca },
          } as never);
        } else if (cur.data?.['ca.crt'] !== ca) {
          const next = structuredClone(cur);
          next.data = { ...(next.data ?? {}), 'ca.crt': ca };
          await client.update(next);
        }
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) return { requeueAfter: 100 };
        if (!isNotFound(err)) throw err;
      }
    },
  });
}

export const rootCAPublisherController: ControllerDescriptor = {
  name: 'root-ca-cert-publisher',
  serviceAccount: 'root-ca-cert-publisher',
  enabledByDefault: true,
  start: (ctx) => runRootCAPublisher(ctx),
};
