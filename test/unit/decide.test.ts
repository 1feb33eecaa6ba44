import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, decideSequential, lookSchedule, type DecisionParams, type Side } from '../../src/core/measure/decide.js';
import { mulberry32 } from '../../src/core/stats/prng.js';

const params = (o: Partial<DecisionParams> = {}): DecisionParams => ({
  direction: 'lower',
  alpha: 0.05,
  minImprovementPct: 0,
  maxRegressionPct: 2,
  maxBenchRuns: 20,
  inconclusivePolicy: 'revert',
  seed: 1,
  bootstrapResamples: 300,
  ...o,
});

/** Deterministic sampler: cycles through fixed values per side and records the order of calls. */
function scripted(champion: number[], candidate: number[]) {
  const calls: Side[] = [];
  const idx = { champion: 0, candidate: 0 };
  return {
    calls,
    sample: async (side: Side) => {
      calls.push(side);
      const src = side === 'champion' ? champion : candidate;
      const v = src[idx[side] % src.length]!;
      idx[side]++;
      return { ok: true as const, value: v };
    },
  };
}

test('look schedule: batches of 5 up to maxBenchRuns, α spent evenly and summing to α', () => {
  const s = lookSchedule({ alpha: 0.05, maxBenchRuns: 20 });
  assert.deepEqual(s.map((l) => l.runsPerSide), [5, 10, 15, 20]);
  for (const l of s) assert.ok(Math.abs(l.alpha - 0.0125) < 1e-12);
  assert.deepEqual(lookSchedule({ alpha: 0.05, maxBenchRuns: 7 }).map((l) => l.runsPerSide), [5, 7]);
  assert.deepEqual(lookSchedule({ alpha: 0.05, maxBenchRuns: 3 }).map((l) => l.runsPerSide), [3]);
  const back = lookSchedule({ alpha: 0.05, maxBenchRuns: 20, spendingRho: 3 });
  assert.ok(Math.abs(back.reduce((a, l) => a + l.alpha, 0) - 0.05) < 1e-12);
  assert.ok(back[0]!.alpha < back[3]!.alpha);
});

test('a clear improvement is promoted at the first look, runs interleaved A B B A', async () => {
  const s = scripted([100, 101, 99, 100.5, 99.5], [90, 91, 89, 90.5, 89.5]);
  const d = await decideSequential({ params: params(), sample: s.sample });
  assert.equal(d.outcome, 'promoted');
  assert.equal(d.revert, false);
  assert.equal(d.runs, 5);
  assert.equal(d.championRuns, 5);
  assert.deepEqual(s.calls.slice(0, 4), ['champion', 'candidate', 'candidate', 'champion']);
  assert.ok(Math.abs(d.deltaPct! - 10) < 1e-9, String(d.deltaPct));
  assert.ok(d.ci && d.ci[0] > 5 && d.ci[1] < 15, JSON.stringify(d.ci));
  assert.match(d.reason, /better by \+10\.00 %/);
});

test('direction higher: larger values are better', async () => {
  const s = scripted([100, 101, 99, 100.5, 99.5], [90, 91, 89, 90.5, 89.5]);
  const d = await decideSequential({ params: params({ direction: 'higher' }), sample: s.sample });
  assert.equal(d.outcome, 'regression');
  assert.equal(d.revert, true);
  assert.ok(d.deltaPct! < -9);
});

test('a clear regression is reverted', async () => {
  const s = scripted([100, 101, 99, 100.5, 99.5], [110, 111, 109, 110.5, 109.5]);
  const d = await decideSequential({ params: params(), sample: s.sample });
  assert.equal(d.outcome, 'regression');
  assert.equal(d.revert, true);
});

test('an unchanged program is kept within noise, not promoted', async () => {
  const rng = mulberry32(5);
  const d = await decideSequential({ params: params(), sample: async () => ({ ok: true, value: 100 * (1 + 0.01 * rng.normal()) }) });
  assert.equal(d.outcome, 'kept-within-noise');
  assert.equal(d.revert, false);
});

test('a missing metric is a no-metric outcome with the reason, reverted, never a zero', async () => {
  let n = 0;
  const d = await decideSequential({
    params: params(),
    sample: async (side) => (side === 'candidate' && ++n === 3 ? { ok: false, reason: 'no GDNCTL_METRIC line; tail: boom' } : { ok: true, value: 100 }),
  });
  assert.equal(d.outcome, 'no-metric');
  assert.equal(d.revert, true);
  assert.match(d.reason, /candidate run 3: no GDNCTL_METRIC line; tail: boom/);
  assert.ok(!d.candidateValues.includes(0));
});

test('inconclusive (worse, not significant) follows --inconclusive-policy', async () => {
  const champion = [100, 101, 102, 103, 104];
  const candidate = [103, 104, 105, 106, 107];
  for (const policy of ['revert', 'keep'] as const) {
    const d = await decideSequential({ params: params({ maxBenchRuns: 5, inconclusivePolicy: policy }), sample: scripted(champion, candidate).sample });
    assert.equal(d.outcome, 'inconclusive', d.reason);
    assert.equal(d.revert, policy === 'revert');
  }
});

test('minImprovementPct: a real 3 % gain is not promoted when 5 % is required', async () => {
  const champion = [100, 100.2, 99.8, 100.1, 99.9];
  const candidate = champion.map((v) => v * 0.97);
  const d = await decideSequential({ params: params({ minImprovementPct: 5 }), sample: scripted(champion, candidate).sample });
  assert.notEqual(d.outcome, 'promoted');
  const ok = await decideSequential({ params: params({ minImprovementPct: 2 }), sample: scripted(champion, candidate).sample });
  assert.equal(ok.outcome, 'promoted');
});

test('stored champion values: only the candidate is sampled (non-interleaved mode)', async () => {
  const s = scripted([999], [90, 91, 89, 90.5, 89.5]);
  const d = await decideSequential({ params: params(), sample: s.sample, championValues: [100, 101, 99, 100.5, 99.5] });
  assert.ok(s.calls.every((c) => c === 'candidate'));
  assert.equal(d.outcome, 'promoted');
  assert.equal(d.championRuns, 5);
});

test('target reached only when the change is kept and meets the target', async () => {
  const d = await decideSequential({ params: params({ target: 91 }), sample: scripted([100, 101, 99, 100.5, 99.5], [90, 91, 89, 90.5, 89.5]).sample });
  assert.equal(d.targetReached, true);
  const r = await decideSequential({ params: params({ target: 200 }), sample: scripted([100, 101, 99, 100.5, 99.5], [110, 111, 109, 110.5, 109.5]).sample });
  assert.equal(r.targetReached, false);
});

test('classify: futility stop only when not promising and safely within tolerance', () => {
  const base = { runsPerSide: 5, alpha: 0.0125, pImprove: 0.4, pRegress: 0.6, zImprove: 0.2, zNotRegress: 1.2, estimatePct: 0.3 };
  assert.equal(classify(base, false, params())?.outcome, 'kept-within-noise');
  assert.equal(classify({ ...base, zImprove: 0.9 }, false, params()), undefined, 'promising: take more runs');
  assert.equal(classify({ ...base, zNotRegress: 0.1, estimatePct: -1 }, false, params()), undefined, 'maybe a regression: take more runs');
  assert.equal(classify({ ...base, estimatePct: -3, zNotRegress: 0.6 }, false, params()), undefined);
  assert.equal(classify({ ...base, estimatePct: -3 }, true, params())?.outcome, 'inconclusive');
});

test('false promotions of an unchanged program stay below α over 300 seeded decisions', async () => {
  let promoted = 0;
  for (let i = 0; i < 300; i++) {
    const rng = mulberry32(1000 + i);
    const d = await decideSequential({ params: params({ bootstrapResamples: 0, seed: i }), sample: async () => ({ ok: true, value: 100 * (1 + 0.03 * rng.normal()) }) });
    if (d.outcome === 'promoted') promoted++;
  }
  assert.ok(promoted <= 15, `promoted ${promoted}/300`);
});
