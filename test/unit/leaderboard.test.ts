import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kebab, rankRows, renderLeaderboard, type LedgerRow } from '../../src/core/measure/leaderboard.js';
import { escalationDirective, parseHotspots, renderPlan, renderReflexion } from '../../src/core/measure/memory-text.js';

const row = (o: Partial<LedgerRow> & { iteration: number }): LedgerRow => ({
  slug: 's',
  strategy: 'strategy',
  outcome: 'promoted',
  reverted: false,
  targetReached: false,
  reason: 'r',
  ...o,
});

test('leaderboard: auto-optimize columns, ranked in the metric direction, baseline as its own row', () => {
  const rows = [
    row({ iteration: 1, slug: 'index-add', strategy: 'Add composite index', value: 295 }),
    row({ iteration: 2, slug: 'async-io', strategy: 'Async conversion', value: 360, outcome: 'regression', reverted: true }),
    row({ iteration: 3, slug: 'query-cache', strategy: 'Cache repeated DB lookups', value: 178, targetReached: true }),
    row({ iteration: 4, slug: 'broken', strategy: 'Broken', outcome: 'no-metric', reverted: true, reason: 'no GDNCTL_METRIC line' }),
  ];
  const md = renderLeaderboard(rows, { direction: 'lower', baseline: 340, title: 'exp-001-api-latency', date: '2026-04-04' });
  const table = md.split('\n').filter((l) => /^\| \d/.test(l));
  assert.equal(md.split('\n')[0], '# Experiment Leaderboard: exp-001-api-latency');
  assert.match(md, /\| Rank \| Iteration \| Result \| Delta \| Strategy \| Status \|/);
  assert.deepEqual(
    table.map((l) => l.split('|')[2]!.trim()),
    ['iter-003-query-cache', 'iter-001-index-add', 'baseline', 'iter-002-async-io', 'iter-004-broken'],
  );
  assert.match(table[0]!, /\| 178 \| −162 \(−47\.6 %\) \| .* \| ✅ kept 🎯 target reached \|$/);
  assert.match(table[2]!, /\| 3 \| baseline \| 340 \| — \| — \| Baseline \|/);
  assert.match(table[3]!, /\+20 \(\+5\.9 %\) .*\| ❌ reverted \|$/);
  assert.match(table[4]!, /no-metric: no GDNCTL_METRIC line.*\| ❌ reverted \|$/);
  // The lineage does not depend on the direction (each promotion beat its champion); reverted rows do.
  const higher = rankRows([...rows.slice(0, 3), row({ iteration: 5, value: 400, outcome: 'regression', reverted: true })], { direction: 'higher', baseline: 340 });
  assert.deepEqual(higher.map((r) => (r === 'baseline' ? 'b' : r.iteration)), [3, 1, 'b', 5, 2]);
});

test('kebab slugs', () => {
  assert.equal(kebab('Fuse the triangular solve into the chunk kernel!'), 'fuse-the-triangular-solve-into-the-chunk');
  assert.equal(kebab('***'), 'iteration');
});

test('plan.md comes from the structured report; reflexion has the agent first, then the measured decision', () => {
  const report = {
    bottleneckType: 'memory-bound',
    candidates: [{ name: 'tile 256', expectedGainPct: 4 }, 'fuse kernels'],
    reRanking: 'fuse wins both',
    chosen: 'fuse kernels',
    preMortem: 'VMEM overflow',
    reflexion: 'fusion helped less than expected',
    nextHypothesis: 'try bf16 accumulation',
  };
  const plan = renderPlan('iter-001', report);
  assert.match(plan, /## Step-Back: bottleneck type\nmemory-bound/);
  assert.match(plan, /1\. \*\*tile 256\*\* — expectedGainPct: 4\n2\. fuse kernels/);
  assert.match(plan, /## Pre-mortem\nVMEM overflow/);
  const refl = renderReflexion('iter-001', report, row({ iteration: 1, value: 90 }), {
    outcome: 'kept-within-noise',
    revert: false,
    candidate: 90,
    champion: 90.5,
    deltaPct: 0.55,
    ci: [-1.2, 2.1],
    runs: 5,
    reason: 'change +0.55 % not distinguishable from noise',
  });
  const agentAt = refl.indexOf('fusion helped less');
  const measuredAt = refl.indexOf('Decision: kept-within-noise');
  assert.ok(agentAt > 0 && measuredAt > agentAt, refl);
  assert.match(refl, /\(CI -1\.20 … 2\.10 %\)/);
});

test('escalation: only when the last gain is < 3 % and the measured dominant hotspot is unchanged', () => {
  const a = parseHotspots([{ name: 'chunk_fwd', totalUs: 900, count: 10, share: 0.6 }, { name: 'solve', totalUs: 300, count: 10, share: 0.2 }])!;
  const b = parseHotspots({ hotspots: [{ name: 'solve', totalUs: 100, count: 1, share: 0.1 }, { name: 'chunk_fwd', totalUs: 800, count: 10, share: 0.55 }] })!;
  const c = parseHotspots([{ name: 'solve', totalUs: 800, count: 10, share: 0.5 }])!;
  assert.equal(b[0]!.name, 'chunk_fwd', 'sorted by share');
  assert.match(escalationDirective(1.2, a, b)!, /gained 1\.20 % .* still `chunk_fwd` \(55\.0 % of device time, was 60\.0 %\)/);
  assert.equal(escalationDirective(3.5, a, b), undefined, 'gain ≥ 3 %');
  assert.equal(escalationDirective(1.2, a, c), undefined, 'hotspot moved');
  assert.equal(escalationDirective(1.2, undefined, b), undefined, 'no measured trace before');
  assert.deepEqual(parseHotspots([{ name: 'x' }, 5, { share: 1 }]), []);
  assert.equal(parseHotspots('nope'), undefined);
  // dev-tpu-profile's summary object (src/core/hotspots.ts on the tpu branch): the list is under `ops`.
  assert.deepEqual(parseHotspots({ totalUs: 10, ops: [{ name: 'k', totalUs: 10, count: 2, share: 1 }] }), [{ name: 'k', totalUs: 10, count: 2, share: 1 }]);
});

test('report.json as the agent backends write it ({ok, report} with object fields) is normalized', async () => {
  const { normalizeReport } = await import('../../src/core/measure/memory-text.js');
  const { VALID_REPORT } = await import('../fixtures/agent-report.js');
  const r = normalizeReport({ ok: true, report: VALID_REPORT })!;
  assert.equal(r.chosen, 'fused the two passes. expected: -20% time');
  assert.equal(r.preMortem, 'Failure mode: register spills. Early signal: slower small sizes');
  assert.equal(r.reflexion, 'measure before fusing further');
  assert.match(renderPlan('iter-001', r), /1\. \*\*fuse loops\*\* — tradeoffs: more registers; expectedEffect: -20% time/);
  assert.equal(normalizeReport({ ok: false, error: 'bad' }), undefined);
  assert.equal(normalizeReport({ chosen: 'flat' })!.chosen, 'flat');
});

test('sparkline and the champion series of the report', async () => {
  const { sparkline } = await import('../../src/core/measure/sparkline.js');
  const { championSeries } = await import('../../src/core/measure/report-html.js');
  assert.equal(sparkline([91, 90.6, 97, undefined, 84]), '▅▅█·▁');
  assert.equal(sparkline([5, 5]), '▄▄');
  assert.equal(sparkline([]), '');
  const rows = [
    row({ iteration: 1, value: 91, outcome: 'promoted' }),
    row({ iteration: 2, value: 90.6, outcome: 'kept-within-noise' }),
    row({ iteration: 3, value: 97, outcome: 'regression', reverted: true }),
    row({ iteration: 4, outcome: 'failed', reverted: true }),
  ];
  assert.deepEqual(championSeries(rows, 100).map((c) => c.value), [100, 91, 91, 91, 91]);
});
