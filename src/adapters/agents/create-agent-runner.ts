import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { DEFAULT_CODEX_MODEL } from '../../config/options/agent-defaults.js';
import type { Config } from '../../config/schema.js';
import type { AgentRunner } from '../../ports/agent.js';
import type { CommandRunner } from '../../ports/process.js';
import type { Redactor } from '../../redact.js';
import { ClaudeAgent } from './claude-agent.js';
import { CodexAgent } from './codex-agent.js';
import { CommandAgent } from './command-agent.js';

export interface AgentRunnerDeps {
  runner: CommandRunner;
  /** Environment for the agent (and for finding its binary on PATH); secrets in it are redacted from logs. */
  env: NodeJS.ProcessEnv;
  /** Where a relative --codex-bin / --claude-bin path resolves from (default: process.cwd()). */
  cwd?: string;
  /** The run's redactor (it also knows secrets given as flags); default: one from `env`. */
  redact?: Redactor;
}

/** Codex-only options the operator set, so another backend can say it ignores them. */
function codexOnly(v: Config): string[] {
  const set: Array<[boolean, string]> = [
    [v.modelServer !== undefined, '--model-server'],
    [v.codexProfile !== undefined, '--codex-profile'],
    [v.search, '--search'],
    [v.codexSandbox !== 'bypass', '--codex-sandbox'],
  ];
  return set.filter(([on]) => on).map(([, flag]) => flag);
}

/**
 * The agent backend chosen by `--agent`. Cheap and pure: binaries are looked up by the runner's preflight()
 * (ResourceError, exit 4, when missing), which the loop calls before touching the repository.
 */
export function createAgentRunner(values: Config, deps: AgentRunnerDeps): AgentRunner {
  const common = { runner: deps.runner, env: deps.env, ...(deps.cwd ? { cwd: deps.cwd } : {}), ...(deps.redact ? { redact: deps.redact } : {}) };
  switch (values.agent) {
    case 'codex':
      return new CodexAgent({
        ...common,
        bin: values.codexBin ?? 'codex',
        model: values.model,
        reasoningEffort: values.reasoningEffort,
        ...(values.codexProfile ? { profile: values.codexProfile } : {}),
        ephemeral: values.codexEphemeral,
        sandbox: values.codexSandbox,
        search: values.search,
        showFileUpdates: values.showFileUpdates,
        ...(values.modelServer ? { modelServer: values.modelServer } : {}),
        // --dry-run touches nothing: the help probe is then asked, not cached.
        ...(values.dryRun ? {} : { helpCacheFile: join(values.logDir, 'cache', 'codex-exec-help.json') }),
      });
    case 'claude':
      return new ClaudeAgent({
        ...common,
        bin: values.claudeBin ?? 'claude',
        // The default model is a codex one; claude then picks its own default.
        ...(values.model !== DEFAULT_CODEX_MODEL ? { model: values.model } : {}),
        permissionMode: values.claudePermissionMode,
        showFileUpdates: values.showFileUpdates,
        ignoredOptions: codexOnly(values),
      });
    case 'command':
      if (!values.agentCmd) {
        throw new UsageError('--agent command needs --agent-cmd "<command>" (e.g. --agent-cmd "my-agent --prompt-file {prompt_file}")');
      }
      return new CommandAgent({
        command: values.agentCmd,
        runner: deps.runner,
        env: deps.env,
        ...(deps.redact ? { redact: deps.redact } : {}),
        ignoredOptions: [...codexOnly(values), ...(values.model !== DEFAULT_CODEX_MODEL ? ['--model'] : [])],
      });
    default: {
      const never: never = values.agent;
      throw new Error(`unknown agent backend ${String(never)}`);
    }
  }
}
