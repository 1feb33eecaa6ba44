import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { CodexEventReader, unwrapShell } from '../../src/adapters/agents/codex-events.js';
import { createRedactor } from '../../src/redact.js';

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
      ev({ type: 'item.completed', item: { id: 'f', type: 'reasoning', text: '**Profiling the kernel**\n\nDetails…' } }),
      ev({ type: 'item.completed', item: { id: 'g', type: 'web_search', query: 'pallas tpu tiling' } }),
      ev({ type: 'item.completed', item: { id: 'h', type: 'mcp_tool_call', server: 'docs', tool: 'lookup', status: 'failed' } }),
      ev({ type: 'some.future.event' }),
      ev({ type: 'turn.completed', usage: { input_tokens: 5, cached_input_tokens: 1, output_tokens: 2, reasoning_output_tokens: 9 } }),
    ];
    for (const l of lines) assert.equal(r.stdoutLine(l), true);
    // Reasoning is part of output_tokens (not added again), counted apart once codex reports it.
    assert.deepEqual(r.usage, { inputTokens: 15, cachedInputTokens: 5, outputTokens: 5, reasoningOutputTokens: 9 });
    assert.equal(r.threadId, 't-1');
    assert.equal(r.lastAgentMessage, 'final\nanswer');
    assert.ok(shown.includes('$ pytest ⏎ -q  → exit 1'), shown.join('\n'));
    assert.ok(shown.includes('  update k.py'));
    assert.ok(shown.includes('  add n.py'));
    assert.ok(shown.includes('» final') && shown.includes('» answer'));
    assert.ok(shown.includes('· Profiling the kernel'));
    assert.ok(shown.includes('search: pallas tpu tiling'));
    assert.ok(shown.includes('tool docs.lookup (failed)'));
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

  it('unwraps the login-shell wrapper codex puts around commands', () => {
    assert.equal(unwrapShell(`/bin/bash -lc "printf 'x\\\\n' > t && echo \\"hi\\""`), `printf 'x\\n' > t && echo "hi"`);
    assert.equal(unwrapShell("/bin/bash -lc 'exit 3'"), 'exit 3');
    assert.equal(unwrapShell('git status'), 'git status');
  });

  it('lenient: malformed JSON lines are shown as text, not thrown', () => {
    const shown: string[] = [];
    const r = new CodexEventReader((l) => shown.push(l), false);
    assert.equal(r.stdoutLine('{"type": "turn.completed", "usage": '), false);
    assert.equal(r.stdoutLine(ev({ type: 'turn.completed', usage: { input_tokens: 'many' } })), true);
    assert.deepEqual(r.usage, { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });
  });
});

test('the view is redacted before it is shortened: no half secret at a cut', () => {
  const secret = 'canary-view-secret-0123';
  const redact = createRedactor({ MY_TOKEN: secret });
  const shown: string[] = [];
  const reader = new CodexEventReader((l) => shown.push(redact(l)), false, redact);
  reader.stderrLine(`${'x'.repeat(1995)}${secret}`);
  reader.stdoutLine(JSON.stringify({ type: 'item.completed', item: { type: 'command_execution', command: `${'y'.repeat(190)} ${secret}`, exit_code: 0 } }));
  reader.stdoutLine(JSON.stringify({ type: 'error', message: `boom ${secret}` }));
  for (const l of shown) assert.ok(!l.includes(secret.slice(0, 6)), l.slice(-40));
  assert.ok(reader.messages.every((m) => !m.includes(secret)), 'remembered messages are redacted');
});
