/** The iteration memory's policy (src/core/measure/iteration-memory.ts) on an in-memory run directory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIterationMemory, type IterationMemoryOptions } from '../../src/core/measure/iteration-memory.js';
import { PLAN_HEADER, plannerPart, REPORT_PLAN_SEPARATOR } from '../../src/core/text/plan-file.js';
import * as planPass from '../../src/core/loop/plan-pass.js';
import { MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';

const RUN = '/repo/.agents/logs/runs/r1';

function memory(files: MemoryFiles, o: Partial<IterationMemoryOptions> = {}, hidden: string[] = [], subjects: Record<string, string> = {}) {
  return createIterationMemory(
    { runDir: RUN, direction: 'lower', metric: 'step_ms', ...o },
    {
      files,
      champions: new MemoryChampionStore(files),
      baselines: new MemoryBaselineStore(files),
      commitSubject: async (sha) => subjects[sha],
      hideFromGit: async (dir) => void hidden.push(dir),
    },
  );
}

test('a strategy from a commit subject is redacted before it becomes a slug, a row or a file', async () => {
  const files = new MemoryFiles();
  const mem = memory(files, { redact: (t) => t.replaceAll('hunter2-token', '[redacted]') }, [], { abc: 'Use hunter2-token for the cache' });
  await mem.record(1, { outcome: 'kept', commits: ['abc'] });
  const [row] = await mem.rows();
  assert.equal(row!.strategy, 'Use [redacted] for the cache');
  assert.equal(row!.slug, 'use-redacted-for-the-cache');
  for (const [path, text] of files.texts) assert.ok(!text.includes('hunter2-token'), path);
});

test('the experiments mirror is chosen once per run, hidden from git once, and numbered across runs', async () => {
  const files = new MemoryFiles();
  const hidden: string[] = [];
  const o = { experimentsDir: '/repo/experiments', goal: 'Faster kernel', experimentPlan: '# Plan\n' };
  const mem = memory(files, o, hidden);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse' });
  await mem.record(2, { outcome: 'failed', reason: 'post-check-failed', strategy: 'Unroll' });
  // A resumed run (a new memory over the same run directory) keeps writing into the same folder.
  await memory(files, o, hidden).record(3, { outcome: 'kept', strategy: 'Retile' });
  assert.deepEqual(hidden, ['/repo/experiments']);
  assert.deepEqual(await files.list('/repo/experiments'), ['exp-001-faster-kernel']);
  assert.deepEqual(await files.list('/repo/experiments/exp-001-faster-kernel/iterations'), ['iter-001-fuse', 'iter-002-unroll', 'iter-003-retile']);
  assert.equal(files.texts.get('/repo/experiments/exp-001-faster-kernel/experiment-plan.md'), '# Plan\n');
  const other = createIterationMemory(
    { runDir: '/repo/.agents/logs/runs/r2', direction: 'lower', metric: 'step_ms', ...o },
    { files, champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files) },
  );
  await other.record(1, { outcome: 'kept', strategy: 'Fuse' });
  assert.deepEqual(await files.list('/repo/experiments'), ['exp-001-faster-kernel', 'exp-002-faster-kernel']);
});

test('every record rewrites the final report and report.html after the leaderboard, so a killed run has current ones', async () => {
  const files = new MemoryFiles();
  const mem = memory(files);
  await mem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 90, champion: 100, deltaPct: 10, runs: 5, reason: 'better' } });
  const order = files.writes.map((p) => p.slice(RUN.length + 1));
  assert.deepEqual(order, ['iter-001/summary.md', 'iter-001/reflexion.md', 'ledger.json', 'leaderboard.md', 'final-report.md', 'report.html']);
  assert.match(files.texts.get(`${RUN}/report.html`)!, /<html/);
  assert.match(files.texts.get(`${RUN}/final-report.md`)!, /1 iterations: 1 promoted/);
});

test('no escalation directive without two measured profiles; with a small gain on the same top hotspot, one', async () => {
  const files = new MemoryFiles();
  const mem = memory(files);
  const profile = JSON.stringify([{ name: 'chunk_fwd', totalUs: 900, count: 4, share: 0.7 }]);
  await files.write(`${RUN}/iter-001/hotspots.json`, profile);
  await mem.record(1, { decision: { outcome: 'kept-within-noise', revert: false, candidate: 99, deltaPct: 1, runs: 5, reason: 'noise' } });
  assert.deepEqual(await mem.directives(2), []);
  await files.write(`${RUN}/iter-002/hotspots.json`, profile);
  await mem.record(2, { decision: { outcome: 'kept-within-noise', revert: false, candidate: 98.5, deltaPct: 0.5, runs: 5, reason: 'noise' } });
  const d = await mem.directives(3);
  assert.equal(d.length, 1);
  assert.match(d[0]!, /chunk_fwd/);
  await files.write(`${RUN}/iter-003/hotspots.json`, profile);
  await mem.record(3, { decision: { outcome: 'promoted', revert: false, candidate: 80, deltaPct: 18, runs: 5, reason: 'better' } });
  assert.deepEqual(await mem.directives(4), [], 'a large gain does not escalate');
});

test("plan.md's format is shared with the planner: the leaf's header and separator are plan-pass's", () => {
  assert.equal(PLAN_HEADER, planPass.PLAN_HEADER);
  assert.equal(REPORT_PLAN_SEPARATOR, planPass.REPORT_PLAN_SEPARATOR);
  const planned = planPass.planFile('iter-001', '1. Fuse');
  assert.equal(plannerPart(`${planned.trimEnd()}${REPORT_PLAN_SEPARATOR}## Step-Back`), planned.trimEnd());
  assert.equal(plannerPart('# Plan\n\nwritten by the report only'), undefined);
});
