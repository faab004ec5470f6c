/**
 * `--config FILE` (k3s's `/etc/rancher/k3s/config.yaml`): a YAML mapping whose
 * keys are the command's flag names without `--`, for example
 *
 *     node-name: worker-1
 *     node-label: [zone=a, disk=ssd]   # repeatable flags take lists
 *     kubelet-arg+: [max-pods=50]      # `key+` appends, like k3s
 *     disable-agent: true
 *
 * The file's values become flags placed before the command line's, so a flag
 * given on the command line overrides the file for single-valued flags and
 * adds to it for repeatable ones (k3s semantics). Every mistake — an unknown
 * key, a list for a single-valued flag, a nested mapping — is one UsageError
 * line naming the file and the key, so nothing in the file is silently ignored.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type FlagSpec, UsageError } from './flags.js';

export const configFlag: FlagSpec = {
  name: 'config',
  type: 'string',
  description: 'YAML file of flag values (keys are flag names); command-line flags override it',
  placeholder: 'FILE',
};

/** The value of `--config` on the command line, if any (the last one wins, as for any flag). */
export function configPathOf(argv: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--config' || a === '-config') path = argv[++i];
    else if (a.startsWith('--config=') || a.startsWith('-config=')) path = a.slice(a.indexOf('=') + 1);
  }
  return path;
}

function scalar(file: string, key: string, v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  throw new UsageError(`${file}: "${key}" takes a plain value, not ${Array.isArray(v) ? 'a list' : 'a mapping'}`);
}

/** The flags a parsed config document stands for, as command-line arguments (`--key=value`). */
export function configToArgs(doc: unknown, specs: readonly FlagSpec[], file = 'config file'): string[] {
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new UsageError(`${file}: want a mapping of flag names to values at the top level`);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const args: string[] = [];
  for (const [rawKey, value] of Object.entries(doc as Record<string, unknown>)) {
    const append = rawKey.endsWith('+');
    const key = append ? rawKey.slice(0, -1) : rawKey;
    const spec = byName.get(key);
    if (!spec || key === configFlag.name) {
      throw new UsageError(
        key === configFlag.name
          ? `${file}: "config" cannot be set in a config file`
          : `${file}: unknown key "${rawKey}"; keys are this command's flag names without -- (see --help)`,
      );
    }
    if (value === null || value === undefined) continue;
    if (append && !spec.multiple) throw new UsageError(`${file}: "${rawKey}": only repeatable flags take "+"`);
    if (spec.type === 'boolean') {
      const b = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (b !== true && b !== false && b !== 'true' && b !== 'false')
        throw new UsageError(`${file}: "${key}" takes true or false, not ${JSON.stringify(value)}`);
      args.push(`--${key}=${String(b)}`);
      continue;
    }
    if (Array.isArray(value)) {
      if (!spec.multiple) throw new UsageError(`${file}: "${key}" takes one value, not a list`);
      for (const item of value) args.push(`--${key}=${scalar(file, key, item)}`);
      continue;
    }
    args.push(`--${key}=${scalar(file, key, value)}`);
  }
  return args;
}

/** Reads and converts `path`; a missing or malformed file is a UsageError. */
export function readConfigArgs(path: string, specs: readonly FlagSpec[]): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(
      `--config ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`,
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new UsageError(`--config ${path}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return configToArgs(doc, specs, path);
}

/**
 * `argv` with the config file's flags put in front, for commands that declare
 * the `config` flag; any other command gets `argv` back unchanged.
 */
export function withConfigFile(argv: readonly string[], specs: readonly FlagSpec[]): string[] {
  if (!specs.some((s) => s.name === configFlag.name)) return [...argv];
  const path = configPathOf(argv);
  return path === undefined ? [...argv] : [...readConfigArgs(path, specs), ...argv];
}
