/**
 * The real Claude Code CLI (`claude -p`, 2.1.197) against the scripted Messages-API server: the same demo script
 * codex plays, sent as Bash tool_use blocks. Skips, saying why, only when the binary cannot start at all here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMessagesServer } from '../../scripts/model-server/messages-server.js';
import { loadModelScript, type ModelScript } from '../../scripts/model-server/script.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { CLAUDE_BIN, runClaudePrint } from '../helpers/agent-cli.js';

const DEMO_SCRIPT = fileURLToPath(new URL('../../scripts/model-server/demo-script.yaml', import.meta.url));

function claudeUnavailable(): string | undefined {
  const r = spawnSync(CLAUDE_BIN, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0 && /Claude Code/.test(r.stdout)) return undefined;
  return `claude --version failed here (status ${r.status}, error ${r.error?.message ?? 'none'}): ${(r.stderr || r.stdout).slice(0, 400)}`;
}

const skipReason = claudeUnavailable();
if (skipReason) process.stderr.write(`\n*** SKIPPING Claude Code e2e: ${skipReason}\n\n`);

test('claude -p runs the scripted improvement: Bash tool calls commit in the repo; result event carries usage and cost', { skip: skipReason }, async (t) => {
  const demo = loadModelScript(DEMO_SCRIPT);
  const script: ModelScript = { model: 'claude-scripted', sessions: [demo.sessions[0]!, { turns: [{ error: { status: 400, message: 'scripted refusal' } }] }] };
  const srv = await startMessagesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-claude-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const before = repo.git('rev-parse', 'HEAD');

  const run = await runClaudePrint({ repo: repo.dir, baseUrl: srv.url, env: repo.env, prompt: 'optimize pair-sums' });
  const why = `rc=${run.exitCode} stderr=${run.stderr.slice(-600)} stdout=${run.stdout.slice(-600)}`;
  assert.equal(run.exitCode, 0, why);
  assert.deepEqual(srv.violations, []);

  assert.equal(run.events[0]?.type, 'system');
  const result = run.events.find((e) => e.type === 'result') as Record<string, unknown> | undefined;
  assert.equal(result?.subtype, 'success', why);
  const finalTurn = script.sessions[0]!.turns.at(-1)!;
  assert.ok('message' in finalTurn);
  assert.equal(run.lastMessage?.trim(), finalTurn.message.trim());

  // Claude Code's result.usage adds up the agent loop's responses (side requests such as the title are not in it).
  const usage = result?.usage as { input_tokens: number; output_tokens: number };
  const loopRequests = srv.requests.filter((r) => r.session === 0);
  assert.equal(usage.input_tokens, loopRequests.reduce((n, r) => n + (r.usage?.input ?? 0), 0));
  assert.equal(usage.output_tokens, loopRequests.reduce((n, r) => n + (r.usage?.output ?? 0), 0));
  assert.equal(typeof result?.total_cost_usd, 'number');

  const toolUses = run.events
    .filter((e) => e.type === 'assistant')
    .flatMap((e) => ((e.message as { content: Array<Record<string, unknown>> }).content ?? []).filter((b) => b.type === 'tool_use'));
  assert.deepEqual(
    toolUses.map((b) => (b.input as { command: string }).command),
    srv.calls.map((c) => c.cmd),
    'the stream shows exactly the scripted Bash calls',
  );
  assert.ok(srv.calls.every((c) => c.output !== undefined), 'every Bash call was answered with a tool_result');

  const head = repo.git('rev-parse', 'HEAD');
  assert.equal(repo.git('rev-list', '--count', `${before}..${head}`), '1');
  const commitCall = srv.calls.find((c) => c.cmd.includes('git commit'));
  assert.equal(commitCall?.output?.trim(), head, 'the SHA the commit call printed is HEAD');
  assert.match(repo.git('show', 'HEAD:src/pair-sums.mjs'), /new Map\(\)/);

  // A scripted 400 fails the next run: is_error in the result event, non-zero exit.
  const failed = await runClaudePrint({ repo: repo.dir, baseUrl: srv.url, env: repo.env, prompt: 'again' });
  assert.notEqual(failed.exitCode, 0);
  const failedResult = failed.events.find((e) => e.type === 'result');
  assert.equal(failedResult?.is_error, true, failed.stdout.slice(-800));
  assert.match(JSON.stringify(failedResult), /scripted refusal/);
});
