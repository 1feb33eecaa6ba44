import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outputTail, readMetric, validateMetricPattern } from '../../src/core/metric.js';

test('GDNCTL_METRIC: the last line wins, a single key needs no --metric', () => {
  const out = 'warming up\nGDNCTL_METRIC {"step_ms": 20}\nnoise\nGDNCTL_METRIC {"step_ms": 12.5}\ndone\n';
  const r = readMetric(out, {});
  assert.deepEqual(r, { ok: true, name: 'step_ms', value: 12.5, all: { step_ms: 12.5 } });
});

test('GDNCTL_METRIC: --metric picks one of several; several without --metric is a failure', () => {
  const out = '[rank0] GDNCTL_METRIC {"mfu": 0.41, "tokens_per_s": "1234.5", "note": "x"}\n';
  const r = readMetric(out, { metric: 'tokens_per_s' });
  assert.ok(r.ok);
  assert.equal(r.value, 1234.5);
  assert.deepEqual(r.all, { mfu: 0.41, tokens_per_s: 1234.5 });
  const bad = readMetric(out, {});
  assert.ok(!bad.ok);
  assert.match(bad.reason, /several metrics \(mfu, tokens_per_s, note\); choose one with --metric NAME/);
  const missing = readMetric(out, { metric: 'step_ms' });
  assert.ok(!missing.ok && /no "step_ms"/.test(missing.reason));
  const nan = readMetric(out, { metric: 'note' });
  assert.ok(!nan.ok && /not a finite number/.test(nan.reason));
});

test('missing or broken metric: a failure with the output tail, never a zero', () => {
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  const r = readMetric(lines.join('\n') + '\nTraceback: boom\n', { metric: 'step_ms' });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.match(r.reason, /no GDNCTL_METRIC line/);
  assert.match(r.tail, /Traceback: boom$/);
  assert.ok(!r.tail.includes('line 0\n'));
  const broken = readMetric('GDNCTL_METRIC {"step_ms": 1,\n', {});
  assert.ok(!broken.ok && /not JSON/.test(broken.reason));
  const arr = readMetric('GDNCTL_METRIC [1]\n', {});
  assert.ok(!arr.ok && /not a JSON object/.test(arr.reason));
});

test('--metric-pattern: named group, last match wins, unparsable is a failure', () => {
  const out = 'step 1 time=30.5ms\nstep 2 time=29.25ms\n';
  const r = readMetric(out, { metricPattern: 'time=(?<value>[0-9.]+)ms', metric: 'step_ms' });
  assert.deepEqual(r, { ok: true, name: 'step_ms', value: 29.25, all: { step_ms: 29.25 } });
  const named = readMetric(out, { metricPattern: 'time=(?<t>[0-9.]+)' });
  assert.ok(named.ok && named.name === 't' && named.value === 29.25);
  const none = readMetric('nothing here', { metricPattern: 'time=(?<value>[0-9.]+)' });
  assert.ok(!none.ok && /matched nothing/.test(none.reason));
  const nan = readMetric('time=abc', { metricPattern: 'time=(?<value>\\w+)' });
  assert.ok(!nan.ok && /not a number/.test(nan.reason));
});

test('validateMetricPattern explains bad patterns', () => {
  assert.equal(validateMetricPattern('x=(?<value>\\d+)'), undefined);
  assert.match(validateMetricPattern('x=(\\d+)')!, /no named group/);
  assert.match(validateMetricPattern('x=(?<value>')!, /not a valid regular expression/);
  assert.equal(outputTail('a\nb\nc\n', 2), 'b\nc');
});
