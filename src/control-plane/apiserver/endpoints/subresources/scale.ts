import { badRequest, conflict } from '../../../../api/errors/status-error.js';
import { labelSelectorToString, selectorFromSet } from '../../../../api/selectors/label-selector.js';
import { groupVersionString } from '../../../../api/scheme/types.js';
import type { ServedResource, SubresourceHandler } from '../../registry/served-resource.js';
import type { ApiResponse, RequestContext } from '../../types.js';
import type { KubeObject } from '../../watch-cache/types.js';
import type { HandlerDeps } from '../context.js';
import { parseWriteQuery } from '../query.js';

/** The autoscaling/v1 Scale view of a workload (its resourceVersion is the workload's). */
export function toScale(obj: KubeObject, legacyMapSelector: boolean): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  let selector = '';
  if (legacyMapSelector) selector = selectorFromSet((spec.selector as Record<string, string>) ?? {}).toString();
  else if (spec.selector) selector = labelSelectorToString(spec.selector as never);
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/**
 * `/scale` for Deployments, ReplicaSets, StatefulSets and ReplicationControllers:
 * GET/PUT/PATCH an autoscaling/v1 Scale; writes change only spec.replicas of
 * the workload, with the Scale's resourceVersion as precondition.
 */
export function scaleHandler(resource: () => ServedResource, _deps: HandlerDeps): SubresourceHandler {
  const legacy = () => resource().info.kind === 'ReplicationController';
  const respond = (ctx: RequestContext, obj: KubeObject, status = 200): ApiResponse => ({
    type: 'object',
    status,
    body: toScale(resource().converter.toServed(obj), legacy()),
    headers: ctx.warnings.length ? { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : undefined,
  });

  async function write(
    ctx: RequestContext,
    ns: string,
    name: string,
    change: (scale: KubeObject) => KubeObject,
  ): Promise<ApiResponse> {
    const r = resource();
    const wq = parseWriteQuery(ctx.request.query, 'UpdateOptions');
    const { object } = await r.store.update(
      ctx,
      ns,
      name,
      (current) => {
        const served = r.converter.toServed(current!);
        const next = change(toScale(served, legacy()));
        const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas))
          throw badRequest('spec.replicas must be an integer');
        const rv = next.metadata?.resourceVersion;
        if (rv && rv !== served.metadata.resourceVersion)
          throw conflict({ group: r.info.group, resource: `${r.info.plural}` }, name);
        const out = structuredClone(served);
        (out.spec as { replicas?: number }).replicas = replicas;
        out.metadata.resourceVersion = rv || undefined;
        return r.converter.toStorage(out);
      },
      { dryRun: wq.dryRun },
    );
    return respond(ctx, object);
  }

  return {
    async get(_ctx, ns, name) {
      return respond(_ctx, await resource().store.get(ns, name));
    },
    update(ctx, ns, name, body) {
      if (body.kind !== undefined && body.kind !== 'Scale')
        throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (Scale)`);
      return write(ctx, ns, name, () => body);
    },
    patch(ctx, ns, name, mutate) {
      return write(ctx, ns, name, mutate);
    },
  };
}

export const scaleApiVersion = groupVersionString({ group: 'autoscaling', version: 'v1' });
