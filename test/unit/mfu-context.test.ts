import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chipsOf, mfuAcceleratorType, mfuMetricSpec, mfuOfValue, mfuProblems, peakFlopsPerS } from '../../src/cli/measure/mfu-context.js';
import { measureRuleProblems } from '../../src/cli/measure/measure-rule-checks.js';

const base = { stepTimeMetric: 'step_ms', devTpuCluster: 'us-central1', clusters: {} };

test('the TPU type: --tpu-type, else the cluster\'s acceleratorType (the built-in clusters are v5p-8)', () => {
  assert.equal(mfuAcceleratorType({ ...base, devTpuType: 'v6e-8' }), 'v6e-8');
  assert.equal(mfuAcceleratorType(base), 'v5p-8');
  assert.equal(mfuAcceleratorType({ ...base, devTpuCluster: 'lab', clusters: { lab: { zone: 'us-east1-d', acceleratorType: 'v4-16' } } }), 'v4-16');
  assert.equal(mfuAcceleratorType({ ...base, devTpuCluster: 'us-east1-d' }), undefined, 'a bare zone names no type');
});

test('chips: v4 and v5p count TensorCores (two per chip), v5e and v6e count chips', () => {
  assert.deepEqual(['v5p-8', 'v5p-16', 'v4-8', 'v5litepod-16', 'v6e-8', 'v5e-4'].map(chipsOf), [4, 8, 4, 16, 8, 4]);
  assert.equal(peakFlopsPerS({ ...base, devTpuType: 'v5p-8' }), 4 * 459e12);
  assert.equal(peakFlopsPerS({ ...base, devTpuType: 'v6e-8', chipPeakTflops: 1000 }), 8 * 1000e12);
  assert.equal(peakFlopsPerS({ ...base, devTpuType: 'v7x-8' }), undefined);
});

test('the metric reader\'s spec and the leaderboard\'s MFU of a value', () => {
  assert.deepEqual(mfuMetricSpec({ ...base, flopsPerStep: 5 }), { mfu: { stepTimeMetric: 'step_ms', flopsPerStep: 5, peakFlopsPerS: 4 * 459e12 } });
  assert.equal(mfuOfValue({ ...base, metric: 'mfu' })!(0.4), 0.4);
  const ofStep = mfuOfValue({ ...base, metric: 'step_ms', flopsPerStep: 4 * 459e12 * 0.01 })!;
  assert.ok(Math.abs(ofStep(20)! - 0.5) < 1e-12);
  assert.equal(mfuOfValue({ ...base, metric: 'tokens_per_s', flopsPerStep: 1 }), undefined, 'not a step time');
  assert.equal(mfuOfValue({ ...base, metric: 'step_ms' }), undefined, 'no FLOPs known');
});

test('an unknown chip family is refused only when MFU is asked for, and chipPeakTflops lifts it', () => {
  assert.match(mfuProblems({ ...base, metric: 'mfu', devTpuType: 'v7x-8' })[0]!, /v7x-8.*chipPeakTflops/);
  assert.deepEqual(mfuProblems({ ...base, metric: 'mfu', devTpuType: 'v7x-8', chipPeakTflops: 2000 }), []);
  assert.deepEqual(mfuProblems({ ...base, metric: 'step_ms', devTpuType: 'v7x-8' }), []);
  assert.deepEqual(mfuProblems({ ...base, metric: 'mfu' }), []);
  assert.deepEqual(measureRuleProblems({ ...base, alpha: 0.05, maxBenchRuns: 20, metric: 'mfu' }), []);
  assert.equal(measureRuleProblems({ ...base, alpha: 0.005, maxBenchRuns: 6, metric: 'mfu', devTpuType: 'v7x-8' }).length, 2);
});
