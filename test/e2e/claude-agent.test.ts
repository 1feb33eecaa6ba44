/**
 * The Claude backend (ClaudeAgent, `--agent claude`) with the REAL Claude Code CLI 2.1.197 against the scripted
 * Messages-API server: a commit lands and is traced to the scripted Bash call; usage and cost come from the
 * stream's result event; an API error is a classified failure; a silent model hits the idle timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClaudeAgent } from '../../src/adapters/agents/claude-agent.js';
import { isGroupAlive } from '../../src/adapters/process/process-group.js';
import { ExecaCommandRunner } from '../../src/adapters/process/execa-command-runner.js';
import type { AgentRunInput } from '../../src/ports.js';
import { startMessagesServer } from '../../scripts/model-server/messages-server.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { CLAUDE_BIN } from '../helpers/agent-cli.js';

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
    runner: new ExecaCommandRunner({ killGraceMs: 500 }),
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

  // --- a commit
  srv.appendSession({
    turns: [
      { exec: "sed -i 's/let count = 0;/let count = 0; \\/\\/ scripted/' src/pair-sums.mjs && git commit -qam 'pair-sums: mark' && git rev-parse HEAD" },
      { message: 'Committed.' },
    ],
  });
  const before = repo.git('rev-parse', 'HEAD');
  const shown: string[] = [];
  const i1 = input();
  const r = await agent.run({ ...i1, onDisplay: (l) => shown.push(l) });
  assert.equal(r.ok, true, `${r.failure} ${r.detail} exit=${r.exitCode} requests=${JSON.stringify(srv.requests.map((q) => q.reply))}`);
  const head = repo.git('rev-parse', 'HEAD');
  assert.notEqual(head, before);
  assert.equal(srv.calls[0]?.output?.trim(), head, 'HEAD is the SHA the scripted Bash call printed');
  const loop = srv.requests.filter((q) => q.session === 0);
  assert.equal(r.usage.inputTokens, loop.reduce((s, q) => s + (q.usage?.input ?? 0), 0));
  assert.equal(r.usage.outputTokens, loop.reduce((s, q) => s + (q.usage?.output ?? 0), 0));
  assert.equal(typeof r.costUsd, 'number');
  assert.equal(r.lastMessage, 'Committed.');
  assert.equal(readFileSync(join(i1.iterDir, 'last-message.md'), 'utf8'), 'Committed.');
  const transcript = readFileSync(join(i1.iterDir, 'transcript.jsonl'), 'utf8');
  assert.match(transcript, /"type":"system"/);
  assert.match(transcript, /"type":"result"/);
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
  const hung = await agent.run(input({ idleTimeoutMs: 4000, onSpawn: (p) => (pgid = p) }));
  assert.equal(hung.failure, 'agent-idle-timeout', `${hung.failure} ${hung.detail}`);
  assert.ok(pgid > 0 && !isGroupAlive(pgid), 'no claude process survived');
  assert.deepEqual(srv.violations, []);
  assert.ok(existsSync(join(repo.root, 'run', 'iter-003', 'transcript.jsonl')));
});
