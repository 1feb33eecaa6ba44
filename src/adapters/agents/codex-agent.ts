import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRedactor, type Redactor } from '../../redact.js';
import type { AgentRunInput, AgentRunResult, AgentRunner } from '../../ports/agent.js';
import type { CommandRunner } from '../../ports/process.js';
import { resolveAgentBinary } from './agent-binary.js';
import { probeCodexHelp, rememberCodexHelp, type CodexHelp } from './codex-help.js';
import { recordReport, redactAgentFile } from './agent-report-files.js';
import { CodexEventReader } from './codex-events.js';
import { classifyCodexMessage } from './codex-failures.js';
import { codexLimitResetAt } from './codex-limits.js';
import { prepareCodexHome } from './codex-home.js';
import { gitWritableDirs } from './codex-git-dirs.js';
import { classifyRun, describeFailure, UnknownFailureMemory } from './failure-classifier.js';
import { runEventStreamAgent } from './event-stream-run.js';
import { sealTree } from '../ledger/private-files.js';

export type CodexSandbox = 'bypass' | 'workspace-write' | 'read-only';

export interface CodexAgentOptions {
  /** --codex-bin, or "codex" (searched on PATH). */
  bin: string;
  model?: string;
  reasoningEffort?: string;
  profile?: string;
  ephemeral: boolean;
  sandbox: CodexSandbox;
  /** --search requested; passed only when `codex exec --help` advertises it. */
  search: boolean;
  showFileUpdates: boolean;
  /** Responses API base URL: codex then runs with a private CODEX_HOME pointing at it. */
  modelServer?: string;
  runner: CommandRunner;
  env: NodeJS.ProcessEnv;
  /** Where relative --codex-bin paths resolve from. */
  cwd?: string;
  /** Redacts transcripts, messages and reports; default: a redactor of `env`'s secrets. */
  redact?: Redactor;
  /** Where `codex exec --help`'s answer is cached between runs (codex-help.ts); memory only without it. */
  helpCacheFile?: string;
}

const SANDBOX_FLAGS: Record<CodexSandbox, string[]> = {
  bypass: ['--dangerously-bypass-approvals-and-sandbox'],
  'workspace-write': ['-s', 'workspace-write'],
  'read-only': ['-s', 'read-only'],
};

/**
 * `codex exec` as the anchor runs it, plus --json: the event stream goes (redacted) to transcript.jsonl and a
 * readable view to onDisplay. The prompt travels on stdin (argv ends with "-") so it never shows in `ps`.
 */
export class CodexAgent implements AgentRunner {
  readonly name = 'codex';
  private resolvedBin: string | undefined;
  private help: CodexHelp | undefined;
  /** Optional flags the installed codex does not offer: left out of the argv (preflight warned). */
  private readonly dropped = new Set<string>();
  private readonly redact: Redactor;
  private readonly unknownFailures = new UnknownFailureMemory();

  constructor(private readonly opts: CodexAgentOptions) {
    this.redact = opts.redact ?? createRedactor(opts.env);
  }

  async preflight(): Promise<{ warnings: string[] }> {
    const warnings: string[] = [];
    this.resolvedBin ??= resolveAgentBinary(this.opts.bin, this.opts.env, {
      flag: '--codex-bin',
      install: 'install the Codex CLI (npm install -g @openai/codex)',
      cwd: this.opts.cwd,
    });
    if (this.help === undefined) {
      this.help = await probeCodexHelp(this.resolvedBin, this.opts.runner, this.opts.env, this.opts.helpCacheFile);
      const offers = (flag: string): boolean => this.help?.flags?.includes(flag) ?? false;
      // --search was always probed: without an answer it is dropped, as before. The others only on a clear "no".
      if (this.opts.search && !offers('--search')) {
        this.dropped.add('--search');
        warnings.push(`${this.resolvedBin} exec does not offer --search; running without web search`);
      }
      if (this.help.flags) {
        if (this.opts.ephemeral && !offers('--ephemeral')) {
          this.dropped.add('--ephemeral');
          warnings.push(`${this.resolvedBin} exec does not offer --ephemeral; its sessions are kept in codex's state`);
        }
        if (this.opts.sandbox === 'workspace-write' && !offers('--add-dir')) {
          this.dropped.add('--add-dir');
          warnings.push(`${this.resolvedBin} exec does not offer --add-dir; under --codex-sandbox workspace-write the agent may be unable to commit`);
        }
        if (!offers('--output-schema')) {
          this.dropped.add('--output-schema');
          warnings.push(`${this.resolvedBin} exec does not offer --output-schema; the agent's report is read from its last message unchecked`);
        }
      }
    }
    return { warnings };
  }

  describe(input: AgentRunInput): string[] {
    const o = this.opts;
    const sandbox = input.sandbox ?? o.sandbox;
    const argv = [this.resolvedBin ?? o.bin, 'exec', '-C', input.workdir, ...SANDBOX_FLAGS[sandbox]];
    // The agent must be able to commit: its git dirs are read-only in codex's sandbox unless named (codex-git-dirs.ts).
    if (sandbox === 'workspace-write' && !this.dropped.has('--add-dir')) {
      for (const dir of gitWritableDirs(input.workdir)) argv.push('--add-dir', dir);
    }
    argv.push('-o', join(input.iterDir, 'last-message.md'));
    if (o.ephemeral && !this.dropped.has('--ephemeral')) argv.push('--ephemeral');
    if (o.model) argv.push('-m', o.model);
    if (o.reasoningEffort) argv.push('-c', `model_reasoning_effort=${JSON.stringify(o.reasoningEffort)}`);
    if (o.profile) argv.push('-p', o.profile);
    // Before preflight the probe has not run: describe what was asked for.
    if (o.search && !this.dropped.has('--search')) argv.push('--search');
    if (input.outputSchemaFile && !this.dropped.has('--output-schema')) argv.push('--output-schema', input.outputSchemaFile);
    argv.push('--json', '-');
    return argv;
  }

  private async environment(input: AgentRunInput): Promise<NodeJS.ProcessEnv> {
    if (!this.opts.modelServer) return this.opts.env;
    // One private CODEX_HOME per run directory (the iter dir's parent), kept for diagnostics.
    const home = await prepareCodexHome(join(dirname(input.iterDir), 'codex-home'), this.opts.modelServer, this.opts.env);
    return { ...this.opts.env, CODEX_HOME: home };
  }

  async run(input: AgentRunInput): Promise<AgentRunResult> {
    await this.preflight();
    // The run has started (its ledger exists): a probed help answer may now be kept for later runs.
    if (this.help?.probed && this.help.flags && this.opts.helpCacheFile && this.resolvedBin) {
      rememberCodexHelp(this.opts.helpCacheFile, this.resolvedBin, this.help.flags);
      this.help = { ...this.help, probed: false };
    }
    mkdirSync(input.iterDir, { recursive: true, mode: 0o700 });
    const argv = this.describe(input);
    const lastMessageFile = join(input.iterDir, 'last-message.md');
    // A stale file from an earlier attempt must not pass for this attempt's answer.
    rmSync(lastMessageFile, { force: true });
    const env = await this.environment(input);
    const display = (line: string): void => input.onDisplay?.(this.redact(line));
    const reader = new CodexEventReader(display, this.opts.showFileUpdates, this.redact);
    let result;
    try {
      result = await runEventStreamAgent(this.opts.runner, input, { argv, env, reader, redact: this.redact });
    } finally {
      // codex creates its state (logs, sqlite, skills) in our CODEX_HOME under the run directory with its own umask.
      if (env.CODEX_HOME && this.opts.modelServer) await sealTree(env.CODEX_HOME);
    }

    // codex writes -o itself, unredacted: redact it in place so no secret stays in the run directory.
    const lastMessage = redactAgentFile(lastMessageFile, this.redact) ?? reader.lastAgentMessage;
    // Only codex's own error events classify (codex-failures.ts); a run that failed without one is deterministic.
    const message = reader.failureMessage;
    const verdict = classifyRun(result, reader.turnFailed, message === undefined ? undefined : classifyCodexMessage(message));
    const failure = this.unknownFailures.judge(verdict, message ?? '');
    const detail = failure ? this.redact(describeFailure(result, reader.messages, this.redact)) : undefined;
    const report = input.outputSchemaFile ? await recordReport(input.iterDir, lastMessage, this.redact) : undefined;
    const limited = (failure === 'agent-usage-limit' || failure === 'agent-rate-limited') && message !== undefined;
    const resetAt = limited ? codexLimitResetAt(message, Date.now()) : undefined;
    return {
      ok: failure === undefined,
      ...(failure ? { failure, detail } : {}),
      ...(resetAt !== undefined ? { limitResetAtMs: resetAt } : {}),
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      usage: reader.usage,
      ...(lastMessage !== undefined ? { lastMessage: this.redact(lastMessage) } : {}),
      argv,
      ...(report ? { report } : {}),
      ...(reader.threadId ? { sessionId: reader.threadId } : {}),
    };
  }
}
