import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mfuOf, readMetric, type MfuSpec } from '../../src/core/metric.js';

// v5p-8: 4 chips × 459 TFLOP/s.
const V5P_8 = 4 * 459e12;
const spec = (o: Partial<MfuSpec> = {}): MfuSpec => ({ stepTimeMetric: 'step_ms', peakFlopsPerS: V5P_8, ...o });

test('mfu = flops / step_s / (chips × peak), from the bench\'s flops and step_ms', () => {
  const flops = 0.45 * V5P_8 * 0.02; // 45 % of the peak at 20 ms per step
  const r = readMetric(`GDNCTL_METRIC {"step_ms": 20, "flops": ${flops}}\n`, { metric: 'mfu', mfu: spec() });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.name, 'mfu');
  assert.ok(Math.abs(r.value - 0.45) < 1e-12);
  assert.equal(r.all.step_ms, 20);
  assert.ok(Math.abs(mfuOf(flops, 20, V5P_8) - 0.45) < 1e-12);
});

test('step_time_ms (what dev-tpu-profile prints) is accepted; --step-time-metric names another key; --flops-per-step fills in flops', () => {
  const a = readMetric('GDNCTL_METRIC {"step_time_ms": 10, "flops": 1e12}\n', { metric: 'mfu', mfu: spec() });
  assert.ok(a.ok && Math.abs(a.value - 1e12 / 0.01 / V5P_8) < 1e-15);
  const b = readMetric('GDNCTL_METRIC {"t_ms": 10, "flops": 1e12}\n', { metric: 'mfu', mfu: spec({ stepTimeMetric: 't_ms' }) });
  assert.ok(b.ok && Math.abs(b.value - 1e12 / 0.01 / V5P_8) < 1e-15);
  const c = readMetric('GDNCTL_METRIC {"step_ms": 10}\n', { metric: 'mfu', mfu: spec({ flopsPerStep: 2e12 }) });
  assert.ok(c.ok && Math.abs(c.value - 2e12 / 0.01 / V5P_8) < 1e-15);
  // The bench's own flops win over the flag.
  const d = readMetric('GDNCTL_METRIC {"step_ms": 10, "flops": 1e12}\n', { metric: 'mfu', mfu: spec({ flopsPerStep: 2e12 }) });
  assert.ok(d.ok && Math.abs(d.value - 1e12 / 0.01 / V5P_8) < 1e-15);
});

test('a bench that prints mfu itself is read as it is', () => {
  const r = readMetric('GDNCTL_METRIC {"mfu": 0.41, "step_ms": 20, "flops": 1}\n', { metric: 'mfu', mfu: spec() });
  assert.ok(r.ok && r.value === 0.41);
});

test('flops without a step time is a failure naming the missing key; so are no flops, a zero step and an unknown TPU', () => {
  const noStep = readMetric('GDNCTL_METRIC {"flops": 1e12, "tokens_per_s": 5}\n', { metric: 'mfu', mfu: spec() });
  assert.ok(!noStep.ok);
  assert.match(noStep.reason, /has "flops" but no step time \("step_ms" or "step_time_ms", in ms\).*--step-time-metric/);
  assert.match(noStep.tail, /GDNCTL_METRIC/);
  const noFlops = readMetric('GDNCTL_METRIC {"step_ms": 10}\n', { metric: 'mfu', mfu: spec() });
  assert.ok(!noFlops.ok && /no "mfu" and no "flops".*--flops-per-step N/.test(noFlops.reason));
  const zero = readMetric('GDNCTL_METRIC {"step_ms": 0, "flops": 1}\n', { metric: 'mfu', mfu: spec() });
  assert.ok(!zero.ok && /"step_ms" is 0; a step time must be positive/.test(zero.reason));
  const noPeak = readMetric('GDNCTL_METRIC {"step_ms": 10, "flops": 1}\n', { metric: 'mfu', mfu: spec({ peakFlopsPerS: undefined }) });
  assert.ok(!noPeak.ok && /TPU type is not known.*--tpu-type.*chipPeakTflops/.test(noPeak.reason));
  // Without MFU settings, --metric mfu on a line without mfu fails as any missing metric does.
  const plain = readMetric('GDNCTL_METRIC {"step_ms": 10, "flops": 1}\n', { metric: 'mfu' });
  assert.ok(!plain.ok && /has no "mfu" \(it has step_ms, flops\)/.test(plain.reason));
});

test('another decision metric still gets mfu in its readings when it can be computed', () => {
  const r = readMetric('GDNCTL_METRIC {"step_ms": 20, "flops": 1e12}\n', { metric: 'step_ms', mfu: spec() });
  assert.ok(r.ok && r.value === 20);
  assert.ok(Math.abs(r.all.mfu! - 1e12 / 0.02 / V5P_8) < 1e-15);
  const none = readMetric('GDNCTL_METRIC {"step_ms": 20}\n', { metric: 'step_ms', mfu: spec() });
  assert.ok(none.ok && none.all.mfu === undefined);
});
