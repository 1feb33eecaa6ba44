import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tpuQuotaExceeded } from '../../src/adapters/tpu/tpu-api-errors.js';
import { quotaRefusal } from '../../src/cli/loop/parallel-seams.js';

test('a quota limit from the TPU API is recognised in an error or a message; a per-minute rate is not', () => {
  // As the API words it on a create past the project's quota (HTTP 429).
  const real = "Quota limit 'TPUV6EPreemptiblePerProjectPerRegionForTPUAPI' has been exceeded. Limit: 0 in region us-east5.";
  assert.deepEqual(tpuQuotaExceeded({ code: 8, message: `8 RESOURCE_EXHAUSTED: ${real}` }), { quota: 'TPUV6EPreemptiblePerProjectPerRegionForTPUAPI', limit: 0, where: 'us-east5' });
  assert.deepEqual(tpuQuotaExceeded(`could not allocate TPU n-3: c (us-east5-a): ${real}`)?.quota, 'TPUV6EPreemptiblePerProjectPerRegionForTPUAPI');
  assert.equal(tpuQuotaExceeded("Quota limit 'CreateRequestsPerMinutePerProject' has been exceeded."), undefined);
  assert.equal(tpuQuotaExceeded({ code: 8, message: 'There is no more capacity in the zone "us-east5-a"' }), undefined);
  assert.equal(tpuQuotaExceeded(undefined), undefined);
});

test('the quota refusal: one line with the quota, what was got of what was needed, and the fix', () => {
  const q = { quota: 'TPUV5PPerProjectPerRegionForTPUAPI', limit: 8, where: 'us-east5' };
  const line = quotaRefusal(q, ['me-1', 'me-2'], 4);
  assert.equal(line, "--parallel 4 needs 4 TPU nodes but the project's quota TPUV5PPerProjectPerRegionForTPUAPI (limit 8 in us-east5) ran out: got 2 (me-1, me-2), released; pass --parallel 2 or lower, or raise the quota");
  assert.ok(!line.includes('\n'));
  assert.match(quotaRefusal({ quota: 'Q' }, [], 2), /quota Q ran out: got none; raise the quota/);
});
