/**
 * Run budgets through the CLI with the fake codex (1350 tokens an iteration): the run stops with exit 1 and the
 * budget's stop reason in state.json, run.json and events.jsonl; the same command with the cap raised goes on
 * as the same run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';

const commits = (k: number) => ({ steps: [commitStep({ [`f${k}.txt`]: `${k}\n` }, `change ${k}`)] });

test('--max-tokens stops the run before the iteration that could pass it (exit 1, budget-tokens); raised, the same run goes on', async (t) => {
  const repo = await TempRepo.create({ files: { 'README.md': '# target\n' } });
  t.after(() => repo.dispose());
  // 1350 an iteration: before iteration 3, 2700 spent + 1350 committed > 3000.
  const first = await runLoopInProcess(repo, ['--iterations', '4', ...FAST, '--max-tokens', '3000'], loopEnv(repo, [commits(1), commits(2)]));
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /before iteration 3: budget-tokens \(--max-tokens 3000: 2700 spent and the largest iteration so far took 1350/);
  const [run] = runDirs(repo);
  const state = readJson(join(run!, 'state.json'));
  assert.deepEqual([state.status, state.stopReason], ['stopped', 'budget-tokens']);
  assert.equal(readJson(join(run!, 'run.json')).stopReason, 'budget-tokens');
  assert.equal(events(run!).find((e) => e.type === 'run-stopped')?.reason, 'budget-tokens');

  const second = await runLoopInProcess(repo, ['--iterations', '4', ...FAST, '--max-tokens', '100000'], loopEnv(repo, [commits(3), commits(4)]));
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(runDirs(repo), [run], 'the same run went on');
  const after = readJson<{ status: string; stopReason?: string; completed: Array<{ iteration: number }> }>(join(run!, 'state.json'));
  assert.equal(after.status, 'done');
  assert.equal(after.stopReason, undefined);
  assert.deepEqual(after.completed.map((c) => c.iteration), [1, 2, 3, 4]);
  assert.match(second.stderr, /resuming run/);
});
