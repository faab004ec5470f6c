import { flagHelp, parseFlags, UsageError, type FlagSpec, type FlagValues } from './flags.js';
import { withConfigFile } from './config-file.js';

/**
 * A CLI command: declared flags plus a run function. Composition roots in
 * src/cmd build the command list; `runCli` dispatches, prints help, and turns
 * usage errors into one-line messages with a non-zero exit code.
 */
export interface CommandContext {
  flags: FlagValues;
  args: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  name: string;
  summary: string;
  usage?: string;
  flags?: FlagSpec[];
  /** Hand every argument to the command unparsed (wrappers such as `kubets kubectl`). */
  passthrough?: boolean;
  /** Returns the exit code. Long-running commands resolve when they stop. */
  run(ctx: CommandContext): Promise<number>;
}

export interface CliIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export function commandHelp(program: string, cmd: Command): string {
  const lines = [
    `${program} ${cmd.name} — ${cmd.summary}`,
    '',
    `Usage: ${program} ${cmd.usage ?? `${cmd.name} [flags]`}`,
  ];
  if (cmd.flags?.length) lines.push('', 'Flags:', flagHelp(cmd.flags));
  return lines.join('\n') + '\n';
}

export function programHelp(program: string, summary: string, commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `${program} — ${summary}`,
    '',
    `Usage: ${program} <command> [flags]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run '${program} <command> --help' for a command's flags.`,
    '',
  ].join('\n');
}

export async function runCli(
  program: string,
  summary: string,
  commands: Command[],
  argv: string[],
  io: CliIO = {},
): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(programHelp(program, summary, commands));
    return name ? 0 : 1;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    stderr.write(`${program}: unknown command "${name}"; run '${program} --help' to list commands\n`);
    return 2;
  }
  if (!cmd.passthrough && (rest.includes('--help') || rest.includes('-h'))) {
    stdout.write(commandHelp(program, cmd));
    return 0;
  }
  try {
    // Commands declaring `--config` also take their flags from a YAML file (config-file.ts).
    const { flags, args } = cmd.passthrough
      ? { flags: {}, args: rest }
      : parseFlags(withConfigFile(rest, cmd.flags ?? []), cmd.flags ?? []);
    return await cmd.run({ flags, args, stdout, stderr });
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`${program} ${cmd.name}: ${err.message}\n`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    stderr.write(`${program} ${cmd.name}: ${msg}\n`);
    return 1;
  }
}
