/** The memory's profile diff (summary.md, {{HOTSPOTS}}, the escalation directive) and its MFU column. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIterationMemory, type IterationMemoryOptions } from '../../src/core/measure/iteration-memory.js';
import { championIterationOf } from '../../src/core/measure/profile-memory.js';
import { renderLeaderboard, type LedgerRow } from '../../src/core/measure/leaderboard.js';
import { MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';

const RUN = '/repo/.agents/logs/runs/r1';

function memory(files: MemoryFiles, o: Partial<IterationMemoryOptions> = {}) {
  return createIterationMemory(
    { runDir: RUN, direction: 'lower', metric: 'step_ms', ...o },
    { files, champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files) },
  );
}

/** dev-tpu-profile's hotspots.json: a summary object with totals. */
const profile = (ops: Array<[string, number]>, stepTimeMs?: number): string => {
  const totalUs = ops.reduce((s, [, us]) => s + us, 0);
  return JSON.stringify({
    schema: 'gdnctl.hotspots.v1', source: 'w0.xplane.pb', totalUs, ...(stepTimeMs !== undefined ? { stepTimeMs } : {}),
    ops: ops.map(([name, us]) => ({ name, totalUs: us, count: 6, share: us / totalUs })),
  });
};
const decision = (outcome: string, candidate: number, deltaPct: number) => ({ decision: { outcome, revert: outcome === 'regression', candidate, champion: 100, deltaPct, runs: 5, reason: outcome } });

test('champion of an iteration: the last promotion before it, or the last kept one in an unmeasured run; else 0', () => {
  const r = (iteration: number, outcome: LedgerRow['outcome'], reverted = false): LedgerRow => ({ iteration, slug: 's', strategy: 's', outcome, reverted, targetReached: false, reason: '' });
  const rows = [r(1, 'promoted'), r(2, 'kept-within-noise'), r(3, 'regression', true), r(4, 'promoted'), r(5, 'failed', true)];
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => championIterationOf(rows, n)), [0, 1, 1, 1, 4, 4]);
  assert.deepEqual([2, 3].map((n) => championIterationOf([r(1, 'kept'), r(2, 'kept', true)], n)), [1, 1]);
});

test('summary.md and {{HOTSPOTS}} show the delta table against the champion\'s profile; without one, the candidate\'s own table', async () => {
  const files = new MemoryFiles();
  const mem = memory(files);
  await files.write(`${RUN}/iter-001/hotspots.json`, profile([['gdn_chunk_fwd', 700], ['fusion.3', 300]], 4));
  await mem.record(1, decision('promoted', 90, 10));
  const s1 = files.texts.get(`${RUN}/iter-001/summary.md`)!;
  assert.match(s1, /## Profile\n\nMeasured hotspots \(iter-001, from the profile trace\):/, 'the baseline has no profile: the table alone');
  assert.match((await mem.placeholders(2)).HOTSPOTS!, /^Measured hotspots \(iter-001/);

  await files.write(`${RUN}/iter-002/hotspots.json`, profile([['gdn_chunk_fwd', 400], ['fusion.3', 350], ['transpose.1', 50]], 3.2));
  await mem.record(2, decision('kept-within-noise', 89.5, 0.6));
  const s2 = files.texts.get(`${RUN}/iter-002/summary.md`)!;
  assert.match(s2, /## Profile\n\nProfile of iter-002 against the champion iter-001: device time 1\.000 → 0\.800 ms \(−20\.0 %\); mean step 4 → 3\.2 ms/);
  assert.match(s2, /\| `gdn_chunk_fwd` \| 0\.700 \| 0\.400 \| −0\.300 \| 70\.0% \| 50\.0% \| −20\.0 pp \|/);
  assert.match(s2, /\| `transpose\.1` \| — \| 0\.050 \| \+0\.050 \|/);
  const hs = (await mem.placeholders(3)).HOTSPOTS!;
  assert.match(hs, /^Profile of iter-002 against the champion iter-001/);
  assert.doesNotMatch(hs, /Measured hotspots/);

  // Iteration 3 has no profile: {{HOTSPOTS}} keeps showing the newest one (iter-002 against iter-001).
  await mem.record(3, decision('regression', 120, -20));
  assert.match((await mem.placeholders(4)).HOTSPOTS!, /^Profile of iter-002 against the champion iter-001/);
  assert.doesNotMatch(files.texts.get(`${RUN}/iter-003/summary.md`)!, /## Profile/);
});

test('escalation from the diff: a small gain and the same op on top of champion and candidate; a new top op does not escalate', async () => {
  const files = new MemoryFiles();
  const mem = memory(files);
  await files.write(`${RUN}/iter-001/hotspots.json`, profile([['gdn_chunk_fwd', 700], ['fusion.3', 300]]));
  await mem.record(1, decision('promoted', 90, 10));
  assert.deepEqual(await mem.directives(2), [], 'a 10 % gain does not escalate');
  await files.write(`${RUN}/iter-002/hotspots.json`, profile([['gdn_chunk_fwd', 650], ['fusion.3', 300]]));
  await mem.record(2, decision('kept-within-noise', 89.5, 0.6));
  const [d] = await mem.directives(3);
  assert.match(d!, /dominant op is unchanged: `gdn_chunk_fwd` tops both the champion's and the candidate's profile \(70\.0 % of device time in the champion iter-001, 68\.4 % in iter-002; −0\.050 ms\)/);
  // The same top op in the last two profiles, but the champion's (iter-001) top op differs from the candidate's: no escalation.
  await files.write(`${RUN}/iter-003/hotspots.json`, profile([['fusion.3', 900], ['gdn_chunk_fwd', 100]]));
  await mem.record(3, decision('promoted', 80, 1));
  await files.write(`${RUN}/iter-004/hotspots.json`, profile([['fusion.3', 890], ['gdn_chunk_fwd', 100]]));
  await mem.record(4, decision('kept-within-noise', 79.9, 0.1));
  assert.equal((await mem.directives(5)).length, 1, 'champion iter-003 and candidate iter-004 share fusion.3 on top');
  await files.write(`${RUN}/iter-005/hotspots.json`, profile([['fusion.3', 50], ['copy.2', 800]]));
  await mem.record(5, decision('kept-within-noise', 79.8, 0.2));
  assert.deepEqual(await mem.directives(6), [], 'copy.2 took over from fusion.3');
});

test('the MFU column: the value itself for --metric mfu, computed for a step time, absent otherwise', async () => {
  const files = new MemoryFiles();
  const mem = memory(files, { metric: 'mfu', direction: 'higher' });
  await mem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 0.42, champion: 0.4, deltaPct: 5, runs: 5, reason: 'better' } });
  const board = files.texts.get(`${RUN}/leaderboard.md`)!;
  assert.match(board, /\| Rank \| Iteration \| Result \| MFU \| Delta \| Strategy \| Status \|/);
  assert.match(board, /\| 1 \| iter-001-\S+ \| 0\.4200 \| 42\.0 % \|/);
  assert.equal((await mem.rows())[0]!.mfu, 0.42);
  assert.match(files.texts.get(`${RUN}/iter-001/summary.md`)!, /- MFU: 42\.0 %/);

  const f2 = new MemoryFiles();
  const stepMem = memory(f2, { mfuOf: (ms) => 1e12 / (ms / 1000) / 1e15 });
  await stepMem.record(1, { decision: { outcome: 'promoted', revert: false, candidate: 2, champion: 2.5, deltaPct: 20, runs: 5, reason: 'better' } });
  assert.equal((await stepMem.rows())[0]!.mfu, 0.5);

  const f3 = new MemoryFiles();
  await memory(f3).record(1, { decision: { outcome: 'promoted', revert: false, candidate: 2, champion: 2.5, deltaPct: 20, runs: 5, reason: 'better' } });
  assert.doesNotMatch(f3.texts.get(`${RUN}/leaderboard.md`)!, /MFU/);
});

test('leaderboard: the baseline row carries its MFU too', () => {
  const rows: LedgerRow[] = [{ iteration: 1, slug: 'a', strategy: 'A', value: 0.45, mfu: 0.45, outcome: 'promoted', reverted: false, targetReached: false, reason: 'r' }];
  const md = renderLeaderboard(rows, { direction: 'higher', baseline: 0.4, baselineMfu: 0.4, title: 't', date: 'd' });
  assert.match(md, /\| 2 \| baseline \| 0\.4000 \| 40\.0 % \| — \| — \| Baseline \|/);
  assert.match(md, /MFU is against the chips' bf16 peak/);
});
