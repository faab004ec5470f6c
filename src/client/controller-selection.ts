/** What `--controllers` selects from: a named controller, on or off by default. */
export interface SelectableController {
  name: string;
  enabledByDefault: boolean;
}

/**
 * Resolves `--controllers` (kube-controller-manager semantics): `*` turns on
 * the controllers enabled by default, `name` adds one, `-name` removes one
 * (removal wins). An unknown name is an error listing the known ones.
 */
export function selectControllers<T extends SelectableController>(all: T[], flags: string[]): T[] {
  const names = new Set(all.map((c) => c.name));
  for (const f of flags) {
    const n = f.replace(/^-/, '');
    if (n !== '*' && !names.has(n))
      throw new Error(`unknown controller "${n}" in --controllers; known: ${[...names].sort().join(', ')}`);
  }
  return all.filter((c) => {
    if (flags.includes(`-${c.name}`)) return false;
    if (flags.includes(c.name)) return true;
    return flags.includes('*') && c.enabledByDefault;
  });
}
