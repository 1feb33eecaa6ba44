import { DETERMINISTIC, failureForHttpStatus, type FailureVerdict } from './failure-classifier.js';

/**
 * Claude Code's structured failure signals (2.1.197, checked against the real binary in
 * test/e2e/claude-agent-auth.test.ts): the result's `api_error_status` (the HTTP status) and the assistant
 * message's `error` code. The status decides when there is one; the code covers failures without a response
 * (a refused connection is `server_error` with no status). Neither: 'unknown', retried once.
 */
const ERROR_CODES: Readonly<Record<string, FailureVerdict>> = {
  authentication_failed: 'agent-auth',
  billing_error: 'agent-usage-limit',
  rate_limit: 'agent-rate-limited',
  server_error: 'agent-server-error',
  invalid_request: DETERMINISTIC,
  max_output_tokens: DETERMINISTIC,
};

export function classifyClaudeFailure(r: { apiErrorStatus?: number | undefined; errorCode?: string | undefined; subtype?: string | undefined }): FailureVerdict {
  if (r.apiErrorStatus !== undefined) return failureForHttpStatus(r.apiErrorStatus);
  if (r.errorCode !== undefined && Object.hasOwn(ERROR_CODES, r.errorCode)) return ERROR_CODES[r.errorCode]!;
  // The turn budget ran out: the same prompt runs out again.
  if (r.subtype === 'error_max_turns') return DETERMINISTIC;
  return 'unknown';
}
