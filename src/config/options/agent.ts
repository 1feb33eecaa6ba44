import { z } from 'zod';
import { opt } from '../option-meta.js';
import { DEFAULT_CODEX_MODEL } from './agent-defaults.js';

export { DEFAULT_CODEX_MODEL };

const LOOP = ['codex-loop'];

/**
 * The coding agent the loop drives (codex, claude or any command). Timeouts and retries belong to the loop's
 * options: the agent adapters receive them per run in AgentRunInput.
 */
export const agentOptions = {
  agent: opt(z.enum(['codex', 'claude', 'command']).default('codex'), {
    help: 'agent backend: the Codex CLI, Claude Code (claude -p), or your own command (--agent-cmd)',
    commands: LOOP,
    valueName: '<backend>',
  }),
  model: opt(z.string().min(1).default(DEFAULT_CODEX_MODEL), {
    help: 'model name passed to the agent (codex -m, claude --model)',
    commands: LOOP,
    valueName: '<name>',
  }),
  // codex 0.169–0.171 accepts any string here and only the API rejects it, one failed iteration later: check it now.
  reasoningEffort: opt(z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).default('xhigh'), {
    help: 'codex reasoning effort, passed as -c model_reasoning_effort="<value>"',
    commands: LOOP,
    valueName: '<level>',
  }),
  codexBin: opt(z.string().min(1).optional(), {
    help: 'codex executable: a name searched on PATH, or a path (default: codex)',
    commands: LOOP,
    valueName: '<file>',
  }),
  codexProfile: opt(z.string().min(1).optional(), {
    help: 'codex config profile (-p)',
    commands: LOOP,
    valueName: '<name>',
  }),
  codexEphemeral: opt(z.boolean().default(true), {
    help: 'pass --ephemeral so loop sessions are not persisted in codex state (--no-codex-ephemeral turns it off)',
    commands: LOOP,
  }),
  codexSandbox: opt(z.enum(['bypass', 'workspace-write', 'read-only']).default('bypass'), {
    help: 'codex sandbox: bypass (--dangerously-bypass-approvals-and-sandbox), workspace-write or read-only',
    commands: LOOP,
    valueName: '<mode>',
  }),
  search: opt(z.boolean().default(false), {
    help: 'let codex search the web (--search), when the installed codex advertises it',
    commands: LOOP,
  }),
  showFileUpdates: opt(z.boolean().default(false), {
    help: 'show file diffs in the agent output (one line per changed file otherwise)',
    commands: LOOP,
  }),
  modelServer: opt(z.url({ protocol: /^https?$/ }).optional(), {
    help: 'OpenAI-compatible Responses API base URL (e.g. http://127.0.0.1:8000/v1); runs codex with its own CODEX_HOME',
    commands: LOOP,
    valueName: '<url>',
  }),
  agentCmd: opt(z.string().min(1).optional(), {
    help: 'command for --agent command, run with bash -lc; {prompt_file}, {workdir}, {iter_dir} are substituted',
    commands: LOOP,
    valueName: '<cmd>',
  }),
  claudeBin: opt(z.string().min(1).optional(), {
    help: 'claude executable for --agent claude: a name searched on PATH, or a path (default: claude)',
    commands: LOOP,
    valueName: '<file>',
  }),
  claudePermissionMode: opt(
    z.enum(['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan']).default('bypassPermissions'),
    {
      help: 'claude --permission-mode for --agent claude',
      commands: LOOP,
      valueName: '<mode>',
    },
  ),
};
