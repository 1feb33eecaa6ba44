import type { AgentFailure } from '../../ports/agent.js';
import type { ProcessResult } from '../../ports/process.js';
import type { Redactor } from '../../redact.js';

/**
 * Why an agent run failed, from structured signals only (docs/agents.md "Failure classes"): codex's `error` /
 * `turn.failed` messages looked up in the table of the pinned codex's messages (codex-failures.ts), claude's
 * error code and HTTP status fields, the command backend's documented exit codes. Free text (stderr, the
 * agent's own output) never decides: "bad shape (512, 128)" is not a server error and a stray "billing" does
 * not stop the run. What nothing structured calls transient is the agent's own, deterministic failure.
 *
 * 'unknown': a structured failure the tables do not know. It is retried once as transient; the same failure
 * again is deterministic (UnknownFailureMemory).
 */
export type FailureVerdict = AgentFailure | 'unknown';

/** The class every failure gets that nothing structured calls transient or fatal. */
export const DETERMINISTIC: AgentFailure = 'agent-exit-nonzero';

/** An HTTP status as a failure class (claude's api_error_status, codex's "unexpected status NNN"). */
export function failureForHttpStatus(status: number): AgentFailure {
  if (status === 401 || status === 403) return 'agent-auth';
  if (status === 402) return 'agent-usage-limit';
  if (status === 408) return 'agent-network';
  if (status === 429) return 'agent-rate-limited';
  if (status >= 500 && status <= 599) return 'agent-server-error';
  return DETERMINISTIC;
}

/**
 * Remembers the last unknown failure of one agent runner (one per run). The first occurrence of a failure
 * counts as transient (the retry sees whether it heals); when the next run fails the same way, it is the
 * agent's deterministic failure. Numbers (ports, ids, counts) do not make two messages different.
 */
export class UnknownFailureMemory {
  private last: string | undefined;

  /** The failure class for a finished run: `verdict` when known; for 'unknown', transient once, then deterministic. */
  judge(verdict: FailureVerdict | undefined, signature: string): AgentFailure | undefined {
    if (verdict !== 'unknown') {
      this.last = undefined;
      return verdict;
    }
    const key = signature.replace(/\d+/g, '#').trim();
    const repeated = this.last === key;
    this.last = key;
    return repeated ? DETERMINISTIC : 'agent-server-error';
  }
}

/**
 * The failure of a finished process: interrupts and timeouts first, then (for a failed run) the backend's
 * structured verdict, else deterministic. `failed`: the backend saw a failure even if the exit code is 0.
 */
export function classifyRun<V extends FailureVerdict>(
  result: Pick<ProcessResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted'>,
  failed: boolean,
  verdict: V | undefined,
): V | AgentFailure | undefined {
  if (result.aborted) return 'agent-interrupted';
  if (result.timedOut === 'wall') return 'agent-timeout';
  if (result.timedOut === 'idle') return 'agent-idle-timeout';
  if (!failed && result.exitCode === 0) return undefined;
  return verdict ?? DETERMINISTIC;
}

/** Errors that look like failures but are not: an unknown model name only means codex lacks its metadata. */
export function isHarmlessCodexError(message: string): boolean {
  return /model metadata .*not found/i.test(message);
}

const MAX_DETAIL_CHARS = 500;

/**
 * One line for records and the console: how the run ended, then the newest error message, or else the last
 * output line (a spawn failure such as ENOENT only shows there). Redacted before it is cut, so the cut never
 * leaves half a secret behind.
 */
export function describeFailure(
  r: Pick<ProcessResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted' | 'durationMs' | 'tail'>,
  messages: readonly string[],
  redact: Redactor = (t) => t,
): string {
  const how = r.aborted
    ? 'interrupted'
    : r.timedOut === 'wall'
      ? `timed out after ${Math.round(r.durationMs / 1000)} s`
      : r.timedOut === 'idle'
        ? 'no output for the idle timeout'
        : r.signal
          ? `killed by ${r.signal}`
          : `exit ${r.exitCode}`;
  const last = messages.at(-1) ?? r.tail.trimEnd().split('\n').at(-1);
  return last ? `${how}: ${redact(last).slice(0, MAX_DETAIL_CHARS)}` : how;
}
