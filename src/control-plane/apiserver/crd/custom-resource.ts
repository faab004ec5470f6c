import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from 'kubernetes-types/apiextensions/v1.js';
import { applyDefaults, prune, validateAgainstSchema, type SchemaProps } from '../../../api/schema/index.js';
import type { ResourceInfo, SubresourceInfo, Verb } from '../../../api/scheme/types.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { Storage } from '../../storage/interface.js';
import { customColumnsPrinter } from '../printers/index.js';
import { defaultStrategy, statusStrategy } from '../registry/default-strategy.js';
import { decodeWritten } from '../registry/object-codec.js';
import type { Converter, ServedResource } from '../registry/served-resource.js';
import { GenericStore } from '../registry/store.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import type { KubeObject } from '../watch-cache/types.js';
import { customScaleHandler } from './custom-scale.js';

const allVerbs: Verb[] = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

export function storageVersionOf(crd: CustomResourceDefinition): string {
  return crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]!.name;
}

/** The ResourceInfo a CRD version is served as. */
export function resourceInfoFor(crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion): ResourceInfo {
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
  const subresources: SubresourceInfo[] = [];
  const gvk = { group: crd.spec.group, version: v.name, kind: names.kind };
  if (v.subresources?.status) subresources.push({ name: 'status', kind: gvk, verbs: ['get', 'patch', 'update'] });
  if (v.subresources?.scale)
    subresources.push({
      name: 'scale',
      kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  return {
    group: crd.spec.group,
    version: v.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: crd.spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: allVerbs,
    subresources,
  };
}

/** Conversion strategy None: objects only change apiVersion between versions. */
function noneConverter(group: string, served: string, stored: string): Converter {
  const servedAV = `${group}/${served}`;
  const storedAV = `${group}/${stored}`;
  return {
    identity: served === stored,
    toServed: (o) => (o.apiVersion === servedAV ? o : { ...o, apiVersion: servedAV }),
    toStorage(o) {
      o.apiVersion = storedAV;
      return o;
    },
  };
}

export interface CrdStoreDeps {
  storage: Storage;
  clock: Clock;
  log: Logger;
}

/** The shared store (and watch cache) of one CRD's objects, at its storage version. */
export interface CrdStore {
  key: string;
  store: GenericStore;
  cache: WatchCache;
}

export function crdStoreKey(crd: CustomResourceDefinition): string {
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
  return `${crd.spec.group}/${names.plural}/${crd.spec.scope}/${storageVersionOf(crd)}/${JSON.stringify(crd.spec.versions.map((v) => [v.name, v.subresources ?? null, v.schema ?? null]))}`;
}

export function prefixFor(group: string, plural: string, ns?: string): string {
  return `/registry/${group}/${plural}/${ns ? `${ns}/` : ''}`;
}

export function makeCrdStore(crd: CustomResourceDefinition, deps: CrdStoreDeps): CrdStore {
  const storageVersion = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0]!;
  const info = resourceInfoFor(crd, storageVersion);
  const namespaced = info.namespaced;
  const cache = new WatchCache({
    storage: deps.storage,
    prefix: prefixFor(info.group, info.plural),
    decode: decodeWritten,
    clock: deps.clock,
    log: deps.log.child('watch-cache', { resource: `${info.group}/${info.plural}` }),
  });
  const store = new GenericStore(defaultStrategy(info, {}, true), {
    storage: deps.storage,
    cache,
    clock: deps.clock,
    log: deps.log,
    keyFor: (ns, name) => `${prefixFor(info.group, info.plural, namespaced ? ns : undefined)}${name}`,
    prefixFor: (ns) => prefixFor(info.group, info.plural, namespaced && ns ? ns : undefined),
  });
  return { key: crdStoreKey(crd), store, cache };
}

function schemaOf(v: CustomResourceDefinitionVersion): SchemaProps | undefined {
  return v.schema?.openAPIV3Schema as SchemaProps | undefined;
}

/** One served version of a CRD on top of its shared store. */
export function servedCustomResource(
  crd: CustomResourceDefinition,
  v: CustomResourceDefinitionVersion,
  shared: CrdStore,
): ServedResource {
  const info = resourceInfoFor(crd, v);
  const schema = schemaOf(v);
  const r: ServedResource = {
    info,
    store: shared.store,
    converter: noneConverter(info.group, v.name, storageVersionOf(crd)),
    printer: customColumnsPrinter(
      (v.additionalPrinterColumns ?? []).map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format,
        description: c.description,
        priority: c.priority,
        jsonPath: c.jsonPath,
      })),
    ),
    subresources: new Map(),
    customSchema: schema as never,
    custom: {
      validate: (obj: KubeObject) => (schema ? validateAgainstSchema(stripMeta(obj), schema, FieldPath.root('')) : []),
      prune: (obj: KubeObject) =>
        schema && !schema['x-kubernetes-preserve-unknown-fields'] ? prune(obj, schema, true) : [],
      defaults: (obj: KubeObject) => {
        if (schema) applyDefaults(obj, schema);
      },
    },
  };
  if (v.subresources?.status) r.subresources.set('status', { strategy: statusStrategy(info) });
  if (v.subresources?.scale) r.subresources.set('scale', customScaleHandler(r, v.subresources.scale));
  return r;
}

/** metadata is validated by ObjectMeta rules, not the CRD schema (upstream validates everything but metadata). */
function stripMeta(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, ...rest } = obj;
  return rest;
}
