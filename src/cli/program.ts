import { Command, CommanderError } from '@commander-js/extra-typings';
import type { ResolveInput } from '../config/resolve-layers.js';
import { commands } from './commands/index.js';
import type { CliIO, CommandSpec } from './command-spec.js';
import { ExitCode } from './exit-codes.js';
import { UsageError } from '../errors.js';
import { nearest } from '../config/suggest.js';

export interface Program {
  program: Command<unknown[], Record<string, unknown>>;
  /** Parse argv (user args only) and run; resolves to the exit code. Never calls process.exit. */
  run(argv: string[]): Promise<number>;
  /** The spec of the command that ran, once parsing picked one. */
  active(): CommandSpec | undefined;
  /** Register the config flags of every subcommand now (run() does it only for the command it runs). */
  loadAllOptions(): Promise<void>;
}

type AnyCommand = Command<unknown[], Record<string, unknown>>;

/**
 * Commander's error text as the one `gdnctl: …` line a usage error gets (its "(Did you mean …?)" comes on a
 * second line), with a pointer to --help when commander has no suggestion.
 */
export function oneLineError(s: string): string {
  let line = s.trimEnd().replace(/^error: /, 'gdnctl: ').replace(/\n\(Did you mean (.+)\?\)$/, '; did you mean $1?');
  if (/unknown (option|command) '[^']*'$/.test(line)) line += '; see --help for what is accepted';
  return `${line.replace(/\n/g, ' ')}\n`;
}

const groupDescriptions: Record<string, string> = {
  directives: 'session directive presets',
};

function findOrCreate(parent: AnyCommand, name: string): AnyCommand {
  const existing = parent.commands.find((c) => c.name() === name) as AnyCommand | undefined;
  return existing ?? (parent.command(name) as unknown as AnyCommand);
}

/**
 * The subcommand argv will reach: leading words after the global options, following commander's implicit
 * `help <command>` too. Undefined when argv names no subcommand (top-level help, a typo).
 */
function targetCommand(program: AnyCommand, argv: readonly string[]): AnyCommand | undefined {
  let cmd = program;
  let found: AnyCommand | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (cmd === program && a === '--config') {
      i++;
      continue;
    }
    if (a.startsWith('-')) {
      if (cmd === program) continue;
      break;
    }
    if (a === 'help' && cmd.commands.length > 0) continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a)) as AnyCommand | undefined;
    if (!sub) break;
    cmd = sub;
    found = sub;
  }
  return found;
}

/**
 * A word where a subcommand must stand that names none: `gdnctl lint-logg`, `gdnctl lint-logg --help`,
 * `gdnctl help lint-logg`, `gdnctl directives lst`. commander answers the --help and `help` forms with the
 * top-level help and exit 0, so a typo in a CI job would pass; this finds them first. Undefined when argv reaches
 * a command (or names none at all: plain `gdnctl --help`).
 */
export function unknownCommand(program: AnyCommand, argv: readonly string[]): { word: string; near?: string } | undefined {
  let cmd = program;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (cmd === program && a === '--config') {
      i++;
      continue;
    }
    if (a === '--') return undefined;
    if (a.startsWith('-')) continue;
    if (cmd.commands.length === 0) return undefined;
    if (a === 'help') continue;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a)) as AnyCommand | undefined;
    if (!sub) {
      const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
      const near = nearest(a, names);
      return near ? { word: a, near } : { word: a };
    }
    cmd = sub;
  }
  return undefined;
}

/**
 * Build the CLI. Tests call this with captured streams; exitOverride turns commander's own exits into
 * CommanderError so nothing here ends the process.
 */
export function makeProgram(io: CliIO): Program {
  let exitCode: number = ExitCode.ok;
  let activeSpec: CommandSpec | undefined;
  const program = new Command('gdnctl') as unknown as AnyCommand;
  program
    .description(
      'Run an AI coding agent in a measured optimization loop: one validated commit per iteration, kept or reverted on evidence.',
    )
    .option('--config <file>', 'YAML config file (default: gdnctl.yaml at the git top level of --workdir; env: GDNCTL_CONFIG)')
    .option('--print-config', 'print every resolved value and its source (flag, env, file, default), then exit')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(oneLineError(s)),
    })
    .addHelpText(
      'after',
      '\nExamples:\n  $ gdnctl lint-log --scope all\n  $ gdnctl directives list\n  $ gdnctl --print-config lint-log\n\nExit codes: 0 done, 1 failures, 2 usage/config error, 3 no commit, 4 resource unavailable, 124 agent timeout, 130 interrupted.',
    );

  // A subcommand's flags come from the zod schema. Loading zod costs more start-up than all the rest of the CLI,
  // and `gdnctl --help` lists no subcommand flags, so each subcommand gets its flags just before a parse that
  // reaches it (see run()).
  const leaves = new Map<AnyCommand, { spec: CommandSpec; hasOptions: boolean }>();
  const addOptions = async (cmd: AnyCommand): Promise<void> => {
    const leaf = leaves.get(cmd);
    if (!leaf || leaf.hasOptions) return;
    const { addConfigOptions } = await import('./config-stage.js');
    addConfigOptions(cmd, leaf.spec.name);
    leaf.hasOptions = true;
  };

  for (const spec of commands) {
    const parts = spec.name.split(' ');
    let parent = program;
    for (const part of parts.slice(0, -1)) parent = findOrCreate(parent, part).description(groupDescriptions[part] ?? '');
    const cmd = parent.command(parts[parts.length - 1]!) as unknown as AnyCommand;
    cmd.description(spec.summary);
    for (const a of spec.args ?? []) cmd.argument(a);
    leaves.set(cmd, { spec, hasOptions: false });
    cmd.addHelpText('after', '\nExample' + (spec.examples.length > 1 ? 's' : '') + ':\n' + spec.examples.map((e) => `  $ ${e}`).join('\n'));
    cmd.action(async (...actionArgs: unknown[]) => {
      activeSpec = spec;
      const positional = actionArgs.slice(0, (spec.args ?? []).length).map((a) => (a === undefined ? '' : String(a)));
      const globals = program.opts() as { config?: string; printConfig?: boolean };
      const { createLogger, fieldsFor, givenFlagNames, givenFlags, loadYamlFor, resolveConfigWith } = await import('./config-stage.js');
      const input: ResolveInput = {
        command: spec.name,
        flags: givenFlags(cmd, spec.name),
        flagNames: givenFlagNames(cmd, spec.name),
        env: io.env,
        cwd: io.cwd,
        ...(globals.config ? { configPath: globals.config } : {}),
      };
      const yaml = await loadYamlFor(input);
      const withYaml = yaml ? { ...input, yaml } : input;
      // zod (its schema is most of a small command's start-up) loads only when a given value needs its judgement.
      const resolved =
        resolveConfigWith(withYaml) ?? resolveConfigWith(withYaml, (await import('../config/schema.js')).configSchema)!;
      const config = spec.effectiveConfig ? await spec.effectiveConfig(resolved) : resolved;
      if (globals.printConfig) {
        const { formatConfig } = await import('../config/format-config.js');
        io.stdout.write(formatConfig(config, fieldsFor(spec.name).map((f) => f.key)));
        exitCode = ExitCode.ok;
        return;
      }
      const v = config.values;
      const log = await createLogger({ format: v.logFormat, verbose: v.verbose, quiet: v.quiet, stream: io.stderr, env: io.env });
      exitCode = await spec.run({ ...io, config, log, args: positional });
    });
  }

  return {
    program,
    active: () => activeSpec,
    async loadAllOptions() {
      for (const cmd of leaves.keys()) await addOptions(cmd);
    },
    async run(argv: string[]): Promise<number> {
      const unknown = unknownCommand(program, argv);
      if (unknown) {
        const hint = unknown.near ? `did you mean ${unknown.near}?` : 'see gdnctl --help for the commands';
        io.stderr.write(`gdnctl: unknown command '${unknown.word}'; ${hint}\n`);
        return ExitCode.usage;
      }
      try {
        const target = targetCommand(program, argv);
        const spec = target && leaves.get(target)?.spec;
        if (spec?.preload && !argv.some((a) => a === '--help' || a === '-h' || a === '--print-config' || a === 'help')) {
          // A failed import surfaces where run() imports the same module.
          spec.preload().catch(() => undefined);
        }
        if (target) await addOptions(target);
        await program.parseAsync(argv, { from: 'user' });
        return exitCode;
      } catch (e) {
        if (e instanceof CommanderError) {
          if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') {
            return ExitCode.ok;
          }
          // A command group run without its subcommand prints help and is not an error of the user's data.
          if (e.code === 'commander.executeSubCommandAsync') return ExitCode.usage;
          return ExitCode.usage;
        }
        if (e instanceof UsageError) {
          for (const line of e.lines) io.stderr.write(`gdnctl: ${line}\n`);
          return ExitCode.usage;
        }
        throw e;
      }
    },
  };
}
