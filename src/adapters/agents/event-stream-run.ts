import { join } from 'node:path';
import type { AgentRunInput } from '../../ports/agent.js';
import type { CommandRunner, ProcessResult, ProcessSpec } from '../../ports/process.js';
import type { Redactor } from '../../redact.js';
import { loadReportParser } from './agent-report-files.js';
import { RedactedLog } from './redacted-log.js';

/** Parses one JSON-lines agent stream (codex --json, claude stream-json). */
export interface EventStreamReader {
  /** True when the line was an event (it then belongs in the transcript). */
  stdoutLine(line: string): boolean;
  stderrLine(line: string): void;
}

/** The process settings every agent backend takes from its run input: workdir, prompt on stdin, limits, hooks. */
export function agentProcess(input: AgentRunInput): Pick<ProcessSpec, 'cwd' | 'stdin' | 'timeoutMs' | 'idleTimeoutMs' | 'signal' | 'onSpawn'> {
  return {
    cwd: input.workdir,
    stdin: input.prompt,
    timeoutMs: input.timeoutMs,
    idleTimeoutMs: input.idleTimeoutMs,
    signal: input.signal,
    onSpawn: input.onSpawn,
  };
}

/**
 * Run a JSON-lines agent: events go to iter-NNN/transcript.jsonl, everything else (stderr, non-JSON stdout) to
 * agent-output.log, both redacted and written line by line so gigabytes of output never pile up in memory.
 */
export async function runEventStreamAgent(
  runner: CommandRunner,
  input: AgentRunInput,
  run: { argv: string[]; env: NodeJS.ProcessEnv; reader: EventStreamReader; redact: Redactor },
): Promise<ProcessResult> {
  const transcript = new RedactedLog(join(input.iterDir, 'transcript.jsonl'), run.redact);
  const outputLog = new RedactedLog(join(input.iterDir, 'agent-output.log'), run.redact);
  // The report's parser loads once the agent is at work (its first line of output), not between its exit and
  // the checks (agent-report-files.ts loadReportParser).
  let parserAsked = input.outputSchemaFile === undefined;
  try {
    return await runner.run({
      ...agentProcess(input),
      argv: run.argv,
      env: run.env,
      // A line cut for length is redacted before the cut (the readers parse whole lines, then redact).
      redact: run.redact,
      onLine: (line, stream) => {
        if (!parserAsked) {
          parserAsked = true;
          setImmediate(() => void loadReportParser().catch(() => undefined));
        }
        if (stream === 'stderr') {
          outputLog.line(line);
          run.reader.stderrLine(line);
        } else if (run.reader.stdoutLine(line)) transcript.line(line);
        else outputLog.line(line);
      },
    });
  } finally {
    transcript.close();
    outputLog.close();
  }
}
