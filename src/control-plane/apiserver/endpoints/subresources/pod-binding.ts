import { badRequest, conflict, invalid } from '../../../../api/errors/status-error.js';
import { FieldPath } from '../../../../api/validation/field-error.js';
import type { ServedResource, SubresourceHandler } from '../../registry/served-resource.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { HandlerDeps } from '../context.js';
import { parseWriteQuery } from '../query.js';

const success = {
  type: 'object' as const,
  status: 201,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
};

/**
 * `pods/binding` (and the legacy `bindings` resource): assigns an unbound pod to
 * a node — sets spec.nodeName, copies the binding's annotations, marks
 * PodScheduled=True. A pod already bound or being deleted is a 409, as upstream.
 */
export function bindPod(pods: () => ServedResource, deps: HandlerDeps): NonNullable<SubresourceHandler['create']> {
  return async (ctx, ns, name, body) => {
    const binding = body as KubeObject & { target?: { kind?: string; name?: string; apiVersion?: string } };
    const podName = name || String(binding.metadata?.name ?? '');
    const target = binding.target;
    if (!target?.name)
      throw invalid({ group: '', kind: 'Binding' }, podName, [FieldPath.of('target', 'name').required()]);
    if (target.kind && target.kind !== 'Node') {
      throw invalid({ group: '', kind: 'Binding' }, podName, [
        FieldPath.of('target', 'kind').notSupported(target.kind, ['Node']),
      ]);
    }
    if (binding.metadata?.name && name && binding.metadata.name !== name)
      throw badRequest('the name of the binding does not match the pod');
    const wq = parseWriteQuery(ctx.request.query, 'CreateOptions');
    const r = pods();
    const gr = { group: '', resource: 'pods/binding' };
    await r.store.update(
      ctx,
      ns,
      podName,
      (current) => {
        // The store hands over its own copy of the current pod.
        const pod = current!;
        const spec = (pod.spec ??= {}) as { nodeName?: string };
        if (pod.metadata.deletionTimestamp)
          throw conflict(gr, podName, `pod ${podName} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) throw conflict(gr, podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
        spec.nodeName = target.name;
        const ann = binding.metadata?.annotations as Record<string, string> | undefined;
        if (ann) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...ann };
        const status = (pod.status ??= {}) as {
          conditions?: { type: string; status: string; lastProbeTime?: null; lastTransitionTime?: string }[];
        };
        const conds = (status.conditions ??= []);
        const now = new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const existing = conds.find((c) => c.type === 'PodScheduled');
        if (existing) {
          if (existing.status !== 'True') existing.lastTransitionTime = now;
          existing.status = 'True';
        } else conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
        pod.metadata.resourceVersion = undefined;
        return pod;
      },
      {
        dryRun: wq.dryRun,
        subresource: { prepareForUpdate: () => undefined, validateUpdate: () => [] },
      },
    );
    return success;
  };
}
