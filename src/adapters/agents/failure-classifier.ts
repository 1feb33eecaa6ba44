import type { AgentFailure } from '../../ports/agent.js';
import type { ProcessResult } from '../../ports/process.js';

/**
 * Classify why an agent run failed from its error messages (codex `error` / `turn.failed` events, claude's
 * `result`, stderr). The order matters: an exhausted quota arrives as HTTP 429 too, but retrying it is
 * pointless, so usage limits are checked before rate limits; auth before the generic network patterns.
 */
const RULES: Array<[AgentFailure, RegExp]> = [
  ['agent-usage-limit', /usage limit|insufficient_quota|exceeded your current quota|quota exceeded|credit balance is too low|billing/i],
  ['agent-auth', /\b401\b|\b403\b|unauthori[sz]ed|forbidden|invalid[ _-]?api[ _-]?key|incorrect api key|authentication|not logged in|please (?:log|sign) ?in/i],
  ['agent-rate-limited', /\b429\b|rate[ _-]?limit|too many requests/i],
  ['agent-server-error', /\b5\d\d\b|overloaded|internal server error|bad gateway|service unavailable|gateway time-?out|server_error|server had an error/i],
  ['agent-network', /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|network|connection (?:refused|reset|closed|error)|error sending request|stream disconnected|dns error|tls|socket hang up|failed to connect/i],
];

export function classifyMessages(messages: readonly string[]): AgentFailure | undefined {
  // The latest message is the one that ended the run; earlier ones may be retries codex recovered from.
  for (const text of [...messages].reverse()) {
    for (const [failure, re] of RULES) if (re.test(text)) return failure;
  }
  return undefined;
}

/** The failure of a finished process: timeouts and interrupts first, then the messages, then the exit code. */
export function classifyRun(
  result: Pick<ProcessResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted'>,
  messages: readonly string[],
  reportedFailure: boolean,
): AgentFailure | undefined {
  if (result.aborted) return 'agent-interrupted';
  if (result.timedOut === 'wall') return 'agent-timeout';
  if (result.timedOut === 'idle') return 'agent-idle-timeout';
  const failed = reportedFailure || result.exitCode !== 0;
  if (!failed) return undefined;
  return classifyMessages(messages) ?? 'agent-exit-nonzero';
}

/** Errors that look like failures but are not: an unknown model name only means codex lacks its metadata. */
export function isHarmlessCodexError(message: string): boolean {
  return /model metadata .*not found/i.test(message);
}

/**
 * One line for records and the console: how the run ended, then the newest error message, or else the last
 * output line (a spawn failure such as ENOENT only shows there).
 */
export function describeFailure(
  r: Pick<ProcessResult, 'exitCode' | 'signal' | 'timedOut' | 'aborted' | 'durationMs' | 'tail'>,
  messages: readonly string[],
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
  return last ? `${how}: ${last.slice(0, 500)}` : how;
}
