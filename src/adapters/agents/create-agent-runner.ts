import type { Config } from '../../config/schema.js';
import type { AgentRunner, CommandRunner } from '../../ports.js';

export interface AgentRunnerDeps {
  runner: CommandRunner;
  env: NodeJS.ProcessEnv;
}

/** The agent backend chosen by `--agent` (codex, claude, command). */
export function createAgentRunner(values: Config, deps: AgentRunnerDeps): AgentRunner {
  void values;
  void deps;
  throw new Error('createAgentRunner: not implemented yet');
}
