import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseState, workersOf } from '../../src/adapters/tpu/tpu-node-shape.js';
import { heldFromEnv } from '../../src/adapters/tpu/tpu-target.js';
import { UsageError } from '../../src/errors.js';
import { clusterOrder, nodeShape, resolveCluster, runtimeVersionFor } from '../../src/core/tpu-clusters.js';
import { managedTpuDirective, postCheckTpuWarnings } from '../../src/core/tpu-directive.js';
import { envFor } from '../../src/config/fields.js';
import type { TpuNode } from '../../src/ports/tpu.js';

const env = {};

test('built-in clusters from docs/architecture.md resolve once a project is set', () => {
  const c = resolveCluster('us-central1', { clusters: {}, project: 'p', env });
  assert.deepEqual(c, { cluster: 'us-central1', project: 'p', zone: 'us-central1-a', runtimeVersion: 'v2-alpha-tpuv5', acceleratorType: 'v5p-8' });
  assert.equal(resolveCluster('us-east5-a', { clusters: {}, project: 'p', env }).zone, 'us-east5-a');
});

test('a user cluster wins whole over a built-in; a bare zone works; the cluster project wins', () => {
  const clusters = { 'us-central1': { zone: 'us-central1-b' }, mine: { zone: 'europe-west4-a', project: 'own', spot: true } };
  assert.deepEqual(resolveCluster('us-central1', { clusters, project: 'p', env }), { cluster: 'us-central1', project: 'p', zone: 'us-central1-b' });
  assert.equal(resolveCluster('mine', { clusters, project: 'p', env }).project, 'own');
  assert.equal(resolveCluster('mine', { clusters, project: 'p', env }).spot, true);
  assert.deepEqual(resolveCluster('asia-east1-c', { clusters, env: { GOOGLE_CLOUD_PROJECT: 'from-env' } }), {
    cluster: 'asia-east1-c',
    project: 'from-env',
    zone: 'asia-east1-c',
  });
});

test('unknown cluster and missing project are UsageErrors that say the fix', () => {
  assert.throws(() => resolveCluster('nowhere', { clusters: {}, project: 'p', env }), (e: unknown) => {
    return e instanceof UsageError && /unknown TPU cluster "nowhere".*us-central1.*clusters:/.test(e.message);
  });
  assert.throws(() => resolveCluster('us-central1', { clusters: {}, env: {} }), (e: unknown) => {
    return e instanceof UsageError && /--project.*GOOGLE_CLOUD_PROJECT/.test(e.message);
  });
});

test('runtime version defaults by accelerator family', () => {
  assert.equal(runtimeVersionFor('v5p-8'), 'v2-alpha-tpuv5');
  assert.equal(runtimeVersionFor('v5litepod-16'), 'v2-alpha-tpuv5-lite');
  assert.equal(runtimeVersionFor('v6e-8'), 'v2-alpha-tpuv6e');
  assert.equal(runtimeVersionFor('v4-32'), 'tpu-ubuntu2204-base');
  assert.equal(runtimeVersionFor('v9x-8'), undefined);
  const zoneOnly = resolveCluster('us-east1-d', { clusters: {}, project: 'p', env });
  assert.deepEqual(nodeShape(zoneOnly, 'v6e-8'), { acceleratorType: 'v6e-8', runtimeVersion: 'v2-alpha-tpuv6e' });
  assert.throws(() => nodeShape(zoneOnly, undefined), /--dev-tpu-type/);
  assert.throws(() => nodeShape(zoneOnly, 'v9x-8'), /runtimeVersion/);
});

test('cluster order: primary, then fallbacks, without repeats', () => {
  assert.deepEqual(clusterOrder('a', ['b', 'a', 'c', 'b']), ['a', 'b', 'c']);
});

test('workers: external IP by default, internal with internalIp, and never the runtime port', () => {
  const eps = [
    { ipAddress: '10.0.0.2', port: 8470, accessConfig: { externalIp: '34.1.1.1' } },
    { ipAddress: '10.0.0.3', port: 8470, accessConfig: { externalIp: '' } },
  ];
  assert.deepEqual(workersOf(eps, false), [
    { index: 0, host: '34.1.1.1' },
    { index: 1, host: '10.0.0.3' },
  ]);
  assert.deepEqual(workersOf(eps, true), [
    { index: 0, host: '10.0.0.2' },
    { index: 1, host: '10.0.0.3' },
  ]);
  for (const w of workersOf(eps, false)) assert.equal('port' in w, false);
});

test('node states normalise from numbers and strings', () => {
  assert.equal(normaliseState(2), 'READY');
  assert.equal(normaliseState('READY'), 'READY');
  assert.equal(normaliseState(11), 'PREEMPTED');
  assert.equal(normaliseState(14), 'OTHER');
  assert.equal(normaliseState(undefined), 'OTHER');
});

test('the post-check env names are exactly the config keys tpuProject/tpuZone/tpuCluster/tpuName', () => {
  assert.deepEqual(
    ['tpuProject', 'tpuZone', 'tpuCluster', 'tpuName'].map(envFor),
    ['GDNCTL_TPU_PROJECT', 'GDNCTL_TPU_ZONE', 'GDNCTL_TPU_CLUSTER', 'GDNCTL_TPU_NAME'],
  );
  assert.deepEqual(heldFromEnv({ GDNCTL_TPU_PROJECT: 'p', GDNCTL_TPU_ZONE: 'us-east5-a', GDNCTL_TPU_NAME: 'n' }), {
    project: 'p',
    zone: 'us-east5-a',
    name: 'n',
    cluster: 'us-east5-a',
  });
  assert.equal(heldFromEnv({ GDNCTL_TPU_NAME: 'n' }), undefined);
});

const held: TpuNode = {
  project: 'p',
  zone: 'us-east5-a',
  cluster: 'us-east5-a',
  name: 'me-gdn',
  acceleratorType: 'v5p-8',
  state: 'READY',
  workers: [{ index: 0, host: '1.2.3.4' }],
  labels: {},
};

test('the managed-TPU directive names the current cluster and the validating commands', () => {
  const d = managedTpuDirective(held);
  assert.match(d, /cluster us-east5-a \(zone us-east5-a, project p\)/);
  assert.match(d, /gdnctl dev-tpu-test --cluster us-east5-a --tpu-name me-gdn --tests both/);
  assert.match(d, /gdnctl dev-tpu-profile --cluster us-east5-a --tpu-name me-gdn/);
  // Agents run commands through `bash -lc`, whose profile resets PATH: the directive names the binary by path.
  const abs = managedTpuDirective(held, '/opt/gdnctl/bin/gdnctl');
  assert.match(abs, /`\/opt\/gdnctl\/bin\/gdnctl dev-tpu-test --cluster us-east5-a/);
  assert.match(abs, /`\/opt\/gdnctl\/bin\/gdnctl dev-tpu-profile --cluster us-east5-a/);
});

test('post-checks that name another TPU or cluster are warned about', () => {
  const w = postCheckTpuWarnings(
    [
      'gdnctl dev-tpu-test --cluster us-central1 --tpu-name me-gdn --tests both',
      'gdnctl dev-tpu-test --tpu-name=other-tpu',
      'gdnctl dev-tpu-test --cluster us-east5-a --tpu-name $USER-gdn',
      'gdnctl lint-log --cluster x',
    ],
    held,
  );
  assert.equal(w.length, 2);
  assert.match(w[0]!, /post-check 1 .* names cluster us-central1, but the held TPU is in us-east5-a/);
  assert.match(w[1]!, /post-check 2 .* targets TPU other-tpu/);
  assert.match(w[1]!, /gdnctl points it at the held TPU/, 'the held TPU wins over a stale --tpu-name too');
});
