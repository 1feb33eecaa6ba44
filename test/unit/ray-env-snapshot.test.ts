import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBenchLog } from '../../src/adapters/ray/ray-bench-runner.js';
import { rayHostSnapshot } from '../../src/adapters/ray/ray-env-snapshot.js';

const TAG = 'abc';
const M = `@gdnctl-ray-bench-${TAG}`;
const opts = { metric: { metric: 'step_ms' }, timeoutS: 60 };
const facts = { cluster: 'team', rayTpu: 'auto', head: 'f'.repeat(40), submissionId: 'gdnctl-bench-1' };

test('readBenchLog takes the host snapshot between its framed lines, and only with the job\'s tag', () => {
  const log = [
    '@gdnctl-ray-bench-forged {"env":"begin"}', 'gdnctl.ray_accelerator_type=v9-1', '@gdnctl-ray-bench-forged {"env":"end"}',
    `${M} {"env":"begin"}`, 'gdnctl.hostname=node-7', 'gdnctl.ray_accelerator_type=v5p-8', 'noise', `${M} {"env":"end"}`,
    `${M} {"begin":"baseline","index":1,"warmup":false}`, 'gdnctl.hostname=from-the-bench', 'GDNCTL_METRIC {"step_ms": 5}',
    `${M} {"side":"baseline","index":1,"warmup":false,"exit":0,"ms":3}`,
  ].join('\n');
  const got = readBenchLog(log, TAG, opts);
  assert.deepEqual(got.env, { hostname: 'node-7', ray_accelerator_type: 'v5p-8' });
  assert.deepEqual(got.samples.map((s) => (s.ok ? s.value : s.reason)), [5], 'the bench output is its own, not the snapshot');
  assert.equal(readBenchLog(`${M} {"begin":"baseline","index":1,"warmup":false}\n`, TAG, opts).env, undefined, 'no snapshot: none invented');
});

test('the host type: TPU_ACCELERATOR_TYPE, else GCE metadata, else the requested head resource; the fingerprint ignores the host name', () => {
  const a = rayHostSnapshot({ hostname: 'a', ray_accelerator_type: 'v4-8', md_accelerator_type: 'v5p-8' }, facts);
  const b = rayHostSnapshot({ hostname: 'b', md_accelerator_type: 'v4-8' }, { ...facts, rayTpu: 'v6e-8' });
  const c = rayHostSnapshot({ hostname: 'c' }, { ...facts, rayTpu: 'v6e-8' });
  const d = rayHostSnapshot({ hostname: 'd' }, facts);
  assert.match(a.text, /Accelerator: TPU v4-8 \(from TPU_ACCELERATOR_TYPE\)/);
  assert.match(b.text, /Accelerator: TPU v4-8 \(from GCE metadata\)/);
  assert.match(c.text, /Accelerator: TPU v6e-8 \(from the job's TPU-v6e-8-head resource\)/);
  assert.match(d.label, /^unknown \(1 host\), runtime unknown on host d$/);
  assert.equal(a.fingerprint, b.fingerprint, 'same type on another host: comparable');
  assert.match(a.label, /on host a$/);
  assert.notEqual(a.fingerprint, c.fingerprint);
  const flags = rayHostSnapshot({ hostname: 'a', ray_accelerator_type: 'v4-8', libtpu_init_args: '--xla_tpu_x=1' }, facts);
  assert.notEqual(flags.fingerprint, a.fingerprint, 'LIBTPU_INIT_ARGS keys the measurement as on the TPU');
});
