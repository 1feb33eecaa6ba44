/**
 * The Claude backend (ClaudeAgent, `--agent claude`) running the REAL Claude Code CLI 2.1.197
 * (`claude -p --output-format stream-json --verbose`, prompt on stdin) against the scripted Messages-API server:
 * the demo's improvement session lands its commit, traced to the scripted Bash calls; usage and cost come from the
 * stream's result event; an API error is a classified failure; a silent model hits the idle timeout.
 * Skips (saying why, with the evidence) only when the binary cannot start here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClaudeAgent } from '../../src/adapters/agents/claude-agent.js';
import { isGroupAlive } from '../../src/adapters/process/process-group.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import { startMessagesServer } from '../../scripts/model-server/messages-server.js';
import { loadModelScript } from '../../scripts/model-server/script.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { CLAUDE_BIN } from '../helpers/agent-cli.js';

const demo = loadModelScript(fileURLToPath(new URL('../../scripts/model-server/demo-script.yaml', import.meta.url)));
const version = spawnSync(CLAUDE_BIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
const skip = version.status === 0 ? undefined : `claude --version failed here: status ${version.status} ${version.error?.message ?? ''} ${version.stderr}`;
if (skip) process.stderr.write(`\n*** SKIPPING ClaudeAgent e2e: ${skip}\n\n`);

test('ClaudeAgent + real claude: commit, API error, idle timeout', { skip, timeout: 180_000 }, async (t) => {
  const srv = await startMessagesServer({ script: { sessions: [] } });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-claude-agent-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const agent = new ClaudeAgent({
    bin: CLAUDE_BIN,
    model: 'claude-scripted',
    permissionMode: 'bypassPermissions',
    showFileUpdates: false,
    runner: new ChildProcessRunner({ killGraceMs: 500 }),
    // Claude Code refuses bypassPermissions as root unless IS_SANDBOX=1; this is a throw-away repo.
    env: {
      ...repo.env,
      ANTHROPIC_BASE_URL: srv.url,
      ANTHROPIC_API_KEY: 'dummy',
      IS_SANDBOX: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  });
  let n = 0;
  const input = (over: Partial<AgentRunInput> = {}): AgentRunInput => ({
    iteration: ++n,
    prompt: 'Make countPairsWithSum faster.\n',
    workdir: repo.dir,
    iterDir: join(repo.root, 'run', `iter-00${n}`),
    timeoutMs: 90_000,
    idleTimeoutMs: 60_000,
    ...over,
  });

  // --- the demo's first session: the O(n) rewrite, test, log entry, commit
  const improve = demo.sessions[0]!;
  const finalMessage = (improve.turns.at(-1) as { message: string }).message;
  srv.appendSession(improve);
  const before = repo.git('rev-parse', 'HEAD');
  const shown: string[] = [];
  const i1 = input();
  const r = await agent.run({ ...i1, onDisplay: (l) => shown.push(l) });
  assert.equal(r.ok, true, `${r.failure} ${r.detail} exit=${r.exitCode} requests=${JSON.stringify(srv.requests.map((q) => q.reply))}`);
  const head = repo.git('rev-parse', 'HEAD');
  assert.notEqual(head, before);
  const commitCall = srv.calls.find((c) => c.cmd.includes('git commit'));
  assert.equal(commitCall?.output?.trim(), head, 'HEAD is the SHA the scripted Bash call printed');
  assert.equal(repo.git('rev-list', '--count', `${before}..${head}`), '1');
  assert.match(repo.git('show', 'HEAD:src/pair-sums.mjs'), /new Map\(\)/);
  assert.ok(srv.calls.every((c) => c.output !== undefined), 'every Bash call was answered with a tool_result');
  const loop = srv.requests.filter((q) => q.session === 0);
  assert.equal(r.usage.inputTokens, loop.reduce((s, q) => s + (q.usage?.input ?? 0), 0));
  assert.equal(r.usage.outputTokens, loop.reduce((s, q) => s + (q.usage?.output ?? 0), 0));
  assert.equal(typeof r.costUsd, 'number');
  assert.equal(r.lastMessage?.trim(), finalMessage.trim());
  assert.equal(readFileSync(join(i1.iterDir, 'last-message.md'), 'utf8').trim(), finalMessage.trim());
  const events = readFileSync(join(i1.iterDir, 'transcript.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { type: string; message?: { content?: Array<{ type: string; input?: { command?: string } }> } });
  assert.equal(events[0]?.type, 'system');
  assert.equal(events.at(-1)?.type, 'result');
  const toolUses = events.filter((e) => e.type === 'assistant').flatMap((e) => (e.message?.content ?? []).filter((b) => b.type === 'tool_use'));
  assert.deepEqual(toolUses.map((b) => b.input?.command), srv.calls.map((c) => c.cmd), 'the stream shows exactly the scripted Bash calls');
  assert.ok(shown.length > 0, 'the display saw the run');

  // --- an API error
  srv.appendSession({ turns: [{ error: { status: 400, message: 'scripted refusal' } }] });
  const failed = await agent.run(input());
  assert.equal(failed.ok, false);
  assert.ok(failed.failure && failed.failure !== 'agent-idle-timeout', String(failed.failure));
  assert.equal(repo.git('rev-parse', 'HEAD'), head);

  // --- a silent model: the idle timeout ends claude's whole process group
  srv.appendSession({ turns: [{ stall: true }] });
  let pgid = 0;
  const hung = await agent.run(input({ idleTimeoutMs: 2500, onSpawn: (p) => (pgid = p) }));
  assert.equal(hung.failure, 'agent-idle-timeout', `${hung.failure} ${hung.detail}`);
  assert.ok(pgid > 0 && !isGroupAlive(pgid), 'no claude process survived');
  assert.deepEqual(srv.violations, []);
  assert.ok(existsSync(join(repo.root, 'run', 'iter-003', 'transcript.jsonl')));
});
