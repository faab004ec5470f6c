import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound } from '../../../../api/errors/status-error.js';
import { RateLimitingQueue, ResourceClient, runController, type KubeObject } from '../../../../client/index.js';
import type { ControllerContext, ControllerDescriptor } from '../../types.js';

const serviceaccounts = { group: '', version: 'v1', resource: 'serviceaccounts' };
const namespaces = { group: '', version: 'v1', resource: 'namespaces' };

/**
 * Keeps a `default` ServiceAccount in every active namespace (upstream
 * `pkg/controller/serviceaccount` ServiceAccountsController): recreated when
 * deleted, never created in terminating namespaces.
 */
export async function runServiceAccountController(
  ctx: ControllerContext,
  names: string[] = ['default'],
): Promise<void> {
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock });
  const nsInf = ctx.informers.forResource<Namespace & KubeObject>(namespaces);
  const saInf = ctx.informers.forResource<ServiceAccount & KubeObject>(serviceaccounts);
  nsInf.addEventHandler({
    onAdd: (n) => queue.add(n.metadata!.name!),
    onUpdate: (_o, n) => queue.add(n.metadata!.name!),
  });
  saInf.addEventHandler({
    onDelete: (o) => {
      const sa = ((o as { obj?: ServiceAccount }).obj ?? o) as ServiceAccount;
      if (sa?.metadata?.namespace && names.includes(sa.metadata.name!)) queue.add(sa.metadata.namespace);
    },
  });
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  await runController({
    name: 'serviceaccount',
    queue,
    workers: ctx.config.workers,
    signal: ctx.signal,
    log: ctx.log,
    clock: ctx.clock,
    async reconcile(ns) {
      const n = nsInf.lister().get('', ns);
      if (!n || n.status?.phase !== 'Active' || n.metadata?.deletionTimestamp) return;
      for (const name of names) {
        if (saInf.lister().get(ns, name)) continue;
        try {
          await new ResourceClient<ServiceAccount & KubeObject>(ctx.rest, serviceaccounts, ns).create({
            apiVersion: 'v1',
            kind: 'ServiceAccount',
            metadata: { name, namespace: ns },
          } as never);
        } catch (err) {
          if (!isAlreadyExists(err) && !isNotFound(err)) throw err;
        }
      }
    },
  });
}

export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount',
  serviceAccount: 'service-account-controller',
  enabledByDefault: true,
  start: (ctx) => runServiceAccountController(ctx),
};
