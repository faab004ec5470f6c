import { randomUUID } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  isNotFound,
  notFound,
  StatusError,
} from '../../../api/errors/status-error.js';
import { type FieldError, FieldPath } from '../../../api/validation/field-error.js';
import type { Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import { isStorageError, type Storage } from '../../storage/interface.js';
import type { RequestContext } from '../types.js';
import type { WatchCache } from '../watch-cache/watch-cache.js';
import type { KubeObject } from '../watch-cache/types.js';
import { jsonClone } from '../fieldmanager/go-json.js';
import { decodeStored, encodeForStorage } from './object-codec.js';
import { WriteTransaction } from './write-tx.js';
import { isStaleRead } from '../encryption/stale-reads.js';
import type { DeleteOptions, ResourceStrategy, SubresourceStrategy } from './strategy.js';

export interface StoreDeps {
  storage: Storage;
  cache: WatchCache;
  clock: Clock;
  log: Logger;
  /** Storage key of one object. */
  keyFor(namespace: string, name: string): string;
  /** Storage prefix of all objects (namespace '' ) or one namespace's. */
  prefixFor(namespace: string): string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Validating admission for this request, run after the strategy's validation, before the write. */
  validateAdmission?: (obj: KubeObject, old: KubeObject | undefined) => Promise<void>;
}

export interface UpdateOptions extends WriteOptions {
  /** A subresource write (status...): its strategy decides what may change. */
  subresource?: SubresourceStrategy;
  /** Create when missing even if the strategy doesn't (server-side apply). */
  forceAllowCreate?: boolean;
  /** The mutation carries its own resourceVersion precondition (PUT/patch with RV): no internal retry on conflict. */
}

/** A mutation for update: given the current object (undefined if absent), returns the desired object. */
export type Mutation = (current: KubeObject | undefined) => Promise<KubeObject> | KubeObject;

/**
 * Compare-and-swap attempts before giving up on an unconditional write. Each
 * group commit lets one writer of a key win, so N concurrent writers of one
 * object need up to N rounds (upstream GuaranteedUpdate retries until its
 * request deadline).
 */
const maxRetries = 200;

const nameChars = 'bcdfghjklmnpqrstvwxz2456789';
const maxGeneratedNameLength = 63;

export function generateName(base: string): string {
  const b = base.length > maxGeneratedNameLength - 5 ? base.slice(0, maxGeneratedNameLength - 5) : base;
  let s = '';
  for (let i = 0; i < 5; i++) s += nameChars[Math.floor(Math.random() * nameChars.length)];
  return b + s;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Deep structural equality for JSON values (used to skip no-op writes). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak)
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

const groupResource = (s: ResourceStrategy) => ({ group: s.info.group, resource: s.info.plural });
const groupKind = (s: ResourceStrategy) => ({ group: s.info.group, kind: s.info.kind });

/**
 * The generic registry store (upstream `registry/generic/registry/store.go`):
 * create, get, update (optimistic concurrency with internal retries), graceful
 * and finalizer-aware delete, over the narrow Storage interface. Reads that can
 * be served from the watch cache are (see ./store-reads.ts).
 */
export class GenericStore {
  constructor(
    readonly strategy: ResourceStrategy,
    readonly deps: StoreDeps,
  ) {}

  get info() {
    return this.strategy.info;
  }

  private checkNamespace(ns: string): void {
    if (this.info.namespaced && !ns)
      throw badRequest('the server could not find the requested resource: namespace required');
  }

  /** Reads one object straight from storage (consistent). */
  async getFromStorage(ns: string, name: string): Promise<KubeObject | undefined> {
    const kv = await this.deps.storage.get(this.deps.keyFor(ns, name));
    return kv ? decodeStored(kv) : undefined;
  }

  async get(ns: string, name: string): Promise<KubeObject> {
    this.checkNamespace(ns);
    const obj = await this.getFromStorage(ns, name);
    if (!obj) throw notFound(groupResource(this.strategy), name);
    return obj;
  }

  /** Fills in what the server owns on create and validates; returns the object to store. */
  private async prepareCreate(
    ctx: RequestContext,
    ns: string,
    obj: KubeObject,
    opts: WriteOptions,
  ): Promise<KubeObject> {
    const meta = (obj.metadata ??= {});
    if (this.info.namespaced) {
      if (meta.namespace && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns;
    } else {
      delete meta.namespace;
    }
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName)
      meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.deps.clock.now());
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.selfLink;
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    await this.strategy.prepareForCreate(ctx, obj);
    dropEmptyMeta(meta);
    const errs = this.strategy.validate(obj);
    if (errs.length) throw invalid(groupKind(this.strategy), meta.name ?? '', errs);
    if (opts.validateAdmission) await opts.validateAdmission(obj, undefined);
    return obj;
  }

  async create(ctx: RequestContext, ns: string, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    this.checkNamespace(ns);
    const tx = new WriteTransaction(!!opts.dryRun, this.deps.log);
    ctx.tx = tx;
    try {
      const ready = await this.prepareCreate(ctx, ns, obj, opts);
      const name = ready.metadata.name as string;
      if (opts.dryRun) {
        const existing = await this.deps.storage.get(this.deps.keyFor(ns, name));
        if (existing) throw alreadyExists(groupResource(this.strategy), name);
        await tx.abort();
        return ready;
      }
      try {
        const kv = await this.deps.storage.create(this.deps.keyFor(ns, name), encodeForStorage(ready), {
          ttlSeconds: this.strategy.ttlSeconds,
        });
        ready.metadata.resourceVersion = String(kv.modRevision);
      } catch (err) {
        if (isStorageError(err, 'KeyExists')) throw alreadyExists(groupResource(this.strategy), name);
        throw err;
      }
      await tx.commit();
      return ready;
    } catch (err) {
      await tx.abort();
      throw err;
    } finally {
      ctx.tx = undefined;
    }
  }

  /**
   * Updates `name` by applying `mutate` to the current object, with compare-and-swap
   * on the storage revision. A resourceVersion in the mutated object is a
   * precondition (409 on mismatch); without one, concurrent writers are retried.
   *
   * As upstream's GuaranteedUpdate with a cached existing object, the first
   * attempt starts from the watch cache's copy (no storage read, no decode);
   * when that guess may have been stale — a lost compare-and-swap, an error
   * or a no-op computed from it — the next attempt reads storage.
   */
  async update(
    ctx: RequestContext,
    ns: string,
    name: string,
    mutate: Mutation,
    opts: UpdateOptions = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    this.checkNamespace(ns);
    const key = this.deps.keyFor(ns, name);
    let guess = this.deps.cache.get(key);
    for (let attempt = 0; ; attempt++) {
      let current: KubeObject | undefined;
      let modRevision = 0;
      // A stale read (stored with an outdated encryption key/provider) is written back even when
      // unchanged, as upstream's GuaranteedUpdate; only a storage read can tell, hence the retry below.
      let stale = false;
      const fromCache = guess !== undefined;
      if (guess) {
        current = guess.object;
        modRevision = guess.rv;
        guess = undefined;
      } else {
        const kv = await this.deps.storage.get(key);
        if (kv) {
          current = decodeStored(kv);
          modRevision = kv.modRevision;
          stale = isStaleRead(kv);
        }
      }
      if (!current) {
        if (!opts.forceAllowCreate && (!this.strategy.allowCreateOnUpdate || opts.subresource)) {
          throw notFound(groupResource(this.strategy), name);
        }
        const desired = await mutate(undefined);
        desired.metadata ??= {};
        if (desired.metadata.name && desired.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`,
          );
        }
        desired.metadata.name = name;
        try {
          return { object: await this.create(ctx, ns, desired, opts), created: true };
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'AlreadyExists' && attempt < 5) continue;
          throw err;
        }
      }
      const tx = new WriteTransaction(!!opts.dryRun, this.deps.log);
      ctx.tx = tx;
      let outcome: { object: KubeObject; created: boolean } | 'retry';
      try {
        outcome = await this.attemptUpdate(ctx, ns, name, key, modRevision, current, mutate, opts, attempt, {
          fromCache,
          stale,
        });
      } catch (err) {
        await tx.abort();
        ctx.tx = undefined;
        if (fromCache) continue;
        throw err;
      }
      ctx.tx = undefined;
      if (outcome === 'retry') {
        await tx.abort();
        continue;
      }
      if (opts.dryRun) await tx.abort();
      else await tx.commit();
      return outcome;
    }
  }

  /**
   * One compare-and-swap attempt of update(); 'retry' when another writer won
   * the race, or when `current` came from the cache and may be stale.
   */
  private async attemptUpdate(
    ctx: RequestContext,
    ns: string,
    name: string,
    key: string,
    modRevision: number,
    current: KubeObject,
    mutate: Mutation,
    opts: UpdateOptions,
    attempt: number,
    read: { fromCache: boolean; stale: boolean },
  ): Promise<{ object: KubeObject; created: boolean } | 'retry'> {
    const fromCache = read.fromCache;
    const desired = await mutate(jsonClone(current));
    const wantRv = desired.metadata?.resourceVersion;
    const conditional = wantRv !== undefined && wantRv !== '';
    if (conditional && wantRv !== current.metadata.resourceVersion) {
      if (fromCache) return 'retry';
      throw conflict(groupResource(this.strategy), name);
    }
    if (!conditional && !this.strategy.allowUnconditionalUpdate && !opts.subresource) {
      throw invalid(groupKind(this.strategy), name, [
        FieldPath.of('metadata', 'resourceVersion').invalid(0, 'must be specified for an update'),
      ]);
    }
    const next = await this.prepareUpdate(ctx, ns, name, desired, current, opts);
    if (!read.stale && jsonEqual(stripRv(next), stripRv(current)))
      return fromCache ? 'retry' : { object: current, created: false };
    const retryable = (err: unknown) =>
      (fromCache || (!conditional && attempt < maxRetries)) &&
      (isStorageError(err, 'Conflict') || isStorageError(err, 'KeyNotFound'));
    if (shouldDeleteDuringUpdate(next) && (this.strategy.canRemove?.(next) ?? true)) {
      if (opts.dryRun) return { object: next, created: false };
      try {
        const prev = await this.deps.storage.delete(key, modRevision);
        next.metadata.resourceVersion = String(prev.modRevision);
      } catch (err) {
        if (retryable(err)) return 'retry';
        if (isStorageError(err, 'Conflict')) throw conflict(groupResource(this.strategy), name);
        if (isStorageError(err, 'KeyNotFound')) throw notFound(groupResource(this.strategy), name);
        throw err;
      }
      await this.strategy.afterDelete?.(next);
      return { object: next, created: false };
    }
    if (opts.dryRun) return { object: next, created: false };
    try {
      const written = await this.deps.storage.update(key, encodeForStorage(next), modRevision, {
        ttlSeconds: this.strategy.ttlSeconds,
      });
      next.metadata.resourceVersion = String(written.modRevision);
      return { object: next, created: false };
    } catch (err) {
      if (retryable(err)) return 'retry';
      if (isStorageError(err, 'Conflict')) throw conflict(groupResource(this.strategy), name);
      if (isStorageError(err, 'KeyNotFound')) throw notFound(groupResource(this.strategy), name);
      throw err;
    }
  }

  /** Keeps server-owned metadata, applies the (sub)resource strategy and validates an update. */
  private async prepareUpdate(
    ctx: RequestContext,
    ns: string,
    name: string,
    obj: KubeObject,
    old: KubeObject,
    opts: UpdateOptions,
  ): Promise<KubeObject> {
    const sub = opts.subresource;
    const meta = (obj.metadata ??= {});
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    }
    if (this.info.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.name = name;
    if (this.info.namespaced) meta.namespace = ns;
    else delete meta.namespace;
    // Server-owned fields never change through an update.
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    copyOrDelete(meta, old.metadata, 'deletionTimestamp');
    copyOrDelete(meta, old.metadata, 'deletionGracePeriodSeconds');
    delete meta.selfLink;
    // Unconditional updates are validated with the stored resourceVersion, as upstream.
    if (!meta.resourceVersion) meta.resourceVersion = old.metadata.resourceVersion;
    let errs: FieldError[];
    if (sub) {
      await sub.prepareForUpdate(ctx, obj, old);
      copyOrDelete(meta, old.metadata, 'generation');
      errs = sub.validateUpdate(obj, old);
    } else {
      if (this.strategy.tracksGeneration) meta.generation = (old.metadata.generation as number | undefined) ?? 1;
      else delete meta.generation;
      await this.strategy.prepareForUpdate(ctx, obj, old);
      if (this.strategy.tracksGeneration && specChanged(obj, old))
        meta.generation = ((old.metadata.generation as number) ?? 0) + 1;
      errs = this.strategy.validateUpdate(obj, old);
    }
    if (errs.length) throw invalid(groupKind(this.strategy), name, errs);
    if (opts.validateAdmission) await opts.validateAdmission(obj, old);
    dropEmptyMeta(obj.metadata);
    return obj;
  }

  /**
   * Deletes `name`: graceful objects and objects with finalizers are marked
   * (deletionTimestamp) and returned; others are removed from storage.
   */
  async delete(
    ctx: RequestContext,
    ns: string,
    name: string,
    opts: DeleteOptions,
  ): Promise<{ object: KubeObject; deleted: boolean }> {
    this.checkNamespace(ns);
    const key = this.deps.keyFor(ns, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.deps.storage.get(key);
      if (!kv) throw notFound(groupResource(this.strategy), name);
      const current = decodeStored(kv);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw conflict(
          groupResource(this.strategy),
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(current.metadata.uid)}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(
          groupResource(this.strategy),
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(current.metadata.resourceVersion)}`,
        );
      }
      const next = jsonClone(current);
      const meta = next.metadata;
      // The strategy may hold the object (and add finalizers/conditions) before propagation is applied.
      const held = this.strategy.markForDeletion?.(next) ?? false;
      const propagation = opts.propagationPolicy ?? this.strategy.defaultPropagation(current);
      let finalizers = ((meta.finalizers as string[] | undefined) ?? []).filter(
        (f) => f !== 'orphan' && f !== 'foregroundDeletion',
      );
      const hadGcFinalizers = ((meta.finalizers as string[] | undefined) ?? []).filter(
        (f) => f === 'orphan' || f === 'foregroundDeletion',
      );
      if (propagation === 'Orphan') finalizers.push('orphan');
      else if (propagation === 'Foreground') finalizers.push('foregroundDeletion');
      else if (opts.propagationPolicy === undefined) finalizers = [...finalizers, ...hadGcFinalizers];
      finalizers = [...new Set(finalizers)];
      const grace = this.strategy.gracePeriod(current, opts);
      const alreadyDeleting = !!meta.deletionTimestamp;
      if (finalizers.length > 0 || grace !== undefined || held) {
        if (!alreadyDeleting || grace !== undefined) {
          const now = this.deps.clock.now();
          const g = grace ?? 0;
          const prevGrace = meta.deletionGracePeriodSeconds as number | undefined;
          if (!alreadyDeleting || prevGrace === undefined || g < prevGrace) {
            meta.deletionTimestamp = rfc3339(now + g * 1000);
            meta.deletionGracePeriodSeconds = g;
          }
        }
        if (finalizers.length > 0) meta.finalizers = finalizers;
        else delete meta.finalizers;
        if (jsonEqual(next, current)) return { object: current, deleted: false };
        if (opts.dryRun) return { object: next, deleted: false };
        try {
          const written = await this.deps.storage.update(key, encodeForStorage(next), kv.modRevision);
          next.metadata.resourceVersion = String(written.modRevision);
          return { object: next, deleted: false };
        } catch (err) {
          if (isStorageError(err, 'Conflict') && attempt < maxRetries) continue;
          throw err;
        }
      }
      if (opts.dryRun) return { object: current, deleted: true };
      try {
        const prev = await this.deps.storage.delete(key, kv.modRevision);
        current.metadata.resourceVersion = String(prev.modRevision);
        await this.strategy.afterDelete?.(current);
        return { object: current, deleted: true };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < maxRetries) continue;
        if (isStorageError(err, 'KeyNotFound')) throw notFound(groupResource(this.strategy), name);
        throw err;
      }
    }
  }

  /** Whether `err` from get/delete means the object is gone (for idempotent callers). */
  static isGone(err: unknown): boolean {
    return isNotFound(err);
  }
}

/**
 * Go drops empty omitempty collections when it serializes ObjectMeta, so a
 * client that sends `labels: {}` (or removes the last annotation) reads back
 * no field at all; store the same.
 */
function dropEmptyMeta(meta: Record<string, unknown>): void {
  for (const k of ['labels', 'annotations']) {
    const v = meta[k];
    if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) delete meta[k];
    else if (v === null) delete meta[k];
  }
  for (const k of ['finalizers', 'ownerReferences', 'managedFields']) {
    const v = meta[k];
    if ((Array.isArray(v) && v.length === 0) || v === null) delete meta[k];
  }
}

function stripRv(o: KubeObject): KubeObject {
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}

function copyOrDelete(to: Record<string, unknown>, from: Record<string, unknown>, k: string): void {
  if (from[k] === undefined) delete to[k];
  else to[k] = from[k];
}

/** Anything but metadata and status changed (upstream bumps generation then). */
function specChanged(obj: KubeObject, old: KubeObject): boolean {
  const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!jsonEqual(obj[k], old[k])) return true;
  }
  return false;
}

/** An object being deleted whose finalizers are all gone and whose grace period is over goes away. */
function shouldDeleteDuringUpdate(obj: KubeObject): boolean {
  const m = obj.metadata;
  const fins = (m.finalizers as string[] | undefined) ?? [];
  return (
    !!m.deletionTimestamp && fins.length === 0 && ((m.deletionGracePeriodSeconds as number | undefined) ?? 0) === 0
  );
}
