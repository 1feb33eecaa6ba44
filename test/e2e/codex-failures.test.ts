/**
 * Pins the table of the pinned codex's failure messages (src/adapters/agents/codex-failures.ts): each entry
 * is played through the REAL codex binary (node_modules/.bin/codex, 0.169.0) by CodexAgent against the
 * scripted Responses server answering with an HTTP error, a dropped stream or an in-band failure. The test
 * checks the message codex printed matches that entry (so a reworded message fails here) and the failure class
 * that results. codex's own retries are off (CODEX_HOME config) so each case answers in about a second; one
 * case keeps them on, through the adapter's own --model-server home, and must end in the same message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CodexAgent } from '../../src/adapters/agents/codex-agent.js';
import { CODEX_FAILURE_MESSAGES, codexFailureRule } from '../../src/adapters/agents/codex-failures.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import type { AgentFailure, AgentRunInput } from '../../src/ports/agent.js';
import { writeCodexHome } from '../../scripts/model-server/codex-home.js';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import type { ScriptTurn } from '../../scripts/model-server/script.js';
import type { ScriptedServer } from '../../scripts/model-server/scripted-http.js';
import { CODEX_BIN } from '../helpers/agent-cli.js';
import { makeRepo } from '../helpers/git-repo.js';

interface TableCase {
  rule: string;
  turn: ScriptTurn;
  want: AgentFailure;
}

const CASES: TableCase[] = [
  { rule: 'retry-limit', turn: { error: { status: 429, message: 'slow down' } }, want: 'agent-rate-limited' },
  { rule: 'rate-limit-in-stream', turn: { failed: { code: 'rate_limit_exceeded', message: 'Rate limit reached for scripted. Please try again in 1.5s.' } }, want: 'agent-rate-limited' },
  { rule: 'high-demand', turn: { error: { status: 500, message: 'internal' } }, want: 'agent-server-error' },
  { rule: 'model-at-capacity', turn: { failed: { code: 'server_is_overloaded', message: 'overloaded' } }, want: 'agent-server-error' },
  { rule: 'stream-disconnected', turn: { disconnect: true }, want: 'agent-network' },
  { rule: 'stream-disconnected', turn: { failed: { code: 'server_error', message: 'An error occurred while processing your request.' } }, want: 'agent-network' },
  { rule: 'unexpected-status', turn: { error: { status: 502, message: 'bad gateway' } }, want: 'agent-server-error' },
  { rule: 'unexpected-status', turn: { error: { status: 503, message: 'down for maintenance' } }, want: 'agent-server-error' },
  { rule: 'unexpected-status', turn: { error: { status: 504, message: 'upstream timeout' } }, want: 'agent-server-error' },
  { rule: 'unexpected-status', turn: { error: { status: 408, message: 'request timeout' } }, want: 'agent-network' },
  { rule: 'unexpected-status', turn: { error: { status: 401, message: 'invalid api key' } }, want: 'agent-auth' },
  { rule: 'unexpected-status', turn: { error: { status: 403, message: 'forbidden' } }, want: 'agent-auth' },
  { rule: 'unexpected-status', turn: { error: { status: 404, message: 'no such route' } }, want: 'agent-exit-nonzero' },
  { rule: 'quota-exceeded', turn: { error: { status: 429, message: 'You exceeded your current quota', code: 'insufficient_quota' } }, want: 'agent-usage-limit' },
  { rule: 'usage-limit', turn: { error: { status: 429, message: 'limit', type: 'usage_limit_reached' } }, want: 'agent-usage-limit' },
  { rule: 'usage-not-included', turn: { error: { status: 429, message: 'not in plan', type: 'usage_not_included' } }, want: 'agent-usage-limit' },
  { rule: 'context-window', turn: { error: { status: 400, message: 'too long', code: 'context_length_exceeded' } }, want: 'agent-exit-nonzero' },
  { rule: 'invalid-request-body', turn: { error: { status: 400, message: 'model not supported' } }, want: 'agent-exit-nonzero' },
];

describe("the pinned codex's failure messages, through the real binary", () => {
  let fx: ReturnType<typeof makeRepo>;
  let n = 0;
  const servers: ScriptedServer[] = [];
  before(() => {
    fx = makeRepo('gdnctl-codex-failures-');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    fx.dispose();
  });

  const input = (): AgentRunInput => ({
    iteration: ++n,
    prompt: 'Improve the target.\n',
    workdir: fx.repo,
    iterDir: join(fx.root, 'run', `iter-${String(n).padStart(3, '0')}`),
    timeoutMs: 60_000,
    idleTimeoutMs: 30_000,
  });

  /** A server that answers every request with `turn` (codex's own retries, when on, see the same answer). */
  async function serve(turn: ScriptTurn, sessions = 1): Promise<ScriptedServer> {
    const s = await startResponsesServer({ script: { sessions: Array.from({ length: sessions }, () => ({ turns: [turn] })) } });
    servers.push(s);
    return s;
  }

  function agent(env: NodeJS.ProcessEnv, modelServer?: string): CodexAgent {
    return new CodexAgent({
      bin: CODEX_BIN,
      model: 'scripted',
      reasoningEffort: 'low',
      ephemeral: true,
      sandbox: 'bypass',
      search: false,
      showFileUpdates: false,
      ...(modelServer ? { modelServer } : {}),
      runner: new ChildProcessRunner({ killGraceMs: 500 }),
      env: { PATH: process.env.PATH, HOME: fx.root, ...env },
    });
  }

  /** The message codex ended the turn with, from the transcript. */
  function turnFailedMessage(iterDir: string): string {
    const events = readFileSync(join(iterDir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; error?: { message?: string } });
    const failed = events.filter((e) => e.type === 'turn.failed').at(-1);
    assert.ok(failed?.error?.message, `no turn.failed event in ${iterDir}`);
    return failed.error.message;
  }

  it('every table entry has a case here', () => {
    for (const r of CODEX_FAILURE_MESSAGES) assert.ok(CASES.some((c) => c.rule === r.id), `no scripted case for ${r.id}`);
  });

  for (const c of CASES) {
    it(`${c.rule}: ${JSON.stringify(c.turn)} → ${c.want}`, { timeout: 90_000 }, async () => {
      const server = await serve(c.turn);
      const home = writeCodexHome({ baseUrl: server.url, requestMaxRetries: 0, streamMaxRetries: 0 }, fx.root);
      const i = input();
      const r = await agent({ CODEX_HOME: home }).run(i);
      const message = turnFailedMessage(i.iterDir);
      assert.equal(codexFailureRule(message)?.id, c.rule, `codex said: ${message}`);
      assert.equal(r.failure, c.want, r.detail);
      assert.deepEqual(server.violations, []);
    });
  }

  it("with codex's own retries on (the adapter's --model-server home), a 503 still ends in the table's message", { timeout: 120_000 }, async () => {
    const server = await serve({ error: { status: 503, message: 'down' } }, 60);
    const i = input();
    const r = await agent({}, server.url).run(i);
    assert.equal(codexFailureRule(turnFailedMessage(i.iterDir))?.id, 'unexpected-status');
    assert.equal(r.failure, 'agent-server-error', r.detail);
    const posts = server.requests.filter((q) => q.method === 'POST').length;
    assert.ok(posts > 1 && posts < 60, `codex retried on its own first (${posts} requests)`);
  });

  it('a message the table does not know is retried once, then deterministic when it repeats', { timeout: 90_000 }, async () => {
    // codex passes an in-band invalid_prompt failure's own text through: nothing in the table.
    const server = await serve({ failed: { code: 'invalid_prompt', message: 'the shard said: bad shape (512, 128)' } }, 2);
    const home = writeCodexHome({ baseUrl: server.url, requestMaxRetries: 0, streamMaxRetries: 0 }, fx.root);
    const a = agent({ CODEX_HOME: home });
    const first = input();
    const r1 = await a.run(first);
    assert.equal(codexFailureRule(turnFailedMessage(first.iterDir)), undefined);
    assert.equal(r1.failure, 'agent-server-error', r1.detail);
    const r2 = await a.run(input());
    assert.equal(r2.failure, 'agent-exit-nonzero', r2.detail);
  });
});
