import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankBoard, rankingNote, RANKING_NOTE, renderLeaderboard, standing, statusMark, type LedgerRow } from '../../src/core/measure/leaderboard.js';
import { chartData, championSeries } from '../../src/core/measure/report-chart.js';
import { renderReportHtml } from '../../src/core/measure/report-html.js';
import { renderFinalReport } from '../../src/core/measure/final-report.js';
import { exploredRecord, keptOnBranch } from '../../src/core/parallel/explored.js';

const row = (o: Partial<LedgerRow> & { iteration: number }): LedgerRow => ({ slug: 's', strategy: 'x', outcome: 'promoted', reverted: false, targetReached: false, reason: 'r', ...o });

// Round 1 of --parallel 3, lower is better: c1 (90) and c2 (50) both beat the baseline 100 at α/3, c2 won.
const round = [
  row({ iteration: 1, value: 90, outcome: 'explored', candidate: 'r1-c1' }),
  row({ iteration: 2, value: 50, outcome: 'promoted', candidate: 'r1-c2' }),
  row({ iteration: 3, value: 120, outcome: 'regression', reverted: true, candidate: 'r1-c3' }),
  // Round 2: an explored candidate whose own sample beat the winner's must still not rank above it.
  row({ iteration: 4, value: 45, outcome: 'explored', candidate: 'r2-c1' }),
  row({ iteration: 5, value: 48, outcome: 'promoted', candidate: 'r2-c2' }),
];

test('explored rows: not champions, after the lineage and before reverted ones, by their own result', () => {
  assert.equal(standing(round[0]!), 'explored');
  assert.equal(standing(round[1]!), 'champion');
  const order = rankBoard(round, { direction: 'lower', baseline: 100 }).map((e) => (e.row === 'baseline' ? 'b' : e.row.iteration));
  assert.deepEqual(order, [5, 2, 'b', 4, 1, 3]);
  assert.equal(statusMark(round[0]!), '🔎 explored');
  const md = renderLeaderboard(round, { direction: 'lower', baseline: 100, title: 't', date: 'd' });
  assert.match(md, /iter-001-s \(r1-c1\) \| 90 \|.*\| x \(explored\) \| 🔎 explored \|/);
  assert.ok(md.includes(rankingNote(round)) && rankingNote(round) !== RANKING_NOTE, 'the header says what explored means');
  // A sequential run's header stays as it was.
  assert.equal(rankingNote(round.filter((r) => r.outcome !== 'explored')), RANKING_NOTE);
});

test('explored rows: the champion line and the chart follow the winner only', () => {
  assert.deepEqual(championSeries(round, 100).map((p) => p.value), [100, 100, 50, 50, 50, 48]);
  const c = chartData({ id: 't', label: 'l', name: 'ms', unit: 'value', rows: round, valueOf: (r) => r.value, baseline: 100 });
  assert.deepEqual(c.points.map((p) => p.kind), ['baseline', 'explored', 'promoted', 'reverted', 'explored', 'promoted']);
  assert.match(c.points[1]!.title, /^iter-001 \(r1-c1\) · explored\n/);
  const html = renderReportHtml({ runId: 'r', metric: 'ms', direction: 'lower', baseline: 100, rows: round, usage: new Map(), generatedAt: 'now' });
  assert.match(html, /<tr class="explored" data-iteration="1">.*?<span class="emoji" aria-hidden="true">🔎<\/span> explored<\/td>/);
  assert.match(html, /c-explored">◇ explored/);
  const final = renderFinalReport({ title: 't', date: 'd', direction: 'lower', metric: 'ms', rows: round, leaderboard: '' });
  assert.match(final, /5 iterations: 2 promoted, 0 kept within noise, 2 explored, 1 reverted\./);
  const seq = renderFinalReport({ title: 't', date: 'd', direction: 'lower', metric: 'ms', rows: [round[1]!, round[2]!], leaderboard: '' });
  assert.match(seq, /2 iterations: 1 promoted, 0 kept within noise, 1 reverted\./);
});

test('a decided round: every change kept on its own branch becomes explored, reverted and failed ones stay', () => {
  for (const s of ['promoted', 'kept-within-noise', 'kept-inconclusive', 'kept'] as const) assert.equal(keptOnBranch(s), true, s);
  for (const s of ['explored', 'regression-reverted', 'reverted-post-check', 'no-commit', 'no-change', 'failed', 'round-timeout'] as const) assert.equal(keptOnBranch(s), false, s);
  const rec = exploredRecord({ iteration: 1, status: 'promoted' as const, decision: { outcome: 'promoted' } }, 1, 2);
  assert.deepEqual(rec, { iteration: 1, status: 'explored', decision: { outcome: 'promoted' }, explored: { from: 'promoted', round: 1, promotedSlot: 2 } });
  assert.deepEqual(exploredRecord({ iteration: 1, status: 'kept' as const }, 3, undefined).explored, { from: 'kept', round: 3, promotedSlot: null });
});
