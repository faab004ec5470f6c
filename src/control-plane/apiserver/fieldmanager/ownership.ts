/**
 * The ownership bookkeeping shared by apply and update (structured-merge-diff
 * `merge.Updater.update`): given what changed, every manager other than the
 * writer loses the fields that changed or were added (a conflict when the
 * writer is an applier that does not force) and the fields that were removed;
 * managers left owning nothing disappear.
 */
import type { Comparison } from './compare.js';
import { ApplyConflicts, conflictsFromSets } from './conflicts.js';
import { FieldSet } from './field-set.js';
import type { VersionedSet } from './managed-fields.js';
import { fieldElement, type Path } from './path-element.js';

const p = (...names: string[]): Path => names.map(fieldElement);

/**
 * Fields nobody owns (upstream `stripMetaManager`): type meta and the
 * server-managed parts of metadata. Removed from the writer's set only.
 */
export const strippedFields: FieldSet = FieldSet.of(
  p('apiVersion'),
  p('kind'),
  p('metadata'),
  p('metadata', 'name'),
  p('metadata', 'namespace'),
  p('metadata', 'creationTimestamp'),
  p('metadata', 'selfLink'),
  p('metadata', 'uid'),
  p('metadata', 'clusterName'),
  p('metadata', 'generation'),
  p('metadata', 'managedFields'),
  p('metadata', 'resourceVersion'),
);

/**
 * The fields an endpoint resets instead of storing (a strategy's
 * `GetResetFields`): the main resource ignores `.status`, the status subresource
 * `.spec`. Registries with other rules pass their own set.
 */
export function defaultResetFields(subresource?: string): FieldSet {
  if (!subresource) return FieldSet.of(p('status'));
  if (subresource === 'status') return FieldSet.of(p('spec'));
  return new FieldSet();
}

/** The comparison without the reset fields and everything below them. */
export function excludeFields(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored || ignored.isEmpty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/**
 * Moves ownership after a write by `workflow`. Without `force`, fields that
 * another manager owns and the write changed throw ApplyConflicts. Returns a
 * new map; the input is not modified.
 */
export function updateOwners(
  managers: ReadonlyMap<string, VersionedSet>,
  comparison: Comparison,
  workflow: string,
  force: boolean,
): Map<string, VersionedSet> {
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, vs] of managers) {
    if (id === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(id, c);
  }
  if (!force && conflicts.size) throw new ApplyConflicts(conflictsFromSets(conflicts));

  const out = new Map<string, VersionedSet>();
  for (const [id, vs] of managers) {
    let set = vs.set;
    const lost = conflicts.get(id);
    if (lost) set = set.difference(lost);
    if (id !== workflow) set = set.difference(comparison.removed);
    if (!set.isEmpty()) out.set(id, set === vs.set ? vs : { ...vs, set });
  }
  return out;
}
