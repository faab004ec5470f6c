/**
 * Apply conflicts and the 409 kube-apiserver answers with (apimachinery
 * `managedfields/internal/conflict.go`, structured-merge-diff `merge/conflict.go`):
 * one `FieldManagerConflict` cause per conflicting field, and a message that
 * names the single conflict inline or lists several grouped by manager:
 *
 *   Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas
 *   Apply failed with 2 conflicts: conflicts with "a" using apps/v1:\n- .spec.replicas\nconflicts with "b":\n- .metadata.labels.app
 */
import { conflictMessage, type StatusCause, type StatusError } from '../../../api/errors/status-error.js';
import type { FieldSet } from './field-set.js';
import { goQuoteJSON } from './go-json.js';
import { parseManagerIdentifier } from './managed-fields.js';
import { pathString, type Path } from './path-element.js';

export interface Conflict {
  /** Manager identity (managerIdentifier) of the current owner. */
  readonly manager: string;
  readonly path: Path;
}

/** Thrown inside the apply pipeline; converted to the 409 at its edge. */
export class ApplyConflicts extends Error {
  override name = 'ApplyConflicts';
  constructor(readonly conflicts: readonly Conflict[]) {
    super(conflicts.map((c) => `conflict with ${printManager(c.manager)}: ${pathString(c.path)}`).join('\n'));
  }
}

/** One conflict per owned path; managers in identity order, paths in set order. */
export function conflictsFromSets(sets: ReadonlyMap<string, FieldSet>): Conflict[] {
  const out: Conflict[] = [];
  for (const manager of [...sets.keys()].sort()) {
    sets.get(manager)!.iterate((path) => out.push({ manager, path }));
  }
  return out;
}

/** `"kubectl-scale" with subresource "scale" using apps/v1`, or just `"kubectl"` for an applier. */
export function printManager(identifier: string): string {
  let who;
  try {
    who = parseManagerIdentifier(identifier);
  } catch {
    return goQuoteJSON(identifier);
  }
  let s = JSON.stringify(who.manager);
  if (who.subresource) s += ` with subresource ${JSON.stringify(who.subresource)}`;
  if (who.operation === 'Update') s += ` using ${who.apiVersion ?? ''}`;
  return s;
}

export function conflictError(conflicts: readonly Conflict[]): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  return conflictMessage(conflictText(conflicts), { causes });
}

function conflictText(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0];
    return `Apply failed with 1 conflict: conflict with ${printManager(c.manager)}: ${pathString(c.path)}`;
  }
  const byManager = new Map<string, Path[]>();
  for (const c of conflicts) {
    const paths = byManager.get(c.manager) ?? [];
    paths.push(c.path);
    byManager.set(c.manager, paths);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${printManager(manager)}:`);
    for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
