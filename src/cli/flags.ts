/**
 * A small, strict command-line flag parser. Flags are declared up front; unknown
 * flags and missing values are errors with a one-line fix. Supports
 * `--name=value`, `--name value`, boolean `--name` / `--name=false`, repeated
 * flags (`multiple`) and `--` to end flags.
 */
export type FlagType = 'string' | 'boolean' | 'number';

export interface FlagSpec {
  name: string;
  type: FlagType;
  description: string;
  default?: string | boolean | number;
  multiple?: boolean;
  /** Shown in help as the value placeholder. */
  placeholder?: string;
  short?: string;
}

export type FlagValues = Record<string, string | boolean | number | string[] | undefined>;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Parsed {
  flags: FlagValues;
  args: string[];
}

export function parseFlags(argv: string[], specs: FlagSpec[]): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    if (s.short) byName.set(s.short, s);
  }
  const flags: FlagValues = {};
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  const args: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      args.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown flag --${name}; see --help for the flags this command takes`);
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      if (raw === undefined) raw = 'true';
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--${spec.name} takes true or false, not "${raw}"`);
      flags[spec.name] = raw === 'true';
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined)
        throw new UsageError(`--${spec.name} needs a value, e.g. --${spec.name}=${spec.placeholder ?? 'VALUE'}`);
    }
    let value: string | number = raw;
    if (spec.type === 'number') {
      value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new UsageError(`--${spec.name} takes a number, not "${raw}"`);
    }
    if (spec.multiple) {
      const list = seen.has(spec.name) ? ((flags[spec.name] as string[]) ?? []) : [];
      list.push(String(value));
      flags[spec.name] = list;
    } else {
      flags[spec.name] = value;
    }
    seen.add(spec.name);
  }
  return { flags, args };
}

export function flagHelp(specs: FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  ${s.short ? `-${s.short}, ` : ''}--${s.name}${s.type === 'boolean' ? '' : ` ${s.placeholder ?? s.type.toUpperCase()}`}`;
    const def =
      s.default !== undefined && s.default !== '' && s.default !== false
        ? ` (default ${JSON.stringify(s.default)})`
        : '';
    return [left, `${s.description}${def}`] as const;
  });
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}
