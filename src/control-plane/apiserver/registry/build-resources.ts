import { openApiPatchSchema, type PatchSchema } from '../../../api/patch/index.js';
import { loadDefinitions } from '../../../api/openapi/definitions.js';
import type { Scheme } from '../../../api/scheme/scheme.js';
import type { ResourceInfo } from '../../../api/scheme/types.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { Storage } from '../../storage/interface.js';
import { printerFor } from '../printers/index.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import type { KubeObject } from '../watch-cache/types.js';
import { defaultStrategy, statusStrategy } from './default-strategy.js';
import { decodeWritten } from './object-codec.js';
import { eventStrategy } from './resources/events.js';
import { jobStrategy } from './resources/jobs.js';
import { secretStrategy } from './resources/secrets.js';
import { crdStrategy } from '../crd/crd-strategy.js';
import { csrApprovalStrategy, csrStatusStrategy, csrStrategy } from './resources/certificate-signing-requests.js';
import { namespaceFinalizeStrategy, namespaceStrategy } from './resources/namespaces.js';
import { podStrategy } from './resources/pods.js';
import { NodePortAllocator, ServiceIPAllocator } from './resources/service-allocators.js';
import { serviceStrategy } from './resources/services.js';
import type { ServedResource } from './served-resource.js';
import { converterFor } from './conversions.js';
import { GenericStore } from './store.js';
import type { ResourceStrategy } from './strategy.js';

/** Resources that exist only as verbs on other objects or as computed answers (no storage). */
export const virtualResources = new Set([
  '/bindings',
  '/componentstatuses',
  'authentication.k8s.io/tokenreviews',
  'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
]);

export interface BuildOptions {
  scheme: Scheme;
  storage: Storage;
  clock: Clock;
  log: Logger;
  serviceCIDR: string;
}

export interface BuiltResources {
  served: Map<string, ServedResource>;
  stores: Map<string, GenericStore>;
  caches: WatchCache[];
  serviceIPs: ServiceIPAllocator;
  nodePorts: NodePortAllocator;
}

export const servedKey = (group: string, version: string, plural: string) => `${group}/${version}/${plural}`;

/** Extra exact-match indexes per stored resource (kubelets watch their pods by node). */
const cacheIndexers: Record<string, Record<string, (o: KubeObject) => string | undefined>> = {
  '/pods': { 'spec.nodeName': (o) => (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '' },
};

function strategyFor(
  info: ResourceInfo,
  b: { serviceIPs: ServiceIPAllocator; nodePorts: NodePortAllocator; now: () => string },
): ResourceStrategy {
  const gr = `${info.group}/${info.plural}`;
  switch (gr) {
    case '/pods':
      return podStrategy(info);
    case '/namespaces':
      return namespaceStrategy(info);
    case '/services':
      return serviceStrategy(info, b.serviceIPs, b.nodePorts);
    case '/events':
      return eventStrategy(info);
    case 'batch/jobs':
      return jobStrategy(info);
    case '/secrets':
      return secretStrategy(info);
    case 'apiextensions.k8s.io/customresourcedefinitions':
      return crdStrategy(info, b.now);
    case 'certificates.k8s.io/certificatesigningrequests':
      return csrStrategy(info);
    default:
      return defaultStrategy(info);
  }
}

/**
 * Builds one GenericStore (and watch cache) per stored group-resource, and one
 * ServedResource per served group/version/resource on top of them.
 */
export function buildResources(o: BuildOptions): BuiltResources {
  const stores = new Map<string, GenericStore>();
  const caches: WatchCache[] = [];
  const served = new Map<string, ServedResource>();
  const serviceIPs = new ServiceIPAllocator(o.storage, o.serviceCIDR);
  const nodePorts = new NodePortAllocator(o.storage);
  let defs: ReturnType<typeof loadDefinitions> | undefined;
  const patchSchemaOf = (definition: string | undefined): PatchSchema | undefined => {
    if (!definition) return undefined;
    defs ??= loadDefinitions();
    return defs[definition] ? openApiPatchSchema(defs, definition) : undefined;
  };

  const now = () => new Date(Math.floor(o.clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  for (const info of o.scheme.resources()) {
    const gr = `${info.group}/${info.plural}`;
    if (virtualResources.has(gr)) continue;
    const storageInfo = o.scheme.storageResource(info);
    const sgr = `${storageInfo.group}/${storageInfo.plural}`;
    let store = stores.get(sgr);
    if (!store) {
      const cache = new WatchCache({
        storage: o.storage,
        prefix: o.scheme.storagePrefix(storageInfo),
        decode: decodeWritten,
        indexers: cacheIndexers[sgr],
        clock: o.clock,
        log: o.log.child('watch-cache', { resource: sgr }),
      });
      caches.push(cache);
      store = new GenericStore(
        strategyFor(storageInfo, {
          serviceIPs,
          nodePorts,
          now,
        }),
        {
          storage: o.storage,
          cache,
          clock: o.clock,
          log: o.log,
          keyFor: (ns, name) => o.scheme.storageKey(storageInfo, ns, name),
          prefixFor: (ns) => o.scheme.storagePrefix(storageInfo, ns || undefined),
        },
      );
      stores.set(sgr, store);
    }
    const r: ServedResource = {
      info,
      store,
      converter: converterFor(info, storageInfo),
      printer: printerFor(info.group, info.kind),
      definition: info.definition,
      subresources: new Map(),
    };
    Object.defineProperty(r, 'patchSchema', { get: () => patchSchemaOf(info.definition), enumerable: true });
    if (info.subresources.some((s) => s.name === 'status'))
      r.subresources.set('status', { strategy: statusStrategy(storageInfo) });
    if (gr === '/namespaces') r.subresources.set('finalize', { strategy: namespaceFinalizeStrategy(storageInfo) });
    if (gr === 'certificates.k8s.io/certificatesigningrequests') {
      r.subresources.set('status', { strategy: csrStatusStrategy(storageInfo, now) });
      r.subresources.set('approval', { strategy: csrApprovalStrategy(storageInfo, now) });
    }
    served.set(servedKey(info.group, info.version, info.plural), r);
  }
  return { served, stores, caches, serviceIPs, nodePorts };
}
