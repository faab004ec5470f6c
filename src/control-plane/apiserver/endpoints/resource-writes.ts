import { badRequest, invalid, methodNotSupported } from '../../../api/errors/status-error.js';
import { decodeBody, patchMediaTypes, MediaTypes } from '../../../api/codec/media-type.js';
import { applyDefaults } from '../../../api/defaults/apply-defaults.js';
import { applyPatch, type JsonObject } from '../../../api/patch/index.js';
import { FieldPath } from '../../../api/validation/field-error.js';
import type { AdmissionAttributes, AdmissionOperation } from '../admission/types.js';
import { jsonClone } from '../fieldmanager/go-json.js';
import type { ServedResource, SubresourceHandler } from '../registry/served-resource.js';
import type { DeleteOptions } from '../registry/strategy.js';
import { listObjects } from '../registry/store-reads.js';
import { mergeStringData } from '../registry/resources/secrets.js';
import type { ApiResponse, RequestContext } from '../types.js';
import type { KubeObject } from '../watch-cache/types.js';
import type { HandlerDeps } from './context.js';
import { renderObject, renderList } from './output.js';
import { parseDryRun, parseListQuery, parseWriteQuery } from './query.js';
import { decodeDeleteOptions, decodeObjectBody } from './request-body.js';
import { renderContext, selection } from './resource-reads.js';

function attrs(
  ctx: RequestContext,
  r: ServedResource,
  operation: AdmissionOperation,
  ns: string,
  name: string,
  dryRun: boolean,
  object?: KubeObject,
  oldObject?: KubeObject,
  subresource = '',
): AdmissionAttributes {
  return { operation, resource: r.info, subresource, namespace: ns, name, object, oldObject, dryRun, ctx };
}

function warningHeaders(ctx: RequestContext): Record<string, string[]> | undefined {
  if (ctx.warnings.length === 0) return undefined;
  return { Warning: ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

/** The manager name for managedFields: ?fieldManager, else derived from the User-Agent as upstream. */
function managerOf(ctx: RequestContext, explicit: string | undefined): string {
  if (explicit) return explicit;
  const ua = ctx.request.headers['user-agent'] ?? '';
  const base = ua.split('/')[0]?.trim();
  return base || 'unknown';
}

/**
 * Defaulting plus the normalisation upstream's decoding does before field
 * tracking sees the object (Secret `stringData` folded into `data`).
 */
function defaultsFor(r: ServedResource, obj: KubeObject): void {
  if (r.custom) r.custom.defaults(obj);
  else applyDefaults(r.info.group, r.info.kind, obj, r.info.version);
  if (r.info.group === '' && r.info.kind === 'Secret') mergeStringData(obj);
}

/**
 * Validates a custom resource against its CRD schema (built-ins are validated
 * by their strategy); `old` is the stored object on updates, for CEL
 * transition rules (`oldSelf`).
 */
function customValidation(r: ServedResource, obj: KubeObject, old?: KubeObject): void {
  if (!r.custom) return;
  const errs = r.custom.validate(obj, old);
  if (errs.length) throw invalid({ group: r.info.group, kind: r.info.kind }, String(obj.metadata.name ?? ''), errs);
}

export async function handleCreate(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
): Promise<ApiResponse> {
  const wq = parseWriteQuery(ctx.request.query, 'CreateOptions');
  const rc = renderContext(ctx, r, deps);
  const obj = decodeObjectBody(ctx, r);
  ctx.warnings.push(...deps.checkFields(r, obj, ctx.request.body, wq.fieldValidation));
  if (r.custom) r.custom.prune(obj);
  defaultsFor(r, obj);
  if (r.info.namespaced && ns && obj.metadata.namespace === undefined) obj.metadata.namespace = ns;
  const a = attrs(ctx, r, 'CREATE', ns, String(obj.metadata.name ?? ''), wq.dryRun, obj);
  await deps.admission.admit(a);
  customValidation(r, obj);
  const tracked = deps.trackUpdate(r, undefined, obj, managerOf(ctx, wq.fieldManager), '');
  const stored = await r.store.create(ctx, ns, r.converter.toStorage(tracked), {
    dryRun: wq.dryRun,
    validateAdmission: (o) => deps.admission.validate({ ...a, name: String(o.metadata.name ?? ''), object: o }),
  });
  return renderObject(rc, r.converter.toServed(stored), 201, warningHeaders(ctx));
}

export async function handleUpdate(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
  name: string,
  sub?: { name: string; handler: SubresourceHandler },
): Promise<ApiResponse> {
  const wq = parseWriteQuery(ctx.request.query, 'UpdateOptions');
  const rc = renderContext(ctx, r, deps);
  const body = decodeObjectBody(ctx, r);
  // Upstream checks the name before looking the object up (a mismatch is 400, not 404).
  const bodyName = body.metadata.name;
  if (bodyName && bodyName !== name) {
    throw badRequest(`the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`);
  }
  ctx.warnings.push(...deps.checkFields(r, body, ctx.request.body, wq.fieldValidation));
  if (r.custom) r.custom.prune(body);
  defaultsFor(r, body);
  const manager = managerOf(ctx, wq.fieldManager);
  const { object, created } = await r.store.update(
    ctx,
    ns,
    name,
    async (current) => {
      const next = jsonClone(body);
      const served = current ? r.converter.toServed(current) : undefined;
      const a = attrs(ctx, r, current ? 'UPDATE' : 'CREATE', ns, name, wq.dryRun, next, served, sub?.name);
      await deps.admission.admit(a);
      if (!sub) customValidation(r, next, served);
      return r.converter.toStorage(deps.trackUpdate(r, served, next, manager, sub?.name ?? ''));
    },
    {
      dryRun: wq.dryRun,
      subresource: sub?.handler.strategy,
      validateAdmission: (o, old) =>
        deps.admission.validate(attrs(ctx, r, old ? 'UPDATE' : 'CREATE', ns, name, wq.dryRun, o, old, sub?.name)),
    },
  );
  return renderObject(rc, r.converter.toServed(object), created ? 201 : 200, warningHeaders(ctx));
}

export async function handlePatch(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
  name: string,
  sub?: { name: string; handler: SubresourceHandler },
): Promise<ApiResponse> {
  const contentType = (ctx.request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isApply = contentType === MediaTypes.applyPatchYAML;
  const wq = parseWriteQuery(ctx.request.query, 'PatchOptions', isApply);
  const rc = renderContext(ctx, r, deps);
  if (!patchMediaTypes.includes(contentType as (typeof patchMediaTypes)[number])) {
    // Let applyPatch produce upstream's 415 with the accepted list.
    applyPatch({}, '{}', contentType || 'text/plain', r.patchSchema);
  }
  const raw =
    ctx.request.object !== undefined ? JSON.stringify(ctx.request.object) : (ctx.request.body ?? new Uint8Array());
  const manager = managerOf(ctx, wq.fieldManager);
  let applyConfig: KubeObject | undefined;
  if (isApply) {
    const decoded =
      typeof raw === 'string'
        ? JSON.parse(raw)
        : decodeBody(raw, MediaTypes.applyPatchYAML, { supported: [MediaTypes.applyPatchYAML] }).value;
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded))
      throw badRequest('apply patch body must be an object');
    applyConfig = decoded as KubeObject;
    applyConfig.metadata ??= {};
    ctx.warnings.push(...deps.checkFields(r, applyConfig, undefined, wq.fieldValidation));
  }
  const setsResourceVersion = patchSetsResourceVersion(raw, contentType, applyConfig);
  const { object, created } = await r.store.update(
    ctx,
    ns,
    name,
    async (current) => {
      const served = current ? r.converter.toServed(current) : undefined;
      let next: KubeObject;
      if (applyConfig) {
        next = deps.apply(r, served, jsonClone(applyConfig), manager, wq.force ?? false);
      } else {
        if (!served) throw badRequest('patch target not found');
        next = applyPatch(served as unknown as JsonObject, raw, contentType, r.patchSchema) as unknown as KubeObject;
      }
      // Only a resourceVersion the patch itself carries is a precondition; otherwise the
      // write is unconditional and a lost compare-and-swap race re-applies the patch.
      if (!setsResourceVersion) next.metadata.resourceVersion = undefined;
      if (!applyConfig) ctx.warnings.push(...deps.checkFields(r, next, undefined, wq.fieldValidation));
      if (r.custom) r.custom.prune(next);
      defaultsFor(r, next);
      if (!applyConfig) next = deps.trackUpdate(r, served, next, manager, sub?.name ?? '');
      if (!sub) customValidation(r, next, served);
      const a = attrs(ctx, r, served ? 'UPDATE' : 'CREATE', ns, name, wq.dryRun, next, served, sub?.name);
      await deps.admission.admit(a);
      return r.converter.toStorage(next);
    },
    {
      dryRun: wq.dryRun,
      subresource: sub?.handler.strategy,
      forceAllowCreate: isApply && !sub,
      validateAdmission: (o, old) =>
        deps.admission.validate(attrs(ctx, r, old ? 'UPDATE' : 'CREATE', ns, name, wq.dryRun, o, old, sub?.name)),
    },
  );
  return renderObject(rc, r.converter.toServed(object), created ? 201 : 200, warningHeaders(ctx));
}

/** Whether a patch body sets metadata.resourceVersion (making it a precondition, as upstream). */
export function patchSetsResourceVersion(
  raw: string | Uint8Array,
  contentType: string,
  applyConfig: KubeObject | undefined,
): boolean {
  if (applyConfig) return !!applyConfig.metadata?.resourceVersion;
  let body: unknown;
  try {
    body = JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch {
    return false;
  }
  if (contentType === MediaTypes.jsonPatch) {
    return (
      Array.isArray(body) &&
      body.some((op) => op?.path === '/metadata/resourceVersion' && (op.op === 'add' || op.op === 'replace'))
    );
  }
  const meta = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return typeof meta?.resourceVersion === 'string' && meta.resourceVersion !== '';
}

function deleteOptions(ctx: RequestContext): DeleteOptions {
  const raw = decodeDeleteOptions(ctx);
  const out: DeleteOptions = {};
  const errs = [];
  const dry = raw.dryRun;
  out.dryRun = parseDryRun(
    Array.isArray(dry) ? dry.map(String) : dry === undefined ? [] : [String(dry)],
    'DeleteOptions',
  );
  if (raw.gracePeriodSeconds !== undefined && raw.gracePeriodSeconds !== null) {
    const g = Number(raw.gracePeriodSeconds);
    if (!Number.isInteger(g))
      errs.push(FieldPath.of('gracePeriodSeconds').invalid(raw.gracePeriodSeconds, 'must be an integer'));
    else out.gracePeriodSeconds = g < 0 ? 1 : g;
  }
  const pp = raw.propagationPolicy;
  if (pp !== undefined && pp !== null && pp !== '') {
    if (pp !== 'Orphan' && pp !== 'Background' && pp !== 'Foreground') {
      errs.push(FieldPath.of('propagationPolicy').notSupported(pp, ['Foreground', 'Background', 'Orphan', 'nil']));
    } else out.propagationPolicy = pp;
  }
  if (raw.orphanDependents !== undefined && raw.orphanDependents !== null) {
    if (out.propagationPolicy)
      errs.push(
        FieldPath.of('propagationPolicy').invalid(pp, 'orphanDependents and deletionPropagation cannot be both set'),
      );
    else out.propagationPolicy = raw.orphanDependents ? 'Orphan' : 'Background';
  }
  const pre = raw.preconditions as { uid?: string; resourceVersion?: string } | undefined;
  if (pre && typeof pre === 'object') out.preconditions = { uid: pre.uid, resourceVersion: pre.resourceVersion };
  if (errs.length) throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', errs);
  return out;
}

export async function handleDelete(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
  name: string,
): Promise<ApiResponse> {
  const opts = deleteOptions(ctx);
  const rc = renderContext(ctx, r, deps);
  const current = await r.store.get(ns, name);
  await deps.admission.validate(
    attrs(ctx, r, 'DELETE', ns, name, !!opts.dryRun, undefined, r.converter.toServed(current)),
  );
  const { object, deleted } = await r.store.delete(ctx, ns, name, opts);
  if (deleted && !r.store.strategy.returnDeletedObject) {
    return {
      type: 'object',
      status: 200,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, group: r.info.group, kind: r.info.plural, uid: object.metadata.uid },
      },
    };
  }
  return renderObject(rc, r.converter.toServed(object), 200, warningHeaders(ctx));
}

export async function handleDeleteCollection(
  ctx: RequestContext,
  r: ServedResource,
  deps: HandlerDeps,
  ns: string,
): Promise<ApiResponse> {
  if (!r.info.verbs.includes('deletecollection'))
    throw methodNotSupported({ group: r.info.group, resource: r.info.plural }, 'deletecollection');
  const opts = deleteOptions(ctx);
  const q = parseListQuery(ctx.request.query, false);
  const sel = selection(r, q);
  const rc = renderContext(ctx, r, deps);
  const listed = await listObjects(r.store, ns, { filter: sel.filter, resourceVersion: q.resourceVersion });
  const out: KubeObject[] = [];
  for (const obj of listed.items) {
    const objNs = String(obj.metadata.namespace ?? '');
    const name = String(obj.metadata.name);
    try {
      await deps.admission.validate(attrs(ctx, r, 'DELETE', objNs, name, !!opts.dryRun, undefined, obj));
      const res = await r.store.delete(ctx, objNs, name, opts);
      out.push(r.converter.toServed(res.object));
    } catch (err) {
      if ((err as { reason?: string }).reason === 'NotFound') continue;
      throw err;
    }
  }
  return renderList(rc, { items: out, resourceVersion: listed.resourceVersion });
}
