import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rankBoard, renderLeaderboard, RANKING_NOTE, type LedgerRow } from '../../src/core/measure/leaderboard.js';
import { chartData, spansMoreThanTenfold } from '../../src/core/measure/report-chart.js';
import { renderReportHtml, reportCharts } from '../../src/core/measure/report-html.js';
import { commitSubjectLookup } from '../../src/adapters/git/commit-subjects.js';
import { chartLibrary } from '../../src/adapters/measure/chart-library.js';

const row = (o: Partial<LedgerRow> & { iteration: number }): LedgerRow => ({ slug: `s${o.iteration}`, strategy: `S${o.iteration}`, outcome: 'promoted', reverted: false, targetReached: false, reason: 'r', ...o });

test('lineage ranking: a kept-within-noise sample better than every promotion still ranks with its champion', () => {
  // lower is better; iteration 2's noisy 70 beats iteration 3's promoted 75 on its own sample.
  const rows = [
    row({ iteration: 1, value: 80 }),
    row({ iteration: 2, value: 70, outcome: 'kept-within-noise' }),
    row({ iteration: 3, value: 75 }),
    row({ iteration: 4, value: 60, outcome: 'regression', reverted: true }),
    row({ iteration: 5, value: 74, outcome: 'inconclusive' }),
    row({ iteration: 6, outcome: 'failed', reverted: true }),
    row({ iteration: 7, value: 99, outcome: 'kept-within-noise' }),
  ];
  const board = rankBoard(rows, { direction: 'lower', baseline: 100 });
  const seen = board.map((e) => `${e.rank}:${e.row === 'baseline' ? 'b' : e.row.iteration}${e.withChampion ? '=' : ''}`);
  assert.deepEqual(seen, ['1:3', '1:5=', '1:7=', '4:1', '4:2=', '6:b', '7:4', '8:6']);
  const md = renderLeaderboard(rows, { direction: 'lower', baseline: 100, title: 't', date: 'd' });
  assert.ok(md.includes(RANKING_NOTE), 'the header says how the table is ranked');
  assert.match(md, /\| 4 \| iter-002-s2 \| 70 \|/);
  assert.match(md, /\| 7 \| iter-004-s4 \| 60 \| .* \| ❌ reverted \|/);
  // Without a baseline the changes kept before the first promotion still rank, after every champion.
  const early = rankBoard([row({ iteration: 1, value: 90, outcome: 'kept-within-noise' }), row({ iteration: 2, value: 95 })], { direction: 'lower' });
  assert.deepEqual(early.map((e) => [e.rank, (e.row as LedgerRow).iteration, e.withChampion]), [[1, 2, false], [2, 1, false]]);
});

test('log axis only when the values span more than 10×, all positive', () => {
  assert.equal(spansMoreThanTenfold([400, 30]), true);
  assert.equal(spansMoreThanTenfold([100, 10]), false, 'exactly 10× stays linear');
  assert.equal(spansMoreThanTenfold([100, 84, 91]), false);
  assert.equal(spansMoreThanTenfold([-5, 100]), false, 'a log axis cannot show ≤ 0');
  assert.equal(spansMoreThanTenfold([5]), false);
  // The target counts: a 100 → 60 run aiming at 5 is drawn on a log axis.
  const rows = [row({ iteration: 1, value: 60 })];
  assert.equal(chartData({ id: 'c', label: 'l', name: 'm', unit: 'value', rows, valueOf: (r) => r.value, baseline: 100 }).log, false);
  assert.equal(chartData({ id: 'c', label: 'l', name: 'm', unit: 'value', rows, valueOf: (r) => r.value, baseline: 100, target: 5 }).log, true);
});

test('chart data: point kinds, hover texts with decision and commit subject, unmeasured iterations, champion steps', () => {
  const rows = [
    row({ iteration: 1, value: 91, deltaPct: 9, commit: 'abc1234def', reason: 'better by +9 %' }),
    row({ iteration: 2, value: 90.6, outcome: 'kept-within-noise' }),
    row({ iteration: 3, value: 97, outcome: 'regression', reverted: true, strategy: 'Unroll <loop>' }),
    row({ iteration: 4, outcome: 'failed', reverted: true, reason: 'post-check failed' }),
  ];
  const c = chartData({ id: 't', label: 'l', name: 'step_ms', unit: 'value', rows, valueOf: (r) => r.value, baseline: 100, target: 85, subjects: new Map([['abc1234def', 'Fuse the solve']]) });
  assert.deepEqual(c.points.map((p) => `${p.iteration}:${p.kind}`), ['0:baseline', '1:promoted', '2:kept', '3:reverted']);
  assert.equal(c.points[1]!.title, 'iter-001 · promoted\nstep_ms: 91 (+9.00 % vs champion)\ndecision: promoted — better by +9 %\nchange: S1\ncommit: abc1234def Fuse the solve');
  assert.deepEqual(c.unmeasured.map((u) => u.iteration), [4]);
  assert.match(c.unmeasured[0]!.title, /iter-004 · reverted\ndecision: failed — post-check failed/);
  assert.deepEqual(c.champion.map((p) => p.y), [100, 91, 91, 91, 91]);
  assert.deepEqual(c.xTicks, [0, 1, 2, 3, 4]);
  assert.equal(c.target, 85);
});

test('report page: data and library inlined safely, no chart library → tables and a note', () => {
  const rows = [row({ iteration: 1, value: 0.4, mfu: 0.4, strategy: 'evil </script><script>alert(1)</script> <!--' })];
  const input = { runId: 'r', metric: 'mfu', direction: 'higher' as const, baseline: 0.3, baselineMfu: 0.3, target: 0.5, rows, usage: new Map(), generatedAt: 'now' };
  const bare = renderReportHtml(input);
  assert.doesNotMatch(bare, /<script>/, 'no library, no scripts to run');
  assert.match(bare, /Chart not drawn: the charting library/);
  assert.equal(bare.match(/<\/script/g)?.length, 1, 'the only </script> closes the data element');
  const data = JSON.parse(/<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(bare)![1]!) as { charts: Array<{ id: string; target?: number }> };
  assert.deepEqual(data.charts.map((c) => [c.id, c.target]), [['trajectory', 0.5], ['mfu-trajectory', 50]]);
  const lib = { label: 'fake 1', code: 'var x = "</script>"; /* <!-- */' };
  const page = renderReportHtml({ ...input, chart: lib });
  assert.equal(page.match(/<\/script/g)?.length, 3, 'data, library and client script, nothing closed early');
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/);
  assert.equal(reportCharts({ ...input, rows: [row({ iteration: 1, value: 3 })], baselineMfu: undefined, metric: 'ms' }).length, 1, 'no MFU chart without MFU');
});

test('chart library: d3 then Plot from node_modules, read once per process', () => {
  const a = chartLibrary();
  assert.ok(a, 'the dependencies are installed');
  assert.match(a.label, /^d3 7\.\d+\.\d+ \+ @observablehq\/plot 0\.6\.\d+$/);
  assert.ok(a.code.indexOf('d3js.org') < a.code.indexOf('@observablehq/plot'), 'd3 first: Plot takes the d3 global');
  assert.equal(chartLibrary(), a, 'cached');
});

test('commit subjects: one git call for new shas, abbreviated and unknown ones handled', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-subjects-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...a: string[]): string => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { encoding: 'utf8' }).trim();
  git('init', '-q');
  writeFileSync(join(dir, 'f'), '1');
  git('add', 'f');
  git('commit', '-qm', 'Fuse the solve');
  const sha = git('rev-parse', 'HEAD');
  const look = commitSubjectLookup(dir);
  const m = await look([sha, sha.slice(0, 10), 'f'.repeat(40)]);
  assert.equal(m.get(sha), 'Fuse the solve');
  assert.equal(m.get(sha.slice(0, 10)), 'Fuse the solve');
  assert.equal(m.has('f'.repeat(40)), false);
  assert.equal((await commitSubjectLookup(join(dir, 'nope'))([sha])).size, 0, 'no repository: no subjects, no error');
});

test('writeRunReport: secrets redacted in every spelling the page uses; the inlined library left intact', async () => {
  const { writeRunReport } = await import('../../src/core/measure/run-report.js');
  const { MemoryFiles } = await import('../fakes/measure-fakes.js');
  const { runRedactor } = await import('../../src/redact.js');
  const secret = 'tok<en&"secret1';
  const redact = runRedactor({}, [secret, 'function']);
  const files = new MemoryFiles();
  const rows = [row({ iteration: 1, value: 5, strategy: `use ${secret} now`, reason: `failed with ${secret}`, commit: 'abc1234' })];
  const lib = { label: 'lib 1', code: 'function plot() { return "</script>"; }' };
  const subjects = async (): Promise<ReadonlyMap<string, string>> => new Map([['abc1234', `subject ${secret}`]]);
  await writeRunReport(files, '/run', { direction: 'lower', metric: 'ms' }, rows, () => new Date(0), redact, { chart: lib, commitSubjects: subjects });
  const page = files.texts.get('/run/report.html')!;
  for (const spelling of [secret, 'tok&lt;en', 'tok\\u003cen', 'en&amp;&quot;secret1']) assert.ok(!page.includes(spelling), spelling);
  assert.match(page, /\[redacted\]/);
  assert.ok(page.includes('<script>function plot() { return "<\\/script>"; }</script>'), 'the library is not redacted');
});

test('MFU chart target: the target itself for --metric mfu, the target step time\'s MFU for a step-time metric', async () => {
  const { mfuTarget } = await import('../../src/core/measure/report-html.js');
  // 20 ms at 45 % and 30 ms at 30 %: MFU × ms = 9 for both, so a 15 ms target is 60 %.
  const rows = [row({ iteration: 1, value: 20, mfu: 0.45 }), row({ iteration: 2, value: 30, mfu: 0.3, outcome: 'regression', reverted: true })];
  assert.ok(Math.abs(mfuTarget({ metric: 'step_ms', target: 15, rows })! - 60) < 1e-9);
  assert.equal(mfuTarget({ metric: 'mfu', target: 0.5, rows }), 50);
  assert.equal(mfuTarget({ metric: 'step_ms', rows }), undefined);
  assert.equal(mfuTarget({ metric: 'step_ms', target: 15, rows: [...rows, row({ iteration: 3, value: 10, mfu: 0.5 })] }), undefined, 'inconsistent rows: no line');
  const page = renderReportHtml({ runId: 'r', metric: 'step_ms', direction: 'lower', baseline: 30, target: 15, rows, usage: new Map(), generatedAt: 'g' });
  assert.match(page, /┅ target 60\.0 %/);
});

test('writeRunReport: a step-time run\'s baseline MFU follows from the rows\' MFU × step time', async () => {
  const { writeRunReport } = await import('../../src/core/measure/run-report.js');
  const { MemoryFiles } = await import('../fakes/measure-fakes.js');
  const files = new MemoryFiles();
  await files.write('/run/baseline/baseline.json', JSON.stringify({ median: 36, metric: 'step_ms', direction: 'lower' }));
  const rows = [row({ iteration: 1, value: 20, mfu: 0.45 })];
  await writeRunReport(files, '/run', { direction: 'lower' }, rows);
  assert.match(files.texts.get('/run/report.html')!, /<tr class="baseline"><td>2<\/td><td>baseline<\/td><td>36<\/td><td class="mfu">25\.0 %<\/td>/);
});
