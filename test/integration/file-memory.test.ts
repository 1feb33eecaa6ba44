import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileMemory } from '../../src/cli/measure/file-memory.js';

function setup(t: { after: (fn: () => void) => void }) {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-memory-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  const runDir = join(root, '.agents', 'logs', 'runs', 'r1');
  mkdirSync(join(runDir, 'baseline'), { recursive: true });
  writeFileSync(join(runDir, 'baseline', 'baseline.json'), JSON.stringify({ median: 100, head: 'a'.repeat(40) }));
  writeFileSync(join(runDir, 'baseline', 'result.txt'), '# Aggregation: median of 5 runs\n# Raw: 100 100 100 100 100\n100\n');
  writeFileSync(join(runDir, 'champion.json'), JSON.stringify({ sha: 'a'.repeat(40), values: [100], median: 100, iteration: 0 }));
  return { root, runDir };
}

const iter = (runDir: string, n: number): string => {
  const d = join(runDir, `iter-${String(n).padStart(3, '0')}`);
  mkdirSync(d, { recursive: true });
  return d;
};

test('record writes plan/summary/reflexion and the leaderboard; placeholders feed the next prompt', async (t) => {
  const { root, runDir } = setup(t);
  const mem = createFileMemory({ runDir, direction: 'lower', metric: 'step_ms', target: 80, goal: 'Faster GDN chunk kernel', experimentsDir: join(root, 'experiments'), repoRoot: root, experimentPlan: '# Experiment plan\n' });
  assert.deepEqual(await mem.placeholders(1), { CHAMPION: `Champion ${'a'.repeat(12)} (baseline): step_ms median 100 over 1 runs (lower is better); baseline 100 (0.00 % better); target 80` });

  const d1 = iter(runDir, 1);
  writeFileSync(join(d1, 'report.json'), JSON.stringify({ bottleneckType: 'memory', chosen: 'Fuse triangular solve', reflexion: 'VMEM was the limit', nextHypothesis: 'bf16' }));
  writeFileSync(join(d1, 'result.txt'), '# Raw: 90\n90\n');
  writeFileSync(join(d1, 'hotspots.json'), JSON.stringify([{ name: 'chunk_fwd', totalUs: 900, count: 4, share: 0.7 }]));
  await mem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 90, champion: 100, deltaPct: 10, runs: 5, reason: 'better by +10.00 %' }, commit: 'b'.repeat(40), tokens: { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 200 }, durationMs: 60000 });
  writeFileSync(join(runDir, 'champion.json'), JSON.stringify({ sha: 'b'.repeat(40), values: [90, 90], median: 90, iteration: 1 }));

  const d2 = iter(runDir, 2);
  writeFileSync(join(d2, 'report.json'), JSON.stringify({ chosen: 'Retile to 256', reflexion: 'barely moved' }));
  writeFileSync(join(d2, 'hotspots.json'), JSON.stringify([{ name: 'chunk_fwd', totalUs: 880, count: 4, share: 0.69 }]));
  await mem.record(2, { decision: { outcome: 'kept-within-noise', revert: false, candidate: 89.5, champion: 90, deltaPct: 0.56, runs: 10, reason: 'noise' } });
  iter(runDir, 3);
  await mem.record(3, { outcome: 'post-check-failed', reason: 'tests failed', reverted: true, strategy: 'Unroll loop' });

  assert.match(readFileSync(join(d1, 'plan.md'), 'utf8'), /## Step-Back: bottleneck type\nmemory/);
  assert.match(readFileSync(join(d1, 'summary.md'), 'utf8'), /Value: 90 \(-10\.00 % against the baseline 100\)/);
  const board = readFileSync(join(runDir, 'leaderboard.md'), 'utf8');
  assert.match(board, /\| 1 \| iter-002-retile-to-256 \| 89\.50 \|/);
  assert.match(board, /\| 3 \| baseline \| 100 \|/);
  assert.match(board, /\| 4 \| iter-003-unroll-loop \| — \| — \| Unroll loop \(failed: tests failed\) \| ❌ reverted \|/);

  const p = await mem.placeholders(4);
  assert.equal(p.LEADERBOARD, board);
  assert.match(p.LAST_REFLEXION!, /# Reflexion: iter-003/);
  // iter-002 and its champion iter-001 both have a profile: the delta table, not iter-002's table alone.
  assert.match(p.HOTSPOTS!, /^Profile of iter-002 against the champion iter-001: .*\n\n\| op .*\n.*\n\| `chunk_fwd` \| 0\.900 \| 0\.880 \| −0\.020 \| 70\.0% \| 69\.0% \| −1\.0 pp \|/);
  assert.match(p.CHAMPION!, /Champion b{12} \(iter-001\): step_ms median 90 over 2 runs .*\(10\.00 % better\)/);
  // Iteration 3 measured nothing (gain 0) and chunk_fwd tops both the champion's (iter-001) and iter-002's profile.
  const dirs = await mem.directives(4);
  assert.equal(dirs.length, 1);
  assert.match(dirs[0]!, /dominant op is unchanged: `chunk_fwd` tops both/);
  assert.deepEqual(await mem.directives(2), [], 'only one measured profile so far');

  await mem.finalize();
  const fin = readFileSync(join(runDir, 'final-report.md'), 'utf8');
  assert.match(fin, /Champion b{12} \(iteration 1\): step_ms median 90, 10\.00 % better than the baseline 100/);
  assert.match(fin, /3 iterations: 1 promoted, 1 kept within noise, 1 reverted\. Agent tokens: 1200; time: 1\.0 min\./);
  assert.match(fin, /Target 80 not reached/);

  const exp = join(root, 'experiments', 'exp-001-faster-gdn-chunk-kernel');
  for (const f of ['experiment-plan.md', 'leaderboard.md', 'final-report.md', 'baseline/result.txt', 'iterations/iter-001-fuse-triangular-solve/plan.md', 'iterations/iter-001-fuse-triangular-solve/result.txt', 'iterations/iter-001-fuse-triangular-solve/reflexion.md', 'iterations/iter-003-unroll-loop/summary.md']) {
    assert.ok(existsSync(join(exp, f)), f);
  }
  assert.equal(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' }).includes('experiments'), false, 'experiments dir kept out of git status');
});

test('a long run keeps its files whole: a resumed memory continues the rows on disk, and a later profile still counts', async (t) => {
  const { runDir } = setup(t);
  const first = createFileMemory({ runDir, direction: 'lower', metric: 'step_ms' });
  for (let n = 1; n <= 30; n++) {
    iter(runDir, n);
    await first.record(n, { outcome: 'kept', strategy: `change ${n}` });
  }
  // Rows are kept in memory between iterations; ledger.json must still hold every row, in order.
  const onDisk = JSON.parse(readFileSync(join(runDir, 'ledger.json'), 'utf8')) as { rows: Array<{ iteration: number }> };
  assert.deepEqual(onDisk.rows.map((r) => r.iteration), Array.from({ length: 30 }, (_, k) => k + 1));
  assert.equal(readFileSync(join(runDir, 'leaderboard.md'), 'utf8').split('\n').filter((l) => l.startsWith('| ') && /iter-0\d\d-/.test(l)).length, 30);
  assert.deepEqual(await first.directives(31), [], 'no profiles yet');
  assert.equal((await first.placeholders(32)).HOTSPOTS, undefined, 'iteration 31 has not run yet');

  // A resume builds a new memory over the same run directory: it must start from the rows on disk.
  const resumed = createFileMemory({ runDir, direction: 'lower', metric: 'step_ms' });
  const d31 = iter(runDir, 31);
  writeFileSync(join(d31, 'hotspots.json'), JSON.stringify([{ name: 'chunk_fwd', totalUs: 900, count: 4, share: 0.7 }]));
  await resumed.record(31, { outcome: 'kept', strategy: 'change 31' });
  assert.equal((await resumed.rows()).length, 31);
  assert.match((await resumed.placeholders(32)).HOTSPOTS ?? '', /chunk_fwd/, 'the profile written during iteration 31 is seen');
  assert.match((await first.placeholders(32)).HOTSPOTS ?? '', /chunk_fwd/, 'an instance that had looked at iteration 31 before its profile existed does not cache the miss');
});

test('--plan-first: the planner\'s plan.md stays first and the final report\'s plan follows it (once, on re-record too)', async (t) => {
  const { root, runDir } = setup(t);
  const mem = createFileMemory({ runDir, direction: 'lower', metric: 'step_ms', target: undefined, experimentsDir: undefined, repoRoot: root, experimentPlan: '# Experiment plan\n' });
  const d1 = iter(runDir, 1);
  writeFileSync(join(d1, 'plan.md'), '# Plan from the read-only planning pass (iter-001)\n\n1. Fuse the kernels\n');
  writeFileSync(join(d1, 'report.json'), JSON.stringify({ bottleneckType: 'memory-bandwidth', chosen: 'Fuse triangular solve' }));
  await mem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 90, runs: 5, reason: 'better' } });
  await mem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 90, runs: 5, reason: 'better' } });
  const plan = readFileSync(join(d1, 'plan.md'), 'utf8');
  assert.match(plan, /^# Plan from the read-only planning pass \(iter-001\)\n\n1\. Fuse the kernels\n\n---\n\n[^]*Step-Back: bottleneck type\nmemory-bandwidth/);
  assert.equal(plan.split('Step-Back').length, 2, 'the report plan is appended once');
  // Without a report, the planner's plan is kept as it is.
  const d2 = iter(runDir, 2);
  writeFileSync(join(d2, 'plan.md'), '# Plan from the read-only planning pass (iter-002)\n\nRetile\n');
  await mem.record(2, { outcome: 'failed', reason: 'post-check-failed' });
  assert.equal(readFileSync(join(d2, 'plan.md'), 'utf8'), '# Plan from the read-only planning pass (iter-002)\n\nRetile\n');
});
