import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';

const BENCH = 'v=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';
const ARGS = ['--iterations', '2', ...FAST, '--bootstrap-infra', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5', '--max-failures', '-1'];

test('codex-loop --bootstrap-infra: iteration 0 writes test and bench, they run, then their paths are protected', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [
    { steps: [commitStep({ '.gdnctl/regression-test.sh': 'test -s speed.txt\n', '.gdnctl/bench.sh': BENCH }, 'gdnctl bootstrap: test and bench')] },
    // A cheat: "improve" the metric by editing the benchmark. Protected now, so reverted.
    { steps: [commitStep({ '.gdnctl/bench.sh': 'echo "GDNCTL_METRIC {\\"step_ms\\": 1}"\n' }, 'Faster benchmark')] },
    { steps: [commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] },
  ]);
  const r = await runLoopInProcess(repo, ARGS, env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  const state = readJson<{ bootstrap: { commit: string; postCheck: string; bench: string }; bootstrapProtect: string[] }>(join(run, 'state.json'));
  assert.deepEqual(state.bootstrapProtect.sort(), ['.gdnctl/bench.sh', '.gdnctl/regression-test.sh']);
  assert.deepEqual([state.bootstrap.postCheck, state.bootstrap.bench], ['bash .gdnctl/regression-test.sh', 'bash .gdnctl/bench.sh']);
  assert.match(readFileSync(join(run, 'iter-000', 'prompt.md'), 'utf8'), /regression test[^]*bash \.gdnctl\/regression-test\.sh[^]*GDNCTL_METRIC \{"step_ms"/);
  assert.equal(readJson<{ status: string }>(join(run, 'iter-000', 'record.json')).status, 'kept');
  assert.match(readFileSync(join(run, 'iter-000', 'post-check-2.log'), 'utf8'), /GDNCTL_METRIC \{"step_ms": 100\}/);
  assert.ok(events(run).some((e) => e.type === 'bootstrap-accepted'));

  const rec1 = readJson<{ reason: string; status: string }>(join(run, 'iter-001', 'record.json'));
  assert.deepEqual([rec1.reason, rec1.status], ['touched-protected-path', 'reverted-protected-path']);
  const rec2 = readJson<{ status: string }>(join(run, 'iter-002', 'record.json'));
  assert.equal(rec2.status, 'promoted');
  assert.match(readFileSync(join(run, 'iter-002', 'post-check-1.log'), 'utf8'), /^\$ bash \.gdnctl\/regression-test\.sh/, 'the new test is a post-check');
  const baseline = readJson<{ head: string; median: number }>(join(run, 'baseline', 'baseline.json'));
  assert.deepEqual([baseline.head, baseline.median], [state.bootstrap.commit, 100], 'the baseline is measured on the bootstrap commit');
  assert.match(r.stdout, /^0\s+kept\s/m);
});

test('codex-loop --bootstrap-infra: a benchmark without a metric is reverted and the run stops (exit 1), whatever the policy', async (t) => {
  for (const policy of ['fail', 'count-failure']) await badBench(t, policy);
});

async function badBench(t: { after: (fn: () => unknown) => void }, policy: string): Promise<void> {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [{ steps: [commitStep({ '.gdnctl/regression-test.sh': 'true\n', '.gdnctl/bench.sh': 'echo 12 ms\n' }, 'gdnctl bootstrap: bad bench')] }]);
  const r = await runLoopInProcess(repo, [...ARGS, '--post-check-policy', policy], env);
  assert.equal(r.code, 1, r.stderr);
  if (policy === 'count-failure') assert.match(r.stderr, /--bootstrap-infra: iteration 0 was not accepted \(post-check-failed\)/);
  assert.match(r.stderr, /post-check 2 "out=\$\(bash \.gdnctl\/bench\.sh\)/);
  const run = runDirs(repo).at(-1)!;
  assert.equal(existsSync(join(run, 'iter-001')), false);
  assert.equal(existsSync(join(repo.dir, '.gdnctl', 'bench.sh')), false, 'reverted by a commit');
  assert.match(repo.git('log', '-1', '--format=%s'), /revert iteration 000 \(post-check-failed\)/);
}
