import type { CustomResourceSubresourceScale } from 'kubernetes-types/apiextensions/v1.js';
import { badRequest, conflict } from '../../../api/errors/status-error.js';
import type { ServedResource, SubresourceHandler } from '../registry/served-resource.js';
import type { ApiResponse, RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';
import { parseWriteQuery } from '../endpoints/query.js';

function getPath(obj: unknown, path: string | undefined): unknown {
  if (!path) return undefined;
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** `/scale` of a custom resource, mapped through the CRD's specReplicasPath/statusReplicasPath/labelSelectorPath. */
export function customScaleHandler(r: ServedResource, paths: CustomResourceSubresourceScale): SubresourceHandler {
  const toScale = (obj: KubeObject): KubeObject => {
    const m = obj.metadata;
    const selector = getPath(obj, paths.labelSelectorPath);
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
      spec: { replicas: Number(getPath(obj, paths.specReplicasPath) ?? 0) },
      status: {
        replicas: Number(getPath(obj, paths.statusReplicasPath) ?? 0),
        selector: typeof selector === 'string' ? selector : '',
      },
    };
  };
  const write = async (
    ctx: RequestContext,
    ns: string,
    name: string,
    change: (s: KubeObject) => KubeObject,
  ): Promise<ApiResponse> => {
    const wq = parseWriteQuery(ctx.request.query, 'UpdateOptions');
    const { object } = await r.store.update(
      ctx,
      ns,
      name,
      (current) => {
        const served = r.converter.toServed(current!);
        const next = change(toScale(served));
        const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas))
          throw badRequest('spec.replicas must be an integer');
        const rv = next.metadata?.resourceVersion;
        if (rv && rv !== served.metadata.resourceVersion)
          throw conflict({ group: r.info.group, resource: r.info.plural }, name);
        const out = structuredClone(served);
        setPath(out as Record<string, unknown>, paths.specReplicasPath, replicas);
        out.metadata.resourceVersion = rv || undefined;
        return r.converter.toStorage(out);
      },
      { dryRun: wq.dryRun },
    );
    return { type: 'object', status: 200, body: toScale(r.converter.toServed(object)) };
  };
  return {
    async get(_ctx, ns, name) {
      return { type: 'object', status: 200, body: toScale(r.converter.toServed(await r.store.get(ns, name))) };
    },
    update: (ctx, ns, name, body) => write(ctx, ns, name, () => body),
    patch: (ctx, ns, name, mutate) => write(ctx, ns, name, mutate),
  };
}
