import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRedactor, type Redactor } from '../../redact.js';
import type { AgentFailure, AgentRunInput, AgentRunResult, AgentRunner } from '../../ports/agent.js';
import type { CommandRunner } from '../../ports/process.js';
import { recordReport, redactAgentFile } from './agent-report-files.js';
import { classifyRun, describeFailure } from './failure-classifier.js';
import { RedactedLog } from './redacted-log.js';
import { agentProcess } from './event-stream-run.js';

export interface CommandAgentOptions {
  /** e.g. `my-agent --prompt-file {prompt_file}`; run with bash -lc. */
  command: string;
  runner: CommandRunner;
  env: NodeJS.ProcessEnv;
  /** Redacts transcripts, messages and reports; default: a redactor of `env`'s secrets. */
  redact?: Redactor;
  /** Set options that only codex or claude understand (named in a preflight warning). */
  ignoredOptions?: string[];
}

/** Single-quote for bash: the substituted paths may hold spaces or quotes. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * sysexits.h's EX_TEMPFAIL: "temporary failure, the user is invited to retry". The one exit code with a
 * documented meaning for --agent command (docs/agents.md); every other non-zero exit is the agent's own,
 * deterministic failure. Its output is never read for a class.
 */
export const EX_TEMPFAIL = 75;

function exitVerdict(exitCode: number | null): AgentFailure | undefined {
  return exitCode === EX_TEMPFAIL ? 'agent-server-error' : undefined;
}

export function substituteAgentCommand(template: string, values: { prompt_file: string; workdir: string; iter_dir: string }): string {
  return template.replace(/\{(prompt_file|workdir|iter_dir)\}/g, (_, key: keyof typeof values) => shellQuote(values[key]));
}

/**
 * Any program as the agent (`--agent command --agent-cmd "…"`). It gets the prompt as a file ({prompt_file},
 * also on stdin and in GDNCTL_PROMPT_FILE), runs in the workdir, and is expected to commit its change. Its
 * output is the transcript; its last message is <iter_dir>/last-message.md if it writes one, else the tail of
 * its stdout. Token usage is unknown (zero). Its files are redacted like every backend's: the transcript line
 * before it is JSON-encoded, last-message.md in place, and prompt.md is the ledger's redacted copy (the prompt
 * as sent is on stdin).
 */
export class CommandAgent implements AgentRunner {
  readonly name = 'command';
  private readonly redact: Redactor;

  constructor(private readonly opts: CommandAgentOptions) {
    this.redact = opts.redact ?? createRedactor(opts.env);
  }

  async preflight(): Promise<{ warnings: string[] }> {
    return { warnings: (this.opts.ignoredOptions ?? []).map((o) => `${o} does not apply to --agent command; ignored`) };
  }

  private promptFile(input: AgentRunInput): string {
    return join(input.iterDir, 'prompt.md');
  }

  describe(input: AgentRunInput): string[] {
    const cmd = substituteAgentCommand(this.opts.command, {
      prompt_file: this.promptFile(input),
      workdir: input.workdir,
      iter_dir: input.iterDir,
    });
    // Debian's login profile resets PATH; put the caller's PATH back in front so the operator's agent (in
    // ~/.local/bin, node_modules/.bin…) is still found, while profile additions stay reachable.
    return ['bash', '-lc', `export PATH="$GDNCTL_CALLER_PATH\${PATH:+:$PATH}"; ${cmd}`];
  }

  async run(input: AgentRunInput): Promise<AgentRunResult> {
    await mkdir(input.iterDir, { recursive: true });
    const promptFile = this.promptFile(input);
    writeFileSync(promptFile, this.redact(input.prompt), { mode: 0o600 });
    const argv = this.describe(input);
    const transcript = new RedactedLog(join(input.iterDir, 'transcript.jsonl'), this.redact);
    const stdoutTail: string[] = [];
    const stderrTail: string[] = [];
    let result;
    try {
      result = await this.opts.runner.run({
        ...agentProcess(input),
        argv,
        env: {
          ...this.opts.env,
          GDNCTL_CALLER_PATH: this.opts.env.PATH ?? '',
          GDNCTL_PROMPT_FILE: promptFile,
          GDNCTL_ITER_DIR: input.iterDir,
          GDNCTL_WORKDIR: input.workdir,
        },
        redact: this.redact,
        onLine: (raw, stream) => {
          // Redact, then encode: JSON would escape a quote or backslash inside a secret out of the redactor's sight.
          const line = this.redact(raw);
          transcript.line(JSON.stringify({ type: 'output', stream, line }));
          const tail = stream === 'stdout' ? stdoutTail : stderrTail;
          tail.push(line);
          if (tail.length > 50) tail.shift();
          input.onDisplay?.(line);
        },
      });
    } finally {
      transcript.close();
    }
    const lastMessage = redactAgentFile(join(input.iterDir, 'last-message.md'), this.redact) ?? (stdoutTail.length > 0 ? this.redact(stdoutTail.slice(-20).join('\n')) : undefined);
    const failure = classifyRun(result, false, exitVerdict(result.exitCode));
    const report = input.outputSchemaFile ? await recordReport(input.iterDir, lastMessage, this.redact) : undefined;
    return {
      ok: failure === undefined,
      ...(failure ? { failure, detail: this.redact(describeFailure(result, stderrTail, this.redact)) } : {}),
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 },
      ...(lastMessage !== undefined ? { lastMessage } : {}),
      argv,
      ...(report ? { report } : {}),
    };
  }
}

