import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClaudeEventReader } from '../../src/adapters/agents/claude-events.js';

const ev = (o: unknown): string => JSON.stringify(o);

test("claude: a rejected rate_limit_event gives the reset time; an allowed one does not", () => {
  const r = new ClaudeEventReader(() => undefined, false);
  r.stdoutLine(ev({ type: 'rate_limit_event', rate_limit_info: { status: 'allowed', resetsAt: 1_800_000_000, rateLimitType: 'five_hour' } }));
  assert.equal(r.limitResetAtMs, undefined);
  r.stdoutLine(ev({ type: 'rate_limit_event', rate_limit_info: { status: 'rejected', resetsAt: 1_800_000_000, rateLimitType: 'five_hour' } }));
  assert.equal(r.limitResetAtMs, 1_800_000_000_000);
});

test('claude: cache writes are counted apart, cache reads as cached input, both inside inputTokens', () => {
  const r = new ClaudeEventReader(() => undefined, false);
  r.stdoutLine(ev({ type: 'result', subtype: 'success', is_error: false, result: 'ok', usage: { input_tokens: 5, cache_creation_input_tokens: 300, cache_read_input_tokens: 1000, output_tokens: 7 } }));
  assert.deepEqual(r.usage, { inputTokens: 1305, cachedInputTokens: 1000, outputTokens: 7, cacheWriteTokens: 300 });
});
