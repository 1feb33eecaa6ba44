import type { Logger } from '../log.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Interrupt } from './interrupt.js';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  interrupt: Interrupt;
}

export interface CommandContext extends CliIO {
  config: ResolvedConfig;
  log: Logger;
  /** Positional arguments, in the order of `CommandSpec.args`. */
  args: string[];
}

/**
 * One subcommand: a name, help, a real example, and a `run` that returns an exit code. Its flags come from
 * the config schema (keys whose meta lists this command's name).
 */
export interface CommandSpec {
  /** "lint-log", or "directives list" for a nested command. */
  name: string;
  summary: string;
  /** Shown under "Example:" in --help. */
  examples: string[];
  /** Positional arguments in commander syntax, e.g. ["[run-id]"]. */
  args?: string[];
  /** True when the command runs its own signal cleanup (main.ts then waits for it instead of exiting at once). */
  handlesSignals?: boolean;
  /**
   * The config the command really runs with (e.g. after --resilient), with what it derives from it (codex-loop's
   * effective protected set); --print-config shows this. Writes nothing. May load what it needs (a promise).
   */
  effectiveConfig?(config: ResolvedConfig): ResolvedConfig | Promise<ResolvedConfig>;
  /**
   * Import what run() will import (its chunks), started while argv is parsed and the config resolved so the
   * module loader's file reads overlap that work. Not called for --help or --print-config.
   */
  preload?(): Promise<unknown>;
  run(ctx: CommandContext): Promise<number>;
}
