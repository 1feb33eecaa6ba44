import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTarget } from '../../src/adapters/tpu/tpu-target.js';
import { resolveRunTarget } from '../../src/cli/dev-tpu/target.js';
import type { TpuNode, TpuNodeRef, TpuProvider } from '../../src/ports/tpu.js';
import { newLease, writeLease } from '../../src/adapters/tpu/tpu-lease.js';
import { tpuLogDir } from '../../src/adapters/tpu/tpu-hold-factory.js';
import { UsageError } from '../../src/errors.js';
import type { TpuEmulator } from '../fakes/tpu-emulator.js';
import { tpuConfig, tpuWorkspace, type TpuWorkspace } from '../fakes/tpu-fixtures.js';

// Which node a dev-tpu-test/-profile/-status/-release acts on. No API calls: only config, env and lease files.
let ws: TpuWorkspace;
afterEach(() => ws?.cleanup());
const noEmu = { endpoint: 'http://127.0.0.1:9' } as TpuEmulator;
const heldEnv = { GDNCTL_TPU_PROJECT: 'p', GDNCTL_TPU_ZONE: 'us-east5-a', GDNCTL_TPU_CLUSTER: 'us-east5-a', GDNCTL_TPU_NAME: 'me-gdn' };

test('the seed post-check (--cluster us-central1 --tpu-name me-gdn) follows the held TPU after a fallback', () => {
  ws = tpuWorkspace(noEmu, heldEnv);
  const values = tpuConfig(ws, { cluster: 'us-central1', tpuName: 'me-gdn' }, 'dev-tpu-test');
  const t = resolveTarget(values, ws.env);
  assert.equal(t.source, 'held');
  assert.deepEqual(t.ref, { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'me-gdn' });
  assert.match(t.notes[0] ?? '', /--cluster us-central1 ignored/);
});

test('no flags inside a loop: the held TPU from GDNCTL_TPU_*', () => {
  ws = tpuWorkspace(noEmu, heldEnv);
  assert.equal(resolveTarget(tpuConfig(ws, {}, 'dev-tpu-test'), ws.env).ref.zone, 'us-east5-a');
});

test('another --tpu-name than the held one targets that node by its cluster', () => {
  ws = tpuWorkspace(noEmu, heldEnv);
  const t = resolveTarget(tpuConfig(ws, { tpuName: 'other', cluster: 'us-central1' }, 'dev-tpu-test'), ws.env);
  assert.deepEqual(t.ref, { project: 'test-proj', zone: 'us-central1-a', cluster: 'us-central1', name: 'other' });
  assert.equal(t.source, 'flags');
});

test('dev-tpu-test/-profile inside a loop (heldWins): even another --tpu-name runs on the held TPU, with a note', () => {
  ws = tpuWorkspace(noEmu, heldEnv);
  const t = resolveTarget(tpuConfig(ws, { tpuName: 'other', cluster: 'us-central1' }, 'dev-tpu-test'), ws.env, { heldWins: true });
  assert.equal(t.source, 'held');
  assert.deepEqual(t.ref, { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'me-gdn' });
  assert.match(t.notes[0] ?? '', /--tpu-name other ignored: this loop holds TPU me-gdn in us-east5-a/);
  // Outside a loop nothing is held: the named node is the target, as before.
  ws.cleanup();
  ws = tpuWorkspace(noEmu);
  const outside = resolveTarget(tpuConfig(ws, { tpuName: 'other', cluster: 'us-central1' }, 'dev-tpu-test'), ws.env, { heldWins: true });
  assert.deepEqual([outside.source, outside.ref.name, outside.ref.zone], ['flags', 'other', 'us-central1-a']);
});

test('resolveRunTarget (dev-tpu-test/-profile) asks the API for the held node, not the one a stale --tpu-name names', async () => {
  ws = tpuWorkspace(noEmu, heldEnv);
  const asked: TpuNodeRef[] = [];
  const provider = {
    getNode: async (ref: TpuNodeRef): Promise<TpuNode> => {
      asked.push(ref);
      return { ...ref, acceleratorType: 'v5p-8', state: 'READY', workers: [{ index: 0, host: '127.0.0.2' }], labels: {} };
    },
  } as unknown as TpuProvider;
  const r = await resolveRunTarget(tpuConfig(ws, { tpuName: 'other', cluster: 'us-central1' }, 'dev-tpu-test'), ws.env, async () => provider);
  assert.deepEqual(asked, [{ project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'me-gdn' }]);
  assert.equal(r.source, 'held');
  assert.match(r.notes?.[0] ?? '', /--tpu-name other ignored/);
});

test('outside a loop: the lease of the named node wins over --cluster; without a name the only lease', () => {
  ws = tpuWorkspace(noEmu);
  const values = tpuConfig(ws, { cluster: 'us-central1', tpuName: 'me-gdn' }, 'dev-tpu-test');
  writeLease({ ...newLease(tpuLogDir(values), { project: 'test-proj', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'me-gdn' }, { owner: 'tester' }), phase: 'held' });
  const t = resolveTarget(values, ws.env);
  assert.equal(t.source, 'lease');
  assert.equal(t.ref.zone, 'us-east5-a');
  assert.equal(resolveTarget(tpuConfig(ws, {}, 'dev-tpu-test'), ws.env).ref.name, 'me-gdn');
});

test('no name, no held TPU, no lease: a UsageError with the fix', () => {
  ws = tpuWorkspace(noEmu);
  assert.throws(() => resolveTarget(tpuConfig(ws, {}, 'dev-tpu-test'), ws.env), (e: unknown) => e instanceof UsageError && /dev-tpu-allocate/.test(e.message));
});
