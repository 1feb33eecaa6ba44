import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRedactor, type Redactor } from '../../redact.js';
import type { AgentRunInput, AgentRunResult, AgentRunner } from '../../ports/agent.js';
import type { CommandRunner } from '../../ports/process.js';
import { resolveAgentBinary } from './agent-binary.js';
import { recordReport, writeAgentFile } from './agent-report-files.js';
import { ClaudeEventReader } from './claude-events.js';
import { classifyClaudeFailure } from './claude-failures.js';
import { classifyRun, describeFailure, UnknownFailureMemory } from './failure-classifier.js';
import { runEventStreamAgent } from './event-stream-run.js';

export interface ClaudeAgentOptions {
  /** --claude-bin, or "claude" (searched on PATH). */
  bin: string;
  /** Omitted: claude uses its own default model. */
  model?: string;
  permissionMode: string;
  showFileUpdates: boolean;
  runner: CommandRunner;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Redacts transcripts, messages and reports; default: a redactor of `env`'s secrets. */
  redact?: Redactor;
  /** Set options that only codex understands (named in a preflight warning). */
  ignoredOptions?: string[];
}

/**
 * Claude Code in print mode. It has no -C: it works in its cwd, so the run's cwd is the workdir. No -o either:
 * the last message is the `result` event's text, written to last-message.md by us.
 */
export class ClaudeAgent implements AgentRunner {
  readonly name = 'claude';
  private resolvedBin: string | undefined;
  private readonly redact: Redactor;
  private readonly unknownFailures = new UnknownFailureMemory();

  constructor(private readonly opts: ClaudeAgentOptions) {
    this.redact = opts.redact ?? createRedactor(opts.env);
  }

  async preflight(): Promise<{ warnings: string[] }> {
    this.resolvedBin ??= resolveAgentBinary(this.opts.bin, this.opts.env, {
      flag: '--claude-bin',
      install: 'install Claude Code (npm install -g @anthropic-ai/claude-code)',
      cwd: this.opts.cwd,
    });
    const warnings = (this.opts.ignoredOptions ?? []).map((o) => `${o} applies to --agent codex only; ignored for claude`);
    if (this.opts.permissionMode === 'bypassPermissions' && process.getuid?.() === 0 && !this.opts.env.IS_SANDBOX) {
      warnings.push('claude refuses bypassPermissions as root unless IS_SANDBOX=1 is set (only do that in a sandbox)');
    }
    return { warnings };
  }

  describe(input: AgentRunInput): string[] {
    const argv = [this.resolvedBin ?? this.opts.bin, '-p', '--output-format', 'stream-json', '--verbose'];
    if (this.opts.model) argv.push('--model', this.opts.model);
    argv.push('--permission-mode', input.sandbox === 'read-only' ? 'plan' : this.opts.permissionMode);
    return argv;
  }

  async run(input: AgentRunInput): Promise<AgentRunResult> {
    await this.preflight();
    await mkdir(input.iterDir, { recursive: true });
    const argv = this.describe(input);
    const reader = new ClaudeEventReader((l) => input.onDisplay?.(this.redact(l)), this.opts.showFileUpdates, this.redact);
    const result = await runEventStreamAgent(this.opts.runner, input, { argv, env: this.opts.env, reader, redact: this.redact });

    const raw = reader.resultText ?? reader.lastAssistantText;
    const lastMessage = raw === undefined ? undefined : this.redact(raw);
    if (lastMessage !== undefined) writeAgentFile(join(input.iterDir, 'last-message.md'), lastMessage, this.redact);
    // Exit 0 without a result event is not success: the stream was cut short.
    const reportedFailure = reader.isError || (result.exitCode === 0 && !reader.sawResult);
    // An error result carries its class (claude-failures.ts); a run that died without one is deterministic.
    const structured = reader.isError
      ? classifyClaudeFailure({ apiErrorStatus: reader.apiErrorStatus, errorCode: reader.errorCode, subtype: reader.resultSubtype })
      : undefined;
    const verdict = classifyRun(result, reportedFailure, structured);
    const failure = this.unknownFailures.judge(verdict, reader.messages.at(-1) ?? '');
    const report = input.outputSchemaFile ? await recordReport(input.iterDir, lastMessage, this.redact) : undefined;
    return {
      ok: failure === undefined,
      ...(failure
        ? { failure, detail: this.redact(describeFailure(result, reader.messages, this.redact)) }
        : {}),
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      usage: reader.usage,
      ...(reader.costUsd !== undefined ? { costUsd: reader.costUsd } : {}),
      ...((failure === 'agent-usage-limit' || failure === 'agent-rate-limited') && reader.limitResetAtMs !== undefined ? { limitResetAtMs: reader.limitResetAtMs } : {}),
      ...(lastMessage !== undefined ? { lastMessage } : {}),
      argv,
      ...(report ? { report } : {}),
      ...(reader.sessionId ? { sessionId: reader.sessionId } : {}),
    };
  }
}
