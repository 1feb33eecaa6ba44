import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookReach, promotionReachability, reachabilityProblem } from '../../src/core/measure/reachability.js';
import { decideSequential, type DecisionParams } from '../../src/core/measure/decide.js';

test('bounds per look: a perfect split is 1/C(2n,n); a look can promote when its α reaches it', () => {
  const looks = lookReach({ alpha: 0.005, maxBenchRuns: 6 });
  assert.deepEqual(looks.map((l) => l.runsPerSide), [5, 6]);
  assert.ok(Math.abs(looks[0]!.alpha - 0.005 * 5 / 6) < 1e-12);
  assert.ok(Math.abs(looks[0]!.perfectSplitP - 1 / 252) < 1e-15);
  assert.ok(Math.abs(looks[1]!.perfectSplitP - 1 / 924) < 1e-15);
  assert.deepEqual(looks.map((l) => l.canPromote), [true, false]);
  // α equal to the bound counts (3 vs 3 runs at α 0.05: p = 1/20).
  assert.equal(lookReach({ alpha: 0.05, maxBenchRuns: 3 })[0]!.canPromote, true);
});

test('--alpha 0.005 --max-bench-runs 6: the last look cannot promote, only a perfect split at 5 runs/side; refused with 0.0065 or 7', () => {
  const r = promotionReachability({ alpha: 0.005, maxBenchRuns: 6 });
  assert.ok(r.kind === 'last-look-dead' && r.minAlpha === 0.0065 && r.minMaxBenchRuns === 7, JSON.stringify(r));
  const line = reachabilityProblem({ alpha: 0.005, maxBenchRuns: 6 })!;
  assert.match(line, /--alpha 0\.005 --max-bench-runs 6 cannot promote at its last look: it spends α 0\.00083 at 6 runs\/side, below 1\/924/);
  assert.match(line, /only a perfect split \(every candidate run beating every champion run\) at 5 runs\/side can promote/);
  assert.match(line, /the smallest values that work are --alpha 0\.0065 \(with this --max-bench-runs\) or --max-bench-runs 7 \(with this --alpha\)$/);
  // The values it names do work; just below them does not.
  assert.equal(reachabilityProblem({ alpha: 0.0065, maxBenchRuns: 6 }), undefined);
  assert.equal(reachabilityProblem({ alpha: 0.005, maxBenchRuns: 7 }), undefined);
  assert.notEqual(reachabilityProblem({ alpha: 0.0064, maxBenchRuns: 6 }), undefined);
});

test('a rule whose every look is below the perfect-split p can never promote', () => {
  assert.equal(promotionReachability({ alpha: 0.05, maxBenchRuns: 2 }).kind, 'never');
  assert.match(reachabilityProblem({ alpha: 0.05, maxBenchRuns: 2 })!, /can never promote: .*0\.05 at 2 runs\/side.*1\/6 at 2 runs\/side.*--alpha 0\.17 \(with this --max-bench-runs\) or --max-bench-runs 3 \(with this --alpha\)$/);
  assert.match(reachabilityProblem({ alpha: 0.001, maxBenchRuns: 7 })!, /can never promote.*--max-bench-runs 8/);
  // No α below 0.5 helps a single run per side: only more runs are offered.
  const one = reachabilityProblem({ alpha: 0.05, maxBenchRuns: 1 })!;
  assert.doesNotMatch(one, /--alpha 0\.\d+ \(with/);
  assert.match(one, /--max-bench-runs 3 \(with this --alpha\)$/);
});

test('the defaults, the e2e bench flags and the tests\' usual settings are workable', () => {
  for (const [alpha, maxBenchRuns] of [[0.05, 20], [0.005, 10], [0.05, 5], [0.05, 3], [0.005, 5], [0.01, 10]] as const) {
    assert.equal(reachabilityProblem({ alpha, maxBenchRuns }), undefined, `${alpha} ${maxBenchRuns}`);
  }
});

test('the refusal agrees with the decision: a refused rule does not promote a clearly better candidate with one outlier, the suggested one does', async () => {
  const params = (alpha: number, maxBenchRuns: number): DecisionParams => ({
    direction: 'lower', alpha, minImprovementPct: 0, maxRegressionPct: 2, maxBenchRuns, inconclusivePolicy: 'revert', seed: 1, bootstrapResamples: 0,
  });
  // Candidate 10 % faster on every run but its first, an outlier slower than exactly one champion run.
  const run = async (alpha: number, maxBenchRuns: number): Promise<string> => {
    let c = 0;
    let h = 0;
    const d = await decideSequential({
      params: params(alpha, maxBenchRuns),
      sample: async (side) => (side === 'champion' ? { ok: true, value: 100 + (h++ % 7) * 0.1 } : { ok: true, value: c++ === 0 ? 100.05 : 90 + c * 0.01 }),
    });
    return d.outcome;
  };
  assert.notEqual(await run(0.005, 6), 'promoted');
  assert.notEqual(reachabilityProblem({ alpha: 0.005, maxBenchRuns: 6 }), undefined);
  assert.equal(await run(0.005, 7), 'promoted');
});
