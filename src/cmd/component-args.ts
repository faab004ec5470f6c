/**
 * `--kube-controller-manager-arg key=value` / `--kube-scheduler-arg key=value`
 * (k3s): upstream component flags passed through to an embedded component.
 * Shared by every `--<component>-arg` flag so they all accept the same
 * syntax: `key=value`, an optional leading `--` on the key, and a bare
 * `key` for a boolean (= true). As with Go's flag package, a repeated key
 * keeps its last value.
 *
 * Only keys listed in `known` are accepted: an unknown key or a value of
 * the wrong type is a UsageError naming the flag, so a typo never silently
 * does nothing. Callers map the returned values onto typed config
 * (DESIGN.md convention 10); this file knows no component.
 */
import { UsageError } from '../cli/flags.js';

export type ComponentArgType = 'string' | 'number' | 'boolean';

/** Parsed values keyed by the upstream flag name (without `--`). */
export type ComponentArgs = Record<string, string | number | boolean>;

/**
 * Parses `args` (each `key=value`) against `known`. `flag` names the
 * kubets flag in error messages (e.g. `--kube-scheduler-arg`).
 * Numbers must be finite decimal numbers; booleans `true`/`false` (or a bare key).
 */
export function parseComponentArgs(
  args: readonly string[],
  known: Readonly<Record<string, ComponentArgType>>,
  flag = '--component-arg',
): ComponentArgs {
  const out: ComponentArgs = {};
  for (const raw of args) {
    const arg = raw.trim();
    const eq = arg.indexOf('=');
    const key = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (key === '') throw new UsageError(`${flag} ${JSON.stringify(raw)}: want KEY=VALUE`);
    const type = Object.hasOwn(known, key) ? known[key] : undefined;
    if (type === undefined) {
      const choices = Object.keys(known).sort().join(', ');
      throw new UsageError(`${flag} ${JSON.stringify(raw)}: unknown flag "--${key}"; supported: ${choices || 'none'}`);
    }
    const bad = (want: string) =>
      new UsageError(`${flag}: invalid argument ${JSON.stringify(value ?? '')} for "--${key}" flag: want ${want}`);
    switch (type) {
      case 'boolean':
        if (value === undefined || value === 'true') out[key] = true;
        else if (value === 'false') out[key] = false;
        else throw bad('true or false');
        break;
      case 'number': {
        const v = value?.trim() ?? '';
        if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(v)) throw bad('a number');
        out[key] = Number(v);
        break;
      }
      case 'string':
        if (value === undefined) throw bad('a value (KEY=VALUE)');
        out[key] = value;
        break;
    }
  }
  return out;
}

/**
 * `secure-port` as upstream components validate it: an integer 0-65535,
 * where 0 turns the HTTPS endpoint off.
 */
export function securePortArg(args: ComponentArgs, flag: string, fallback: number): number {
  const v = args['secure-port'];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
    throw new UsageError(`${flag} secure-port=${String(v)}: want a port number (0-65535; 0 disables)`);
  return v;
}
