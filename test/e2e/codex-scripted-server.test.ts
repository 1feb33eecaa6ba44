/**
 * The real Codex CLI against the scripted Responses-API server, without gdnctl in between: proves the server
 * speaks the protocol codex 0.169 and 0.171 expect, and that the demo script does real work in a real repo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { loadModelScript, parseModelScript } from '../../scripts/model-server/script.js';
import { writeCodexHome } from '../../scripts/model-server/codex-home.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { execOutput, runCodexExec, type AgentEvent } from '../helpers/agent-cli.js';

const DEMO_SCRIPT = fileURLToPath(new URL('../../scripts/model-server/demo-script.yaml', import.meta.url));

interface Usage {
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
}

function items(events: AgentEvent[], type: string): Array<Record<string, unknown>> {
  return events
    .filter((e) => e.type === 'item.completed')
    .map((e) => e.item as Record<string, unknown>)
    .filter((i) => i.type === type);
}

test('codex runs the demo script: commit, within-noise commit, breaking commit; every change came from a scripted call', async (t) => {
  const script = loadModelScript(DEMO_SCRIPT);
  const srv = await startResponsesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-codex-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const codexHome = writeCodexHome({ baseUrl: srv.url, model: 'scripted-demo' }, repo.root);

  const heads = [repo.git('rev-parse', 'HEAD')];
  for (let session = 0; session < 3; session++) {
    const last = join(repo.root, `last-${session}.txt`);
    const run = await runCodexExec({ repo: repo.dir, codexHome, env: repo.env, prompt: 'optimize pair-sums', lastMessageFile: last });
    const why = `session ${session}: rc=${run.exitCode} stderr=${run.stderr.slice(-800)}`;
    assert.equal(run.exitCode, 0, why);
    assert.deepEqual(srv.violations, [], why);

    const types = run.events.map((e) => e.type);
    assert.equal(types[0], 'thread.started', why);
    assert.ok(types.includes('turn.started'), why);
    assert.equal(types.at(-1), 'turn.completed', why);
    const commands = items(run.events, 'command_execution');
    const sessionCalls = srv.calls.filter((c) => c.session === session);
    assert.equal(commands.length, sessionCalls.length, 'one command_execution per scripted call');
    for (const c of commands) assert.equal(c.exit_code, 0, `${String(c.command)} failed: ${String(c.aggregated_output)}`);

    // codex sums the usage of every response in the turn; the server answered each request with its own.
    const turnUsage = run.events.at(-1)?.usage as Usage;
    const answered = srv.requests.filter((r) => r.session === session);
    const sum = (k: 'input' | 'output' | 'cached'): number => answered.reduce((n, r) => n + (r.usage?.[k] ?? 0), 0);
    assert.equal(turnUsage.input_tokens, sum('input'));
    assert.equal(turnUsage.output_tokens, sum('output'));
    assert.ok(turnUsage.input_tokens > 1000, 'codex sends its whole context each request');

    const finalTurn = script.sessions[session]!.turns.at(-1)!;
    assert.ok('message' in finalTurn);
    assert.equal(run.lastMessage?.trim(), finalTurn.message.trim());
    assert.equal((items(run.events, 'agent_message').at(-1)?.text as string).trim(), finalTurn.message.trim());

    // The commit landed, and it is the SHA the scripted commit call printed back to the server.
    const head = repo.git('rev-parse', 'HEAD');
    const commitCall = sessionCalls.find((c) => c.cmd.includes('git commit'));
    assert.ok(commitCall?.output, 'the commit call was answered');
    assert.equal(execOutput(commitCall.output).exitCode, 0);
    assert.equal(execOutput(commitCall.output).text.trim(), head);
    assert.equal(repo.git('rev-list', '--count', `${heads.at(-1)}..${head}`), '1');
    assert.equal(repo.git('status', '--porcelain'), '', 'nothing left uncommitted');
    heads.push(head);
  }

  assert.ok(srv.calls.every((c) => c.output !== undefined && !c.abandoned), 'every call got a function_call_output');
  assert.match(repo.git('show', `${heads[1]}:src/pair-sums.mjs`), /new Map\(\)/);
  assert.match(repo.git('show', `${heads[2]}:src/pair-sums.mjs`), /const need = target - v;\n    count \+= seen\.get\(need\) \|\| 0;/);
  assert.match(repo.git('show', `${heads[3]}:src/pair-sums.mjs`), /new Set\(\)/);
  assert.match(execOutput(srv.calls[0]!.output!).text, /^GDNCTL_METRIC \{"ops_per_s":\d/m, 'the bench ran in the repo');
  // The story the demo tells: iterations 1 and 2 pass the example's test, iteration 3 breaks it.
  const exampleTest = (): number =>
    spawnSync(process.execPath, ['--test', 'test/pair-sums.test.mjs'], { cwd: repo.dir, env: repo.env }).status ?? -1;
  assert.equal(exampleTest(), 1, 'the Set version fails the correctness test');
  repo.git('checkout', heads[2]!, '--', 'src');
  assert.equal(exampleTest(), 0, 'the iteration-2 version passes it');
  assert.match(repo.git('show', `${heads[3]}:notes/hillclimb.md`), /### Iteration 3 - Set instead of Map/);
  assert.equal(repo.git('log', '--format=%s', '-1'), 'pair-sums: Set instead of Map');
});

test('an error turn fails codex with the scripted message; a stall turn ends in codex\'s stream idle timeout', async (t) => {
  const srv = await startResponsesServer({
    script: parseModelScript(`
sessions:
  - turns: [{ error: { status: 400, message: "scripted refusal" } }]
  - turns: [{ stall: true }]
`),
  });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-codex-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const codexHome = writeCodexHome({ baseUrl: srv.url, streamIdleTimeoutMs: 1500 }, repo.root);
  const run = (n: number) =>
    runCodexExec({ repo: repo.dir, codexHome, env: repo.env, prompt: 'go', lastMessageFile: join(repo.root, `l${n}.txt`) });

  const failed = await run(1);
  assert.equal(failed.exitCode, 1);
  const turnFailed = failed.events.find((e) => e.type === 'turn.failed');
  assert.match(JSON.stringify(turnFailed), /scripted refusal/);

  const stalled = await run(2);
  assert.equal(stalled.exitCode, 1);
  assert.match(JSON.stringify(stalled.events.find((e) => e.type === 'turn.failed')), /idle timeout/);
  assert.deepEqual(srv.requests.map((r) => r.reply.kind), ['error', 'stall']);
});
