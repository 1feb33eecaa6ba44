import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineBatch, comparisonBatch, decideInBatches, nextBoundary, sampleFor, type BatchResult, type RayBenchRun } from '../../src/core/measure/batch-plan.js';
import { decideSequential, lookSchedule, type DecisionParams, type Side } from '../../src/core/measure/decide.js';
import { mulberry32 } from '../../src/core/stats/prng.js';

const P: DecisionParams = { direction: 'lower', alpha: 0.05, minImprovementPct: 1, maxRegressionPct: 1, maxBenchRuns: 20, inconclusivePolicy: 'revert', seed: 1, bootstrapResamples: 0 };
const key = (r: RayBenchRun): string => `${r.side[1]}${r.warmup ? 'w' : ''}${r.index}`;

test('a comparison batch runs A B B A from where the last one stopped, each side warmed up before its first run', () => {
  assert.deepEqual(comparisonBatch({ ...P, batchRuns: 3 }, 0, 1).map(key), ['hw1', 'h1', 'aw1', 'a1', 'a2', 'h2', 'h3', 'a3']);
  // Pair 3 is odd: the candidate goes first, as in decideSequential.
  assert.deepEqual(comparisonBatch({ ...P, batchRuns: 3 }, 3, 0).map(key), ['a4', 'h4', 'h5', 'a5', 'a6', 'h6']);
  assert.deepEqual(comparisonBatch(P, 20, 1), [], 'nothing past the last look');
  assert.deepEqual(baselineBatch(3, 2).map(key), ['aw1', 'aw2', 'a1', 'a2', 'a3']);
});

test('batch boundaries are exactly looks of the schedule, whatever the policy', () => {
  for (const maxBenchRuns of [1, 4, 5, 7, 20, 33]) {
    for (const batchRuns of [1, 2, 5, 8]) {
      const p = { ...P, maxBenchRuns, batchRuns };
      const looks = lookSchedule(p).map((l) => l.runsPerSide);
      const bounds: number[] = [];
      for (let taken = 0, b = nextBoundary(p, 0); b !== undefined; taken = b, b = nextBoundary(p, taken)) {
        bounds.push(b);
        const runs = comparisonBatch(p, taken, 0);
        assert.equal(runs.filter((r) => r.side === 'candidate').length, b - taken);
      }
      assert.deepEqual(bounds, looks, `max ${maxBenchRuns}, batch ${batchRuns}`);
    }
  }
});

/** The same per-side value streams, drawn run by run and in batches, give the same decision. */
test('deciding in batches gives the run-by-run decision and runs one job per look it needed', async () => {
  const outcomes = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = mulberry32(seed);
    const shift = [0.9, 1, 1.003, 1.1][seed % 4]!;
    const stream = { champion: Array.from({ length: 40 }, () => 100 + rnd.next() * 3), candidate: Array.from({ length: 40 }, () => (100 + rnd.next() * 3) * shift) };
    const at: Record<Side, number> = { champion: 0, candidate: 0 };
    const seq = await decideSequential({ params: P, sample: async (s) => ({ ok: true, value: stream[s][at[s]++]! }) });
    const jobs: RayBenchRun[][] = [];
    const runBatch = async (runs: RayBenchRun[]): Promise<BatchResult> => {
      jobs.push(runs);
      return { samples: runs.map((run) => ({ run, ok: true as const, value: run.warmup ? 1e9 : stream[run.side as Side][run.index - 1]!, durationMs: 1 })) };
    };
    const b = await decideInBatches({ params: P, warmups: 1, runBatch });
    assert.equal(b.d.outcome, seq.outcome, `seed ${seed}`);
    assert.deepEqual([b.d.candidateValues, b.d.championValues], [seq.candidateValues, seq.championValues]);
    assert.equal(b.batches, seq.looks.length, 'one job per look');
    assert.equal(jobs.length, b.batches);
    assert.ok(jobs.every((runs) => runs.filter((r) => r.warmup).length === 2), 'each job warms both sides up');
    outcomes.add(seq.outcome);
  }
  assert.ok(outcomes.has('promoted') && outcomes.has('regression') && outcomes.size >= 3, [...outcomes].join());
});

test('a failed run, a failed warm-up or a job that ended early is the decision\'s no-metric', async () => {
  const fail = (what: (r: RayBenchRun) => boolean, failure?: BatchResult['failure']) => async (runs: RayBenchRun[]): Promise<BatchResult> => ({
    samples: runs.filter((r) => !what(r)).map((run) => ({ run, ok: true as const, value: 100, durationMs: 1 })).concat(
      failure ? [] : runs.filter(what).map((run) => ({ run, ok: false as const, reason: 'benchmark exited with 3', tail: 'Traceback' })) as never[],
    ),
    ...(failure ? { failure } : {}),
  });
  const a = await decideInBatches({ params: P, warmups: 0, runBatch: fail((r) => r.side === 'candidate' && r.index === 2) });
  assert.deepEqual([a.d.outcome, a.d.reason, a.lastTail], ['no-metric', 'candidate run 2: benchmark exited with 3', 'Traceback']);
  const w = await decideInBatches({ params: P, warmups: 1, runBatch: fail((r) => r.side === 'champion' && r.warmup) });
  assert.deepEqual([w.d.outcome, w.d.reason], ['no-metric', 'champion run 1: warm-up: benchmark exited with 3']);
  const j = await decideInBatches({ params: P, warmups: 0, runBatch: fail((r) => r.index >= 3, { reason: 'ray job x: FAILED (exit 1)', tail: 'oom' }) });
  assert.deepEqual([j.d.outcome, j.d.reason, j.d.runs], ['no-metric', 'champion run 3: ray job x: FAILED (exit 1)', 2]);
  const runs = baselineBatch(2, 0);
  assert.deepEqual(sampleFor(runs[1]!, { samples: [] }, runs), { ok: false, reason: 'the job reported no result for this run', tail: '' });
});
