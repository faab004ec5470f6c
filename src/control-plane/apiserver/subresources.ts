import type { ApiServerCore as ApiServer } from './api-server-core.js';
import { scaleHandler } from './endpoints/subresources/scale.js';
import { bindPod } from './endpoints/subresources/pod-binding.js';
import { evictPod } from './endpoints/subresources/pod-eviction.js';
import { validateStatusUpdate } from './registry/meta-validation.js';
import { podTarget } from './proxy/kubelet-location.js';
import { kubeletGet } from './proxy/kubelet-proxy.js';
import { installProxySubresources } from './proxy/proxy-subresources.js';
import { serviceUnavailable } from '../../api/errors/status-error.js';

/** Wires subresources that need other resources or custom request shapes (scale, binding, eviction...). */
export function installSubresources(server: ApiServer): void {
  const deps = server.deps;
  for (const r of server.servedResources()) {
    for (const s of r.info.subresources) {
      if (s.name === 'scale')
        r.subresources.set(
          'scale',
          scaleHandler(() => server.resource(r.info.group, r.info.version, r.info.plural)!, deps),
        );
    }
  }
  const pods = server.resource('', 'v1', 'pods')!;
  const getPods = () => server.resource('', 'v1', 'pods')!;
  pods.subresources.set('binding', { create: bindPod(getPods, deps) });
  pods.subresources.set('log', {
    async connect(ctx, ns, name) {
      const q = new URLSearchParams(ctx.request.query);
      const container = q.get('container');
      q.delete('container');
      const t = await podTarget(server, ns, name, container);
      if (!server.kubeletClient) throw serviceUnavailable('no kubelet client credentials configured');
      const path = `/containerLogs/${ns}/${name}/${t.container}${q.size ? `?${q}` : ''}`;
      return kubeletGet(server.kubeletClient, t.kubelet, path, ctx.signal);
    },
  });
  installProxySubresources(server);
  pods.subresources.set('eviction', {
    create: evictPod(getPods, () => server.preferred('policy', 'poddisruptionbudgets'), deps),
  });
  pods.subresources.set('ephemeralcontainers', {
    strategy: {
      prepareForUpdate(_ctx, obj, old) {
        const eph = (obj.spec as { ephemeralContainers?: unknown } | undefined)?.ephemeralContainers;
        const keep = structuredClone(old);
        for (const k of Object.keys(obj)) if (k !== 'metadata') delete obj[k];
        Object.assign(obj, { ...keep, metadata: obj.metadata });
        const spec = obj.spec as Record<string, unknown>;
        if (eph === undefined) delete spec.ephemeralContainers;
        else spec.ephemeralContainers = eph;
        for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
          const v = old.metadata[k];
          if (v === undefined) delete (obj.metadata as Record<string, unknown>)[k];
          else (obj.metadata as Record<string, unknown>)[k] = v;
        }
      },
      validateUpdate: (obj, old) => {
        const errs = validateStatusUpdate(pods.info, obj, old);
        const before = ((old.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers ?? []).map((c) =>
          JSON.stringify(c),
        );
        const after = ((obj.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers ?? []).map((c) =>
          JSON.stringify(c),
        );
        before.forEach((b, i) => {
          if (after[i] !== b)
            errs.push({
              type: 'FieldValueForbidden',
              field: `spec.ephemeralContainers[${i}]`,
              badValue: '',
              detail: 'existing ephemeral containers may not be changed or removed',
            });
        });
        return errs;
      },
    },
  });
}
