import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodexEventReader } from '../../src/adapters/agents/codex-events.js';

const ev = (o: unknown): string => JSON.stringify(o);

describe('CodexEventReader', () => {
  it('sums usage over turns, keeps the last message, renders commands with exit codes and file changes', () => {
    const shown: string[] = [];
    const r = new CodexEventReader((l) => shown.push(l), false);
    const lines = [
      ev({ type: 'thread.started', thread_id: 't-1' }),
      ev({ type: 'turn.started' }),
      ev({ type: 'item.started', item: { id: 'a', type: 'command_execution', command: 'pytest', exit_code: null } }),
      ev({ type: 'item.completed', item: { id: 'a', type: 'command_execution', command: 'bash -lc "pytest\n-q"', aggregated_output: '1 passed', exit_code: 1 } }),
      ev({ type: 'item.completed', item: { id: 'b', type: 'file_change', changes: [{ path: 'k.py', kind: 'update' }, { path: 'n.py', kind: 'add' }] } }),
      ev({ type: 'item.completed', item: { id: 'c', type: 'agent_message', text: 'first' } }),
      ev({ type: 'turn.completed', usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 3 } }),
      ev({ type: 'item.completed', item: { id: 'd', type: 'agent_message', text: 'final\nanswer' } }),
      ev({ type: 'item.completed', item: { id: 'e', type: 'brand_new_item', x: 1 } }),
      ev({ type: 'some.future.event' }),
      ev({ type: 'turn.completed', usage: { input_tokens: 5, cached_input_tokens: 1, output_tokens: 2, reasoning_output_tokens: 9 } }),
    ];
    for (const l of lines) assert.equal(r.stdoutLine(l), true);
    assert.deepEqual(r.usage, { inputTokens: 15, cachedInputTokens: 5, outputTokens: 5 });
    assert.equal(r.threadId, 't-1');
    assert.equal(r.lastAgentMessage, 'final\nanswer');
    assert.ok(shown.includes('$ bash -lc "pytest ⏎ -q"  → exit 1'), shown.join('\n'));
    assert.ok(shown.includes('  update k.py'));
    assert.ok(shown.includes('  add n.py'));
    assert.ok(shown.includes('» final') && shown.includes('» answer'));
    assert.equal(r.turnFailed, false);
  });

  it('the model-metadata error item is neither shown nor a failure message; real errors are', () => {
    const shown: string[] = [];
    const r = new CodexEventReader((l) => shown.push(l), false);
    r.stdoutLine(ev({ type: 'item.completed', item: { type: 'error', message: 'Model metadata for `m` not found. Defaulting…' } }));
    assert.deepEqual(r.messages, []);
    assert.deepEqual(shown, []);
    r.stdoutLine(ev({ type: 'error', message: 'Reconnecting... 1/5 (429 Too Many Requests)' }));
    r.stdoutLine(ev({ type: 'turn.failed', error: { message: 'exceeded retry limit, last status: 429' } }));
    assert.equal(r.turnFailed, true);
    assert.equal(r.messages.at(-1), 'exceeded retry limit, last status: 429');
  });

  it('hides plain-text diff blocks unless showFileUpdates', () => {
    const text = ['file update:', 'diff --git a/x b/x', '@@ -1 +1 @@', '-old', '+new', '', 'codex', 'done'];
    const hidden: string[] = [];
    const quiet = new CodexEventReader((l) => hidden.push(l), false);
    for (const l of text) assert.equal(quiet.stdoutLine(l), false);
    assert.deepEqual(hidden, ['codex', 'done']);
    const all: string[] = [];
    const loud = new CodexEventReader((l) => all.push(l), true);
    for (const l of text) loud.stdoutLine(l);
    assert.ok(all.includes('+new') && all.includes('file update:'));
  });

  it('lenient: malformed JSON lines are shown as text, not thrown', () => {
    const shown: string[] = [];
    const r = new CodexEventReader((l) => shown.push(l), false);
    assert.equal(r.stdoutLine('{"type": "turn.completed", "usage": '), false);
    assert.equal(r.stdoutLine(ev({ type: 'turn.completed', usage: { input_tokens: 'many' } })), true);
    assert.deepEqual(r.usage, { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });
  });
});
