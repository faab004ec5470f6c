import { badRequest, invalid } from '../../../api/errors/status-error.js';
import { type FieldError, FieldPath } from '../../../api/validation/field-error.js';

/**
 * Query parameters of reads and writes, checked like kube-apiserver checks its
 * ListOptions / CreateOptions / UpdateOptions / PatchOptions / DeleteOptions
 * (422 Invalid with group `meta.k8s.io` for bad values).
 */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  watch: boolean;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteQuery {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  force?: boolean;
}

const metaGK = (kind: string) => ({ group: 'meta.k8s.io', kind });

function bool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid boolean value for ${name}: ${JSON.stringify(v)}`);
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

export function parseListQuery(q: URLSearchParams, isWatch: boolean): ListQuery {
  const errs: FieldError[] = [];
  const out: ListQuery = {
    labelSelector: q.get('labelSelector') ?? undefined,
    fieldSelector: q.get('fieldSelector') ?? undefined,
    limit: int(q, 'limit'),
    continue: q.get('continue') || undefined,
    resourceVersion: q.get('resourceVersion') ?? undefined,
    watch: isWatch,
    allowWatchBookmarks: bool(q, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: bool(q, 'sendInitialEvents'),
    timeoutSeconds: int(q, 'timeoutSeconds'),
  };
  const match = q.get('resourceVersionMatch');
  if (match) {
    if (match !== 'NotOlderThan' && match !== 'Exact') {
      errs.push(FieldPath.of('resourceVersionMatch').notSupported(match, ['Exact', 'NotOlderThan']));
    } else out.resourceVersionMatch = match;
  }
  if (out.limit !== undefined && out.limit < 0) out.limit = 0;
  if (isWatch) {
    if (out.sendInitialEvents !== undefined) {
      if (out.resourceVersionMatch !== 'NotOlderThan') {
        errs.push(
          FieldPath.of('resourceVersionMatch').forbidden(
            'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
          ),
        );
      }
      if (!out.allowWatchBookmarks) {
        errs.push(
          FieldPath.of('allowWatchBookmarks').required(
            'allowWatchBookmarks must be set to true when sendInitialEvents is set',
          ),
        );
      }
    } else if (out.resourceVersionMatch) {
      errs.push(
        FieldPath.of('resourceVersionMatch').forbidden(
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    }
  } else if (out.sendInitialEvents !== undefined) {
    errs.push(FieldPath.of('sendInitialEvents').forbidden('sendInitialEvents is forbidden for list'));
  }
  if (out.resourceVersionMatch && !out.resourceVersion && !isWatch) {
    errs.push(
      FieldPath.of('resourceVersionMatch').forbidden(
        'resourceVersionMatch is forbidden unless resourceVersion is provided',
      ),
    );
  }
  if (out.resourceVersionMatch === 'Exact' && out.resourceVersion === '0') {
    errs.push(
      FieldPath.of('resourceVersionMatch').forbidden(
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      ),
    );
  }
  if (out.continue && out.resourceVersion && out.resourceVersion !== '0') {
    errs.push(
      FieldPath.of('resourceVersion').forbidden('specifying resource version is not allowed when using continue'),
    );
  }
  if (errs.length) throw invalid(metaGK('ListOptions'), '', errs);
  return out;
}

/** dryRun: only `All` is accepted (422 otherwise); it may repeat. */
export function parseDryRun(values: string[], kind: string): boolean {
  if (values.length === 0) return false;
  for (const v of values) {
    if (v !== 'All') {
      throw invalid(metaGK(kind), '', [FieldPath.of('dryRun').notSupported(v, ['All'])]);
    }
  }
  return true;
}

export function parseWriteQuery(
  q: URLSearchParams,
  kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
  isApply = false,
): WriteQuery {
  const errs: FieldError[] = [];
  const dryRun = parseDryRun(q.getAll('dryRun'), kind);
  const fieldManager = q.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && fieldManager.length > 128) {
    errs.push(FieldPath.of('fieldManager').tooLong('', 128));
  }
  if (fieldManager && /[^\x20-\x7e]/.test(fieldManager)) {
    errs.push(FieldPath.of('fieldManager').invalid(fieldManager, 'must only contain printable characters'));
  }
  const fv = q.get('fieldValidation') ?? '';
  let fieldValidation: FieldValidation = 'Ignore';
  if (fv === 'Strict' || fv === 'Warn' || fv === 'Ignore') fieldValidation = fv;
  else if (fv !== '') errs.push(FieldPath.of('fieldValidation').notSupported(fv, ['Ignore', 'Strict', 'Warn']));
  else fieldValidation = 'Warn';
  let force: boolean | undefined;
  if (kind === 'PatchOptions') {
    force = bool(q, 'force');
    if (force !== undefined && !isApply) {
      errs.push(FieldPath.of('force').forbidden('may not be specified for non-apply patch'));
    }
    if (isApply && !fieldManager) errs.push(FieldPath.of('fieldManager').required('is required for apply patch'));
  }
  if (errs.length) throw invalid(metaGK(kind), '', errs);
  return { dryRun, fieldManager, fieldValidation, force };
}
