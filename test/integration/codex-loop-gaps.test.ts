import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { runCli } from '../helpers/cli.js';
import { commitStep, events, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';

const BENCH = 'v=$(cat src/speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';

test('codex-loop --plan-first --scope-glob --target: read-only planner, out-of-scope commit reverted, 🎯 stops the run (exit 0)', async (t) => {
  const repo = await TempRepo.create({ files: { 'src/speed.txt': '100\n', 'bench.sh': BENCH, 'docs/notes.md': 'n\n' } });
  t.after(() => repo.dispose());
  const codexLog = repo.scratch('codex-log.jsonl');
  const plan = (text: string) => ({ steps: [{ do: 'message', text }] });
  const env = loopEnv(
    repo,
    [
      plan('Plan A: make it faster and touch the docs'),
      { steps: [commitStep({ 'src/speed.txt': '90\n', 'docs/notes.md': 'rewritten\n' }, 'Speed up and edit docs')] },
      plan('Plan B: fuse the kernels in src/'),
      { steps: [commitStep({ 'src/speed.txt': '80\n' }, 'Fuse kernels')] },
      plan('never used'),
    ],
    { FAKE_CODEX_LOG: codexLog },
  );
  const args = ['--iterations', '3', ...FAST, '--plan-first', '--scope-glob', 'src/**', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--target', '85', '--baseline-runs', '3', '--max-bench-runs', '5', '--max-failures', '-1'];
  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;

  // Two passes per iteration, the planner read-only; the third iteration never ran.
  const calls = readFileSync(codexLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { argv: string[]; prompt: string });
  assert.equal(calls.length, 4);
  for (const k of [0, 2]) {
    assert.ok(/(-s|--sandbox) read-only/.test(calls[k]!.argv.join(' ')), calls[k]!.argv.join(' '));
    assert.ok(!calls[k]!.argv.includes('--dangerously-bypass-approvals-and-sandbox'));
  }
  assert.ok(calls[1]!.argv.includes('--dangerously-bypass-approvals-and-sandbox'));
  assert.match(calls[3]!.prompt, /Plan B: fuse the kernels in src\//);
  assert.match(readFileSync(join(run, 'iter-002', 'plan.md'), 'utf8'), /^# Plan from the read-only planning pass \(iter-002\)\n\nPlan B/);

  const rec1 = readJson<{ status: string; reason: string; revertSha?: string }>(join(run, 'iter-001', 'record.json'));
  assert.equal(rec1.status, 'reverted-outside-scope');
  assert.equal(rec1.reason, 'outside-scope');
  assert.ok(rec1.revertSha);
  assert.equal(readFileSync(join(repo.dir, 'docs', 'notes.md'), 'utf8'), 'n\n');
  const rec2 = readJson<{ status: string; decision: { targetReached: boolean } }>(join(run, 'iter-002', 'record.json'));
  assert.equal(rec2.status, 'promoted');
  assert.equal(rec2.decision.targetReached, true);
  assert.equal(existsSync(join(run, 'iter-003')), false);

  const state = readJson<{ status: string; stopReason: string }>(join(run, 'state.json'));
  assert.deepEqual([state.status, state.stopReason], ['done', 'target-reached']);
  assert.ok(events(run).some((e) => e.type === 'target-reached' && e.iteration === 2));
  assert.match(r.stdout, /^1\s+reverted-outside-scope\s/m);
  assert.match(r.stdout, /^2\s+promoted 🎯\s/m);
  assert.match(r.stdout, /🎯 target reached at iteration 2 \(step_ms 80, target 85\); stop reason: target-reached/);
  assert.equal(repo.git('status', '--porcelain').trim(), '');
  const st = await runCli(['status'], repo.dir, repo.env);
  assert.match(st.stdout, /: done \(🎯 target reached\)/);
});

test('--dry-run shows the planning pass argv (read-only), the scope and the target', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(repo, ['--iterations', '1', '--dry-run', '--plan-first', '--scope-glob', 'src/**', '--target', '80', '--bootstrap-infra'], loopEnv(repo, [{ steps: [] }]));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /## planning pass argv \(--plan-first, read-only; runs before the agent\)\n\S*codex exec -C \S+ -s read-only /);
  assert.match(r.stdout, /scope: src\/\*\*   target: 80 \(stops the run\)/);
  assert.match(r.stdout, /bootstrap infra: on/);
  assert.equal(runDirs(repo).length, 0, 'nothing written');
});
