import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyClaudeFailure } from '../../src/adapters/agents/claude-failures.js';
import { CodexEventReader } from '../../src/adapters/agents/codex-events.js';
import { classifyCodexMessage, CODEX_FAILURE_MESSAGES, codexFailureRule } from '../../src/adapters/agents/codex-failures.js';
import { classifyRun, describeFailure, failureForHttpStatus, isHarmlessCodexError, UnknownFailureMemory } from '../../src/adapters/agents/failure-classifier.js';
import { createRedactor } from '../../src/redact.js';

const base = { exitCode: 1, signal: null, timedOut: null, aborted: false } as const;

describe('agent failure classification', () => {
  it("maps the pinned codex's messages to failure classes (the table, one message per entry)", () => {
    const cases: Array<[string, string]> = [
      ['exceeded retry limit, last status: 429 Too Many Requests', 'agent-rate-limited'],
      ['exceeded retry limit, last status: 429 Too Many Requests, request id: abc', 'agent-rate-limited'],
      ['rate limit exceeded: Rate limit reached for gpt-5.4. Please try again in 1.5s.', 'agent-rate-limited'],
      ['We’re currently experiencing high demand, which may cause temporary errors.', 'agent-server-error'],
      ['Selected model is at capacity. Please try a different model.', 'agent-server-error'],
      ['stream disconnected before completion: error sending request', 'agent-network'],
      ['unexpected status 503 Service Unavailable: down, url: http://127.0.0.1:1/v1/responses', 'agent-server-error'],
      ['unexpected status 408 Request Timeout: slow, url: http://127.0.0.1:1/v1/responses', 'agent-network'],
      ['unexpected status 401 Unauthorized: Incorrect API key provided', 'agent-auth'],
      ['unexpected status 404 Not Found: no route, url: http://x/v1/responses', 'agent-exit-nonzero'],
      ['Quota exceeded. Check your plan and billing details.', 'agent-usage-limit'],
      ['You’ve hit your usage limit. Try again later.', 'agent-usage-limit'],
      ['To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.', 'agent-usage-limit'],
      ["Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying.", 'agent-exit-nonzero'],
      ['{"error":{"message":"model not supported","type":"invalid_request_error"}}', 'agent-exit-nonzero'],
    ];
    for (const [text, want] of cases) assert.equal(classifyCodexMessage(text), want, text);
    // Each table entry is exercised by at least one case above.
    for (const rule of CODEX_FAILURE_MESSAGES) assert.ok(cases.some(([t]) => codexFailureRule(t) === rule), rule.id);
  });

  it('free text decides nothing: a shape tuple is no server error, a stray word no usage limit', () => {
    for (const text of ['bad shape (512, 128)', 'Error: billing module failed to import', 'the 503 tests were skipped', 'something odd happened']) {
      assert.equal(classifyCodexMessage(text), 'unknown', text);
    }
    // Templates are anchored: the words inside another message do not count.
    assert.equal(classifyCodexMessage('tool said: unexpected status 503 Service Unavailable'), 'unknown');
  });

  it('codex stderr is never classified: a failed run without an error event is deterministic', () => {
    const reader = new CodexEventReader(() => {}, false);
    reader.stderrLine('ValueError: bad shape (512, 128)');
    reader.stderrLine('429 Too Many Requests');
    assert.equal(reader.failureMessage, undefined);
    assert.equal(classifyRun(base, reader.turnFailed, undefined), 'agent-exit-nonzero');
  });

  it("the turn's own end decides, not codex's retry notes", () => {
    const reader = new CodexEventReader(() => {}, false);
    reader.stdoutLine(JSON.stringify({ type: 'error', message: 'Reconnecting... 1/5 (unexpected status 503 Service Unavailable: x)' }));
    assert.equal(reader.failureMessage, undefined);
    reader.stdoutLine(JSON.stringify({ type: 'error', message: 'unexpected status 401 Unauthorized: bad key' }));
    reader.stdoutLine(JSON.stringify({ type: 'turn.failed', error: { message: 'exceeded retry limit, last status: 429 Too Many Requests' } }));
    // An error event after turn.failed does not replace the turn's verdict.
    reader.stdoutLine(JSON.stringify({ type: 'error', message: 'something after' }));
    assert.equal(reader.failureMessage, 'exceeded retry limit, last status: 429 Too Many Requests');
  });

  it('an unknown failure is retried once (transient), and deterministic when the same one repeats', () => {
    const m = new UnknownFailureMemory();
    assert.equal(m.judge('unknown', 'weird failure at port 4711'), 'agent-server-error');
    // The same message with other numbers is the same failure.
    assert.equal(m.judge('unknown', 'weird failure at port 4712'), 'agent-exit-nonzero');
    assert.equal(m.judge('unknown', 'weird failure at port 4713'), 'agent-exit-nonzero');
    assert.equal(m.judge('unknown', 'another failure'), 'agent-server-error');
    // A known outcome in between forgets it.
    assert.equal(m.judge(undefined, ''), undefined);
    assert.equal(m.judge('unknown', 'another failure'), 'agent-server-error');
    assert.equal(m.judge('agent-rate-limited', 'x'), 'agent-rate-limited');
  });

  it('HTTP status fields map to classes', () => {
    const want: Array<[number, string]> = [[401, 'agent-auth'], [403, 'agent-auth'], [402, 'agent-usage-limit'], [408, 'agent-network'], [429, 'agent-rate-limited'], [500, 'agent-server-error'], [529, 'agent-server-error'], [400, 'agent-exit-nonzero'], [404, 'agent-exit-nonzero']];
    for (const [status, failure] of want) assert.equal(failureForHttpStatus(status), failure, String(status));
  });

  it("claude: the status decides, else the error code; neither is unknown", () => {
    assert.equal(classifyClaudeFailure({ apiErrorStatus: 429, errorCode: 'rate_limit' }), 'agent-rate-limited');
    assert.equal(classifyClaudeFailure({ apiErrorStatus: 401, errorCode: 'authentication_failed' }), 'agent-auth');
    assert.equal(classifyClaudeFailure({ apiErrorStatus: 400, errorCode: 'invalid_request' }), 'agent-exit-nonzero');
    assert.equal(classifyClaudeFailure({ errorCode: 'server_error' }), 'agent-server-error');
    assert.equal(classifyClaudeFailure({ errorCode: 'billing_error' }), 'agent-usage-limit');
    assert.equal(classifyClaudeFailure({ subtype: 'error_max_turns' }), 'agent-exit-nonzero');
    assert.equal(classifyClaudeFailure({ errorCode: 'unknown' }), 'unknown');
    assert.equal(classifyClaudeFailure({}), 'unknown');
  });

  it('timeouts and interrupts win over the verdict; a clean exit is no failure', () => {
    assert.equal(classifyRun({ ...base, timedOut: 'wall' }, true, 'agent-rate-limited'), 'agent-timeout');
    assert.equal(classifyRun({ ...base, timedOut: 'idle' }, false, undefined), 'agent-idle-timeout');
    assert.equal(classifyRun({ ...base, aborted: true }, false, undefined), 'agent-interrupted');
    assert.equal(classifyRun({ ...base, exitCode: 0 }, false, 'agent-rate-limited'), undefined);
    assert.equal(classifyRun({ ...base, exitCode: 0 }, true, 'agent-rate-limited'), 'agent-rate-limited');
    assert.equal(classifyRun(base, false, undefined), 'agent-exit-nonzero');
  });

  it('the failure detail says how the run ended and why', () => {
    const r = { ...base, durationMs: 7_200_000, tail: 'line 1\nspawn /x/codex ENOENT\n' };
    assert.equal(describeFailure({ ...r, timedOut: 'wall' }, []), 'timed out after 7200 s: spawn /x/codex ENOENT');
    assert.equal(describeFailure({ ...r, exitCode: null, signal: 'SIGKILL' }, ['429 Too Many Requests']), 'killed by SIGKILL: 429 Too Many Requests');
    assert.equal(describeFailure({ ...r, tail: '' }, []), 'exit 1');
  });

  it('the detail is redacted before it is cut: no half secret at the 500-character cut', () => {
    const secret = 'canary-secret-abcdefghij';
    const redact = createRedactor({ MY_TOKEN: secret });
    const message = `${'x'.repeat(490)}${secret}`;
    const detail = describeFailure({ ...base, durationMs: 1, tail: '' }, [message], redact);
    assert.ok(!detail.includes('canary-se'), detail.slice(-40));
    assert.match(detail, /\[redac/);
  });

  it('the model-metadata warning is harmless', () => {
    assert.equal(isHarmlessCodexError('Model metadata for `my-model` not found. Defaulting to fallback metadata'), true);
    assert.equal(isHarmlessCodexError('model not found'), false);
  });
});
