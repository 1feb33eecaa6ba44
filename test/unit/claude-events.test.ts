import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClaudeEventReader } from '../../src/adapters/agents/claude-events.js';

const ev = (o: unknown): string => JSON.stringify(o);

describe('ClaudeEventReader', () => {
  it('takes usage (codex-style input incl. cache), cost and the final text from the result event', () => {
    const shown: string[] = [];
    const r = new ClaudeEventReader((l) => shown.push(l), false);
    r.stdoutLine(ev({ type: 'system', subtype: 'init', session_id: 's-1' }));
    r.stdoutLine(ev({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { command: 'make test' } }] } }));
    r.stdoutLine(ev({ type: 'user', message: { content: [{ type: 'tool_result', is_error: true, content: 'Exit code 2\nboom' }] } }));
    r.stdoutLine(ev({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Edit', input: { file_path: 'k.py', new_string: 'x' } }] } }));
    r.stdoutLine(ev({ type: 'assistant', message: { content: [{ type: 'text', text: 'All done.' }] } }));
    r.stdoutLine(ev({
      type: 'result', subtype: 'success', is_error: false, result: 'All done.', session_id: 's-1', total_cost_usd: 0.25,
      usage: { input_tokens: 200, cache_creation_input_tokens: 10, cache_read_input_tokens: 40, output_tokens: 37 },
    }));
    // Cache writes are part of inputTokens, and counted apart for the cost formula.
    assert.deepEqual(r.usage, { inputTokens: 250, cachedInputTokens: 40, outputTokens: 37, cacheWriteTokens: 10 });
    assert.equal(r.costUsd, 0.25);
    assert.equal(r.resultText, 'All done.');
    assert.equal(r.sessionId, 's-1');
    assert.equal(r.isError, false);
    assert.ok(shown.includes('$ make test'));
    assert.ok(shown.includes('  → error: Exit code 2 ⏎ boom'));
    assert.ok(shown.includes('  edit k.py'));
    assert.ok(!shown.some((l) => l.includes('+ x')), 'file contents hidden without showFileUpdates');
  });

  it('is_error true is a failure even when the subtype says success', () => {
    const r = new ClaudeEventReader(() => {}, false);
    r.stdoutLine(ev({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, error_status: 429, error: 'rate_limit' }));
    r.stdoutLine(ev({ type: 'result', subtype: 'success', is_error: true, result: 'API Error: 401 invalid x-api-key', api_error_status: 401 }));
    assert.equal(r.isError, true);
    assert.equal(r.sawResult, true);
    assert.match(r.messages.at(-1) ?? '', /401/);
    assert.match(r.messages[0] ?? '', /HTTP 429/);
  });

  it('an error subtype is a failure too', () => {
    const r = new ClaudeEventReader(() => {}, false);
    r.stdoutLine(ev({ type: 'result', subtype: 'error_max_turns', is_error: false }));
    assert.equal(r.isError, true);
  });
});
