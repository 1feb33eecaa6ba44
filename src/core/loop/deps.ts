import type { AgentRunner } from '../../ports/agent.js';
import type { Clock } from '../../ports/clock.js';
import type { RunChildren } from '../../ports/children.js';
import type { CommandRunner } from '../../ports/process.js';
import type { Git, TreeSnapshot } from '../../ports/git.js';
import type { IterationMemory, Measurer } from '../../ports/bench.js';
import type { Ledger } from '../../ports/ledger.js';
import type { TpuHold } from '../../ports/tpu.js';
import type { LoopEvent } from './events.js';

/** What the engine is given: ports only (adapters in production, in-process fakes in unit tests). */
export interface LoopConsole {
  /**
   * The console's subscription to the loop's event stream (events.ts); it renders the lines itself
   * (src/cli/loop/loop-console.ts). The line methods below are for the callers around the loop.
   */
  event(e: LoopEvent): void;
  status(line: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  /** Agent and post-check output. */
  echo(line: string): void;
}

export interface TextFiles {
  read(path: string): Promise<string | undefined>;
  write(path: string, content: string): Promise<void>;
}

export interface LoopDeps {
  git: Git;
  agent: AgentRunner;
  runner: CommandRunner;
  ledger: Ledger;
  clock: Clock;
  files: TextFiles;
  console: LoopConsole;
  signal: AbortSignal;
  /** Writes the agent report's JSON Schema into the iteration folder (codex --output-schema); optional. */
  reportSchema?: (iterDir: string) => Promise<string>;
  /** Environment post-checks start from (the GDNCTL_* variables are added on top). */
  env: NodeJS.ProcessEnv;
  tpu?: TpuHold | undefined;
  measurer?: Measurer | undefined;
  memory?: IterationMemory | undefined;
  /**
   * HEAD, branch and a clean status taken when nothing has touched the tree since (preflight's, on a fresh start): the
   * first iteration's guard-tree and prompt use it instead of asking git again.
   */
  startSnapshot?: TreeSnapshot | undefined;
  /** The run's children (GDNCTL_RUN_MARKER): those that left their group are ended after the agent, post-check and bench phases. */
  children?: RunChildren | undefined;
}
