import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from 'kubernetes-types/apiextensions/v1.js';
import { applyDefaults, prune, validateAgainstSchema, type SchemaProps } from '../../../api/schema/index.js';
import type { ResourceInfo, SubresourceInfo, Verb } from '../../../api/scheme/types.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { Storage } from '../../storage/interface.js';
import { customColumnsPrinter } from '../printers/index.js';
import { defaultStrategy, statusStrategy } from '../registry/default-strategy.js';
import { deprecationWarningFor } from './deprecation-warning.js';
import { decodeWritten } from '../registry/object-codec.js';
import type { Converter, ServedResource } from '../registry/served-resource.js';
import { GenericStore } from '../registry/store.js';
import { WatchCache } from '../watch-cache/watch-cache.js';
import type { KubeObject } from '../watch-cache/types.js';
import type { WebhookClient } from '../admission/plugins/webhook/client.js';
import { ConvertingStorage } from './conversion/converting-storage.js';
import { webhookConverter } from './conversion/webhook-converter.js';
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

/**
 * The converter endpoints see: objects of a served version are already at
 * that version once they come out of its store (shared store: storage version
 * objects, so only apiVersion changes, as upstream's nopConverter; per-version
 * store: the store converted them), so only apiVersion is ever set here.
 */
function apiVersionConverter(group: string, served: string, stored: string): Converter {
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
  /** Calls conversion webhooks; CRDs with strategy Webhook need it. */
  webhookClient?: Pick<WebhookClient, 'post'>;
}

/** A store and its watch cache. */
export interface CrdView {
  store: GenericStore;
  cache: WatchCache;
}

/**
 * The storage of one CRD's objects. `store`/`cache` hold objects at the
 * storage version. With conversion strategy Webhook every version (served or
 * storage) also has its own view whose storage converts (`views`, by version
 * name; the storage version's view is `store`/`cache` itself), as upstream
 * builds one REST storage per version; with None one store serves all.
 */
export interface CrdStore extends CrdView {
  key: string;
  views: Map<string, CrdView>;
}

export function crdStoreKey(crd: CustomResourceDefinition): string {
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
  const versions = crd.spec.versions.map((v) => [v.name, v.served, v.subresources ?? null, v.schema ?? null]);
  return `${crd.spec.group}/${names.plural}/${crd.spec.scope}/${storageVersionOf(crd)}/${JSON.stringify(versions)}/${JSON.stringify(crd.spec.conversion ?? null)}`;
}

export function prefixFor(group: string, plural: string, ns?: string): string {
  return `/registry/${group}/${plural}/${ns ? `${ns}/` : ''}`;
}

/** Every watch cache of a CRD store (each started and disposed by its owner). */
export function crdStoreCaches(s: CrdStore): WatchCache[] {
  return s.views.size > 0 ? [...s.views.values()].map((v) => v.cache) : [s.cache];
}

function makeView(info: ResourceInfo, storage: Storage, deps: CrdStoreDeps): CrdView {
  const namespaced = info.namespaced;
  const cache = new WatchCache({
    storage,
    prefix: prefixFor(info.group, info.plural),
    decode: decodeWritten,
    clock: deps.clock,
    log: deps.log.child('watch-cache', { resource: `${info.group}/${info.plural}`, version: info.version }),
  });
  const store = new GenericStore(defaultStrategy(info, {}, true), {
    storage,
    cache,
    clock: deps.clock,
    log: deps.log,
    keyFor: (ns, name) => `${prefixFor(info.group, info.plural, namespaced ? ns : undefined)}${name}`,
    prefixFor: (ns) => prefixFor(info.group, info.plural, namespaced && ns ? ns : undefined),
  });
  return { store, cache };
}

export function makeCrdStore(crd: CustomResourceDefinition, deps: CrdStoreDeps): CrdStore {
  const storageVersion = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0]!;
  const key = crdStoreKey(crd);
  const conversion = crd.spec.conversion;
  if (conversion?.strategy !== 'Webhook' || !conversion.webhook?.clientConfig || !deps.webhookClient) {
    const shared = makeView(resourceInfoFor(crd, storageVersion), deps.storage, deps);
    return { key, ...shared, views: new Map() };
  }
  const converter = webhookConverter({
    client: deps.webhookClient,
    clientConfig: conversion.webhook.clientConfig,
    conversionReviewVersions: conversion.webhook.conversionReviewVersions,
  });
  const storageAPIVersion = `${crd.spec.group}/${storageVersion.name}`;
  const views = new Map<string, CrdView>();
  for (const v of crd.spec.versions) {
    if (!v.served && v !== storageVersion) continue;
    const storage = new ConvertingStorage({
      inner: deps.storage,
      converter,
      viewAPIVersion: `${crd.spec.group}/${v.name}`,
      storageAPIVersion,
      log: deps.log,
    });
    views.set(v.name, makeView(resourceInfoFor(crd, v), storage, deps));
  }
  return { key, ...views.get(storageVersion.name)!, views };
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
  const view = shared.views.get(v.name);
  const r: ServedResource = {
    info,
    store: (view ?? shared).store,
    converter: apiVersionConverter(info.group, v.name, view ? v.name : storageVersionOf(crd)),
    warning: deprecationWarningFor(crd.spec, v),
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
      validate: (obj: KubeObject, old?: KubeObject) =>
        schema
          ? validateAgainstSchema(stripMeta(obj), schema, FieldPath.root(''), old ? stripMeta(old) : undefined)
          : [],
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
