/**
 * Deterministic output: JSON text with object keys sorted at every level (arrays
 * keep their order), so generated files and served documents are byte-identical
 * for equal content and their hashes only change when the content does.
 */
export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(value, sortKeysReplacer, indent);
}

function sortKeysReplacer(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
  return sorted;
}

/** Code-unit order (Go's string order), independent of the process locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
