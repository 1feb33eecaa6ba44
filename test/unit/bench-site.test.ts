/** `--bench-on` (src/cli/measure/bench-site.ts): where the benchmark runs, decided from the resolved config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchOnProblems, benchRunsOn } from '../../src/cli/measure/bench-site.js';

// A log dir that does not exist: no leases.
const base = { benchOn: 'auto' as const, tpuName: undefined, devTpuName: undefined, workerHost: [] as string[], workdir: '/nonexistent-gdnctl', logDir: '/nonexistent-gdnctl/logs' };

test('auto: tpu while a TPU is named (the loop\'s --dev-tpu-name, --tpu-name or GDNCTL_TPU_NAME, --worker-host), else local', () => {
  assert.equal(benchRunsOn(base), 'local');
  assert.equal(benchRunsOn({ ...base, devTpuName: 'me-gdn' }), 'tpu');
  assert.equal(benchRunsOn({ ...base, tpuName: 'me-gdn' }), 'tpu');
  assert.equal(benchRunsOn({ ...base, workerHost: ['10.0.0.2'] }), 'tpu');
  assert.equal(benchRunsOn({ ...base, benchOn: 'local', devTpuName: 'me-gdn' }), 'local', 'an explicit local wins');
  assert.equal(benchRunsOn({ ...base, benchOn: 'tpu' }), 'tpu');
});

test('--bench-on tpu with nothing held or named is one usage line with the fixes', () => {
  const [line, ...rest] = benchOnProblems({ ...base, benchOn: 'tpu' });
  assert.deepEqual(rest, []);
  assert.match(line!, /^--bench-on tpu, but no TPU is held or named; .*--hold-dev-tpu.*dev-tpu-allocate.*--tpu-name and --cluster.*--bench-on local$/);
  assert.deepEqual(benchOnProblems({ ...base, benchOn: 'tpu', devTpuName: 'me-gdn' }), []);
  assert.deepEqual(benchOnProblems(base), []);
});
