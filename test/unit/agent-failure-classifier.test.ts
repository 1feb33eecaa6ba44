import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyMessages, classifyRun, isHarmlessCodexError } from '../../src/adapters/agents/failure-classifier.js';

const base = { exitCode: 1, signal: null, timedOut: null, aborted: false } as const;

describe('agent failure classification', () => {
  it('maps codex and claude error texts to failure classes', () => {
    const cases: Array<[string, string]> = [
      ['exceeded retry limit, last status: 429 Too Many Requests', 'agent-rate-limited'],
      ['Rate limit reached for gpt-5.4 in organization org-x', 'agent-rate-limited'],
      ["You've hit your usage limit. Upgrade to Pro or try again later.", 'agent-usage-limit'],
      ['429 insufficient_quota: You exceeded your current quota', 'agent-usage-limit'],
      ['unexpected status 401 Unauthorized: Incorrect API key provided', 'agent-auth'],
      ['Invalid API key · Please run /login', 'agent-auth'],
      ['unexpected status 503 Service Unavailable', 'agent-server-error'],
      ['API Error: 529 {"type":"overloaded_error"}', 'agent-server-error'],
      ['stream disconnected before completion: error sending request for url', 'agent-network'],
      ['connect ECONNREFUSED 127.0.0.1:9', 'agent-network'],
    ];
    for (const [text, want] of cases) assert.equal(classifyMessages([text]), want, text);
    assert.equal(classifyMessages(['something odd happened']), undefined);
  });

  it('the latest message decides (earlier ones may be retries codex recovered from)', () => {
    assert.equal(classifyMessages(['503 Service Unavailable, retrying 1/5', 'unexpected status 401 Unauthorized']), 'agent-auth');
  });

  it('timeouts and interrupts win over messages; a clean exit is no failure', () => {
    assert.equal(classifyRun({ ...base, timedOut: 'wall' }, ['429'], true), 'agent-timeout');
    assert.equal(classifyRun({ ...base, timedOut: 'idle' }, [], false), 'agent-idle-timeout');
    assert.equal(classifyRun({ ...base, aborted: true }, [], false), 'agent-interrupted');
    assert.equal(classifyRun({ ...base, exitCode: 0 }, ['429 earlier, recovered'], false), undefined);
    assert.equal(classifyRun({ ...base, exitCode: 0 }, ['429 Too Many Requests'], true), 'agent-rate-limited');
    assert.equal(classifyRun(base, ['weird'], false), 'agent-exit-nonzero');
  });

  it('the model-metadata warning is harmless', () => {
    assert.equal(isHarmlessCodexError('Model metadata for `my-model` not found. Defaulting to fallback metadata'), true);
    assert.equal(isHarmlessCodexError('model not found'), false);
  });
});
