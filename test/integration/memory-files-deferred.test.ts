/**
 * The memory files the loop writes while the next agent runs (issue 14) are all there when the run ends: the
 * last iteration's are written at exit, and ledger.jsonl holds one row per iteration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';

test('after the last agent the held-back files are written: leaderboard, ledger.json, the last summary and reflexion, the reports', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [{ steps: [commitStep({ 'b.txt': 'b1\n' }, 'first change')] }, { steps: [commitStep({ 'b.txt': 'b2\n' }, 'second change')] }]);
  const r = await runLoopInProcess(repo, ['--iterations', '2', ...FAST], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const rows = readJson<{ rows: Array<{ iteration: number }> }>(join(run, 'ledger.json')).rows;
  assert.deepEqual(rows.map((x) => x.iteration), [1, 2]);
  const log = readFileSync(join(run, 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { iteration: number }).iteration);
  assert.deepEqual(log, [1, 2]);
  assert.match(readFileSync(join(run, 'leaderboard.md'), 'utf8'), /second change/);
  for (const f of ['iter-002/summary.md', 'iter-002/reflexion.md', 'final-report.md', 'report.html']) assert.ok(existsSync(join(run, f)), f);
  // Iteration 2's prompt had iteration 1's leaderboard, served from memory before its file was written.
  assert.match(readFileSync(join(run, 'iter-002', 'prompt.md'), 'utf8'), /first change/);
});
