/**
 * How the pinned codex (0.171.0) reports usage and limits, played through the REAL binary against the scripted
 * Responses server: the token fields of turn.completed, the reset time codex prints for a 429
 * `usage_limit_reached` ("Try again at …", parsed by src/adapters/agents/codex-limits.ts), what it does with
 * resets_in_seconds and Retry-After (nothing: no time in the message), and the agent phase waiting out such a
 * limit on a shortened clock, then running the same attempt again to success.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CodexAgent } from '../../src/adapters/agents/codex-agent.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import { runAgentPhase } from '../../src/core/loop/agent-phase.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import { writeCodexHome } from '../../scripts/model-server/codex-home.js';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import type { ScriptSession } from '../../scripts/model-server/script.js';
import type { ScriptedServer } from '../../scripts/model-server/scripted-http.js';
import { CODEX_BIN } from '../helpers/agent-cli.js';
import { makeRepo } from '../helpers/git-repo.js';

const SAME_DAY = /^You’ve hit your usage limit\. Try again at \d{1,2}:\d{2} [AP]M\.$/;
const OTHER_DAY = /^You’ve hit your usage limit\. Try again at [A-Z][a-z]{2} \d{1,2}(?:st|nd|rd|th), \d{4} \d{1,2}:\d{2} [AP]M\.$/;

describe('codex 0.171 usage and limits, through the real binary', () => {
  let fx: ReturnType<typeof makeRepo>;
  let n = 0;
  const servers: ScriptedServer[] = [];
  before(() => {
    fx = makeRepo('gdnctl-codex-limits-');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    fx.dispose();
  });

  const input = (): AgentRunInput => ({
    iteration: ++n, prompt: 'Improve the target.\n', workdir: fx.repo, iterDir: join(fx.root, 'run', `iter-${String(n).padStart(3, '0')}`), timeoutMs: 60_000, idleTimeoutMs: 30_000,
  });

  async function agentFor(sessions: ScriptSession[]): Promise<{ agent: CodexAgent; server: ScriptedServer }> {
    const server = await startResponsesServer({ script: { sessions } });
    servers.push(server);
    const home = writeCodexHome({ baseUrl: server.url, requestMaxRetries: 0, streamMaxRetries: 0 }, fx.root);
    const agent = new CodexAgent({
      bin: CODEX_BIN, model: 'scripted', reasoningEffort: 'low', ephemeral: true, sandbox: 'bypass', search: false, showFileUpdates: false,
      runner: new ChildProcessRunner({ killGraceMs: 500 }),
      // codex prints the reset in its own local time: it runs in the same zone as this test.
      env: { PATH: process.env.PATH, HOME: fx.root, CODEX_HOME: home, ...(process.env.TZ ? { TZ: process.env.TZ } : {}) },
    });
    return { agent, server };
  }

  const turnFailed = (iterDir: string): string => {
    const events = readFileSync(join(iterDir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; error?: { message?: string } });
    const m = events.filter((e) => e.type === 'turn.failed').at(-1)?.error?.message;
    assert.ok(m, 'codex ended the turn with turn.failed');
    return m;
  };

  it('turn.completed carries input, cached input, cache writes, output and reasoning; all are read', { timeout: 90_000 }, async () => {
    const { agent } = await agentFor([{ turns: [{ message: 'done', usage: { input: 1000, cached: 400, output: 300, reasoning: 120 } }] }]);
    const r = await agent.run(input());
    assert.equal(r.ok, true, r.detail);
    assert.deepEqual(r.usage, { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 300, reasoningOutputTokens: 120, cacheWriteTokens: 0 });
  });

  for (const [what, aheadS, template] of [['later today', 40 * 60, SAME_DAY], ['another day', 3 * 86_400, OTHER_DAY]] as const) {
    it(`429 usage_limit_reached with resets_at ${what}: "Try again at …", parsed to the minute codex printed`, { timeout: 90_000 }, async () => {
      const resetsAt = Math.floor(Date.now() / 1000) + aheadS;
      const { agent } = await agentFor([{ turns: [{ error: { status: 429, message: 'limit', type: 'usage_limit_reached', resetsAt } }] }]);
      const i = input();
      const r = await agent.run(i);
      const message = turnFailed(i.iterDir);
      // codex prints a bare time only when the reset falls on its today (local time).
      const sameDay = new Date(resetsAt * 1000).toDateString() === new Date().toDateString();
      assert.match(message, sameDay ? SAME_DAY : template === SAME_DAY ? OTHER_DAY : template);
      assert.equal(r.failure, 'agent-usage-limit');
      // codex cuts the time down to the minute; the parse adds the minute back.
      const resetMs = resetsAt * 1000;
      assert.ok(r.limitResetAtMs !== undefined && r.limitResetAtMs > resetMs && r.limitResetAtMs <= resetMs + 60_000, `${message} → ${String(r.limitResetAtMs)} vs ${resetMs}`);
    });
  }

  it('resets_in_seconds and Retry-After do not reach the message: no reset time, handled as before', { timeout: 90_000 }, async () => {
    const a = await agentFor([{ turns: [{ error: { status: 429, message: 'limit', type: 'usage_limit_reached', resetsInSeconds: 1800 } }] }]);
    const i1 = input();
    const r1 = await a.agent.run(i1);
    assert.equal(turnFailed(i1.iterDir), 'You’ve hit your usage limit. Try again later.');
    assert.deepEqual([r1.failure, r1.limitResetAtMs], ['agent-usage-limit', undefined]);
    const b = await agentFor([{ turns: [{ error: { status: 429, message: 'slow down', retryAfterSeconds: 120 } }] }]);
    const i2 = input();
    const r2 = await b.agent.run(i2);
    assert.equal(turnFailed(i2.iterDir), 'exceeded retry limit, last status: 429 Too Many Requests');
    assert.deepEqual([r2.failure, r2.limitResetAtMs], ['agent-rate-limited', undefined]);
  });

  it('the agent phase waits out the limit on a shortened clock, then the same attempt succeeds', { timeout: 120_000 }, async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 45 * 60;
    const { agent, server } = await agentFor([
      { turns: [{ error: { status: 429, message: 'limit', type: 'usage_limit_reached', resetsAt } }] },
      { turns: [{ message: 'all done' }] },
    ]);
    let t = Date.now();
    const slept: number[] = [];
    const waits: Array<{ resumeAtMs: number }> = [];
    const pass = await runAgentPhase({
      agent, input: input(), retries: 0, transientRetries: 0, retrySleepMs: 0, maxBackoffMs: 0,
      clock: { now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)) },
      signal: new AbortController().signal,
      betweenAttempts: async () => undefined,
      note: () => undefined,
      onLimitWait: async (w) => void waits.push(w),
    });
    assert.equal(pass.result.ok, true, pass.result.detail);
    assert.equal(pass.result.lastMessage?.trim(), 'all done');
    assert.equal(pass.attempts, 2);
    assert.equal(waits.length, 1);
    const resetMs = resetsAt * 1000;
    assert.ok(waits[0]!.resumeAtMs > resetMs && waits[0]!.resumeAtMs <= resetMs + 2 * 60_000, 'resumes after the reset, with at most a minute of jitter');
    assert.ok(slept[0]! >= 44 * 60_000 && slept[0]! <= 47 * 60_000, `waited ${slept[0]} ms`);
    assert.equal(server.requests.filter((q) => q.method === 'POST').length, 2);
    assert.deepEqual(server.violations, []);
  });
});
