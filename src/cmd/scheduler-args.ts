/**
 * `--kube-scheduler-arg KEY=VALUE` (k3s) for the embedded scheduler:
 * upstream kube-scheduler flags, compiled into typed config at startup
 * (DESIGN.md convention 10). `config=FILE` is read, strictly decoded,
 * defaulted, validated and its profiles instantiated here, so a bad file stops `kubets server` before
 * anything starts, with one line naming the flag (exit 2, a UsageError).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../cli/flags.js';
import { type ComponentArgType, type ComponentArgs, parseComponentArgs } from './component-args.js';
import { ConfigError, loadConfiguration } from '../control-plane/scheduler/config/load.js';
import type { ResolvedConfiguration } from '../control-plane/scheduler/config/types.js';
import { verifyConfiguration } from '../control-plane/scheduler/verify-config.js';

export const schedulerArgFlag = '--kube-scheduler-arg';

/**
 * The kube-scheduler flags `--kube-scheduler-arg` accepts. Other files that
 * compile a key of their own (e.g. `secure-port`) add it here and read it
 * from `CompiledSchedulerArgs.args`.
 */
export const schedulerArgTypes: Record<string, ComponentArgType> = {
  config: 'string',
  /** Compiled by component-endpoints.ts (health and metrics port). */
  'secure-port': 'number',
};

export interface CompiledSchedulerArgs {
  /** Every accepted key, parsed (for keys compiled elsewhere). */
  args: ComponentArgs;
  /** `config=FILE`: the KubeSchedulerConfiguration, defaulted and validated. */
  config?: ResolvedConfiguration;
}

/** Collapses a (possibly multi-line) error message to its first non-empty line. */
function oneLine(msg: string): string {
  return (
    msg
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? msg
  );
}

/**
 * Parses `--kube-scheduler-arg` values and loads `config=FILE`. Unknown
 * keys, an unreadable file, strict-decoding or validation errors are
 * UsageErrors of one line.
 */
export function compileSchedulerArgs(
  raw: readonly string[],
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): CompiledSchedulerArgs {
  const args = parseComponentArgs(raw, schedulerArgTypes, schedulerArgFlag);
  const out: CompiledSchedulerArgs = { args };
  const file = args.config;
  if (typeof file === 'string') {
    const prefix = `${schedulerArgFlag} config=${file}`;
    if (!file) throw new UsageError(`${prefix}: want the path of a KubeSchedulerConfiguration file`);
    let text: string;
    try {
      text = read(resolve(file));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`${prefix}: cannot read the file${e.code ? ` (${e.code})` : `: ${oneLine(e.message)}`}`);
    }
    try {
      out.config = loadConfiguration(text);
      verifyConfiguration(out.config);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`${prefix}: ${oneLine(err.message)}`);
      throw err;
    }
  }
  return out;
}
