/**
 * How to run this checkout's `kubets` CLI as a child process (tests,
 * benchmarks): the built launcher `bin/kubets` when this module runs compiled
 * from dist/, or the sources through tsx when it runs from src/ (so a test
 * started with `tsx --test` exercises the code it sits next to).
 */
import { fileURLToPath } from 'node:url';

export interface CliInvocation {
  file: string;
  args: string[];
}

const fromSource = import.meta.url.endsWith('.ts');

/** The repository root (two levels up from src/cmd, three from dist/src/cmd). */
export const repoRoot = fileURLToPath(new URL(fromSource ? '../../' : '../../../', import.meta.url));

/** Node flags the `kubets` launcher runs with (its shebang): a smaller young generation, less idle RSS. */
export const kubetsNodeFlags: readonly string[] = ['--max-semi-space-size=4'];

/** `process.execPath` plus the arguments that run `kubets <args...>`. */
export function kubetsInvocation(args: readonly string[]): CliInvocation {
  if (!fromSource) return { file: process.execPath, args: [...kubetsNodeFlags, `${repoRoot}bin/kubets`, ...args] };
  const main = new URL('./main.ts', import.meta.url).href;
  // A CommonJS eval with a dynamic import: an ESM eval's flags would leak into worker threads.
  const script = `import(${JSON.stringify(main)}).then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`;
  return {
    file: process.execPath,
    args: [...kubetsNodeFlags, '--import', import.meta.resolve('tsx'), '-e', script, '--', ...args],
  };
}
