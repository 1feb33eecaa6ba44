import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { runCli } from '../helpers/cli.js';

const BENCH = 'v=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';

test('codex-loop --bench: baseline, then promoted, kept-within-noise and a regression reverted by a commit', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [
    { steps: [commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] },
    { steps: [commitStep({ 'speed.txt': '80.0\n' }, 'Rename variables')] },
    { steps: [commitStep({ 'speed.txt': '95\n' }, 'Unroll the loop')] },
  ]);
  const args = ['--iterations', '3', ...FAST, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5', '--no-commit-policy', 'count-failure', '--max-failures', '-1', '--experiments-dir', 'experiments'];
  const r = await runLoopInProcess(repo, args, env);
  assert.ok(r.code === 0 || r.code === 1, `${r.code}\n${r.stderr}`);
  const run = runDirs(repo).at(-1)!;
  const outcomes = [1, 2, 3].map((i) => (readJson(join(run, `iter-00${i}`, 'record.json')) as { decision?: { outcome: string } }).decision?.outcome);
  assert.deepEqual(outcomes, ['promoted', 'kept-within-noise', 'regression']);
  assert.match(repo.git('log', '-1', '--format=%s'), /revert/i, 'the regression was reverted by a commit');
  assert.equal(readFileSync(join(repo.dir, 'speed.txt'), 'utf8').trim(), '80.0');
  assert.equal(repo.git('status', '--porcelain').trim(), '', 'ledger and experiments stay out of git status');

  const board = readFileSync(join(run, 'leaderboard.md'), 'utf8');
  assert.match(board, /\| baseline \| 100 \|/);
  assert.match(board, /iter-001-fuse-kernels \| 80 \|.*\(promoted\) \| ✅ kept \|/);
  assert.match(board, /iter-002-rename-variables \| 80 \|.*\(kept-within-noise\) \| ✅ kept \|/);
  assert.match(board, /iter-003-unroll-the-loop \| 95 \|.*\(regression\) \| ❌ reverted \|/);
  assert.match(readFileSync(join(run, 'iter-003', 'reflexion.md'), 'utf8'), /Decision: regression/);
  for (const f of ['baseline/result.txt', 'baseline/env-snapshot.txt', 'final-report.md', 'iter-001/result.txt', 'iter-001/bench.json', 'iter-002/summary.md']) assert.ok(existsSync(join(run, f)), f);
  // The next prompt carries the memory: leaderboard, champion numbers and the last reflexion.
  const prompt2 = readFileSync(join(run, 'iter-002', 'prompt.md'), 'utf8');
  assert.match(prompt2, /\| iter-001-fuse-kernels \| 80 \|/);
  assert.match(prompt2, /Champion [0-9a-f]{12} \(iter-001\): step_ms median 80 over 5 runs \(lower is better\); baseline 100 \(20\.00 % better\)/);
  assert.match(prompt2, /# Reflexion: iter-001/);
  const exp = join(repo.dir, 'experiments', `exp-001-${run.split('/').pop()}`);
  for (const f of ['experiment-plan.md', 'leaderboard.md', 'baseline/result.txt', 'iterations/iter-001-fuse-kernels/result.txt']) assert.ok(existsSync(join(exp, f)), f);

  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /"iteration":3,"y":95,"outcome":"regression","kind":"reverted"/, 'the loop keeps report.html current');
  const rep = await runCli(['report'], repo.dir, repo.env);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /3 iterations, 1 promoted, 1 kept within noise, 1 reverted/);
  assert.ok(existsSync(join(run, 'report.html')));
});
