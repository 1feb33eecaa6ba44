import type { AgentFailure } from '../../ports/agent.js';
import { failureForHttpStatus, DETERMINISTIC, type FailureVerdict } from './failure-classifier.js';

/**
 * The messages the pinned codex (0.171.0; the same templates as 0.169.0) puts in its `error` and `turn.failed` events when a turn fails.
 * Those events carry only a message, so this table is the structured signal: each entry is one of codex's
 * own message templates, anchored at the start, never a word searched for anywhere. Every entry is played
 * through the real binary against the scripted Responses server by test/e2e/codex-failures.test.ts (the `play`
 * there), so a codex upgrade that rewords one fails that test. docs/agents.md lists the table.
 *
 * A message no entry matches is 'unknown': retried once, deterministic when it repeats.
 */
export interface CodexMessageRule {
  /** Stable name; the e2e test has a scripted server reply for each. */
  id: string;
  pattern: RegExp;
  /** The class, or a function of the HTTP status the template carries (first capture group). */
  failure: AgentFailure | ((status: number) => AgentFailure);
}

// codex prints a typographic apostrophe (’); accept the plain one too.
const APOS = "[’']";

export const CODEX_FAILURE_MESSAGES: readonly CodexMessageRule[] = [
  // Transient: codex's own retries ran out, or the provider is busy. gdnctl backs off and retries.
  { id: 'retry-limit', pattern: /^exceeded retry limit, last status: (\d{3})\b/, failure: failureForHttpStatus },
  { id: 'rate-limit-in-stream', pattern: /^rate limit exceeded: /, failure: 'agent-rate-limited' },
  { id: 'high-demand', pattern: new RegExp(`^We${APOS}re currently experiencing high demand, which may cause temporary errors\\.`), failure: 'agent-server-error' },
  { id: 'model-at-capacity', pattern: /^Selected model is at capacity\. /, failure: 'agent-server-error' },
  { id: 'stream-disconnected', pattern: /^stream disconnected before completion: /, failure: 'agent-network' },
  // "unexpected status 503 Service Unavailable: <body>, url: …": 5xx and 408 transient, 401/403 auth, the rest deterministic.
  { id: 'unexpected-status', pattern: /^unexpected status (\d{3}) /, failure: failureForHttpStatus },
  // Fatal: retrying cannot help; the loop stops with the message.
  { id: 'quota-exceeded', pattern: /^Quota exceeded\. Check your plan and billing details\./, failure: 'agent-usage-limit' },
  { id: 'usage-limit', pattern: new RegExp(`^You${APOS}ve hit your usage limit\\b`), failure: 'agent-usage-limit' },
  { id: 'usage-not-included', pattern: /^To use Codex with your ChatGPT plan, upgrade to Plus/, failure: 'agent-usage-limit' },
  // Deterministic: the request itself is wrong (a 400's body is passed through as the message).
  { id: 'context-window', pattern: /^Codex ran out of room in the model's context window\./, failure: DETERMINISTIC },
  { id: 'invalid-request-body', pattern: /^\{"error":\{/, failure: DETERMINISTIC },
];

/** The entry a message matches, if any. */
export function codexFailureRule(message: string): CodexMessageRule | undefined {
  return CODEX_FAILURE_MESSAGES.find((r) => r.pattern.test(message));
}

export function classifyCodexMessage(message: string): FailureVerdict {
  const rule = codexFailureRule(message);
  if (!rule) return 'unknown';
  if (typeof rule.failure !== 'function') return rule.failure;
  return rule.failure(Number(rule.pattern.exec(message)?.[1]));
}

/** codex's progress note while it retries on its own ("Reconnecting... 2/5 (…)"): not how the turn ended. */
export function isCodexRetryNote(message: string): boolean {
  return /^Reconnecting\.\.\. /.test(message);
}
