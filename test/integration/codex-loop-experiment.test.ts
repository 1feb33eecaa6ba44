/**
 * An experiment outlives a run (docs/codex-loop.md "Experiments and runs"), through the CLI with the fake codex:
 * a run stopped by --max-failures, then the same command again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, logDir, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { runCli } from '../helpers/cli.js';

const BENCH = 'v=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';
const ARGS = [
  '--iterations', '4', ...FAST, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5',
  '--no-commit-policy', 'count-failure', '--max-failures', '0', '--experiments-dir', 'experiments',
];

test('a run stopped by --max-failures, rerun: a new run continues the numbering with the champion, leaderboard and baseline of the first', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  // Iteration 1 is promoted; iteration 2 makes no commit, a counted failure over --max-failures 0.
  const first = await runLoopInProcess(repo, ARGS, loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] }, { steps: [] }]));
  assert.equal(first.code, 3, first.stderr);
  const [run1] = runDirs(repo);
  assert.equal(readJson(join(run1!, 'state.json')).status, 'stopped');
  const champion1 = readJson<{ sha: string; median: number }>(join(run1!, 'champion.json'));

  const second = await runLoopInProcess(repo, ARGS, loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '70\n' }, 'Retile')] }, { steps: [commitStep({ 'speed.txt': '60\n' }, 'Unroll')] }]));
  assert.equal(second.code, 0, second.stderr);
  const dirs = runDirs(repo);
  assert.equal(dirs.length, 2, 'a new run');
  const run2 = dirs[1]!;
  const run = readJson(join(run2, 'run.json'));
  assert.equal(run.experiment, readJson(join(run1!, 'run.json')).experiment);
  assert.equal(run.firstIteration, 3);
  assert.deepEqual(readdirSync(run2).filter((n) => n.startsWith('iter-')).sort(), ['iter-003', 'iter-004'], 'numbering continues at 3');
  assert.match(second.stderr, new RegExp(`reusing run ${basename(run1!)}'s baseline and champion \\(same environment\\)`));
  assert.doesNotMatch(second.stderr, /baseline run 1\/3/, 'the baseline was not measured again');

  // The first prompt of the new run sees the first run's champion, leaderboard and last reflexion.
  const prompt3 = readFileSync(join(run2, 'iter-003', 'prompt.md'), 'utf8');
  assert.match(prompt3, /\| iter-001-fuse-kernels \| 80 \|/);
  assert.match(prompt3, new RegExp(`Champion ${champion1.sha.slice(0, 12)} \\(iter-001\\): step_ms median 80`));
  assert.match(prompt3, /# Reflexion: iter-002/);
  assert.equal((readJson(join(run2, 'iter-003', 'bench.json')) as { championSha: string }).championSha, champion1.sha, 'iteration 3 was measured against the first run\'s champion');
  const board = readFileSync(join(run2, 'leaderboard.md'), 'utf8');
  for (const row of [/iter-001-fuse-kernels \| 80 \|/, /iter-003-retile \| 70 \|/, /iter-004-unroll \| 60 \|/]) assert.match(board, row);
  assert.match(second.stdout, /^1\s+promoted[\s\S]*^4\s+promoted/m, 'the final table spans the experiment');
  // --experiments-dir mirrors the experiment: one folder for both runs.
  const exps = readdirSync(join(repo.dir, 'experiments')).filter((n) => n.startsWith('exp-'));
  assert.equal(exps.length, 1);
  assert.ok(existsSync(join(repo.dir, 'experiments', exps[0]!, 'iterations', 'iter-003-retile')));

  const status = await runCli(['status'], repo.dir, repo.env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, new RegExp(`experiment ${String(run.experiment)}: 2 run\\(s\\), 4 of 4 iteration\\(s\\) finished`));
  assert.match(status.stdout, new RegExp(`run ${basename(run1!)}: stopped, iterations 1–2\\n`));
  assert.match(status.stdout, new RegExp(`run ${basename(run2)}: done, iterations 3–4 \\(this run\\)`));
  assert.match(status.stdout, /leaderboard: 4 iteration\(s\), 3 promoted/);
  const report = await runCli(['report'], repo.dir, repo.env);
  assert.match(report.stdout, /4 iterations, 3 promoted/);
  assert.match(report.stdout, new RegExp(`experiment ${String(run.experiment)}: run ${basename(run1!)} \\(stopped, iterations 1–2\\), run ${basename(run2)} \\(done, iterations 3–4\\)`));

  const record = readJson<{ iterations: number; runs: Array<{ runId: string; status: string }> }>(join(logDir(repo), 'experiments', String(run.experiment), 'experiment.json'));
  assert.deepEqual(record.runs.map((r) => [r.runId, r.status]), [[basename(run1!), 'stopped'], [basename(run2), 'done']]);

  // Finished: the same command again starts nothing.
  const again = await runLoopInProcess(repo, ARGS, loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '50\n' })] }]));
  assert.equal(again.code, 0, again.stderr);
  assert.equal(runDirs(repo).length, 2);
  assert.match(again.stderr, /^gdnctl: experiment \S+ has finished 4 of 4 iteration\(s\) \(run \S+, done\); raise --iterations or pass --new-experiment\n$/m);
  assert.equal(again.stdout, '');
  const fresh = await runLoopInProcess(repo, [...ARGS, '--iterations', '1', '--new-experiment'], loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '50\n' }, 'Start over')] }]));
  assert.equal(fresh.code, 0, fresh.stderr);
  const run3 = runDirs(repo)[2]!;
  assert.deepEqual(readdirSync(run3).filter((n) => n.startsWith('iter-')), ['iter-001']);
  assert.equal(readJson(join(run3, 'run.json')).experiment, `${String(run.experiment)}-2`);
});
