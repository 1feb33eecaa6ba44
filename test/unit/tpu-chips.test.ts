/** The one table of TPU families (src/core/tpu-chips.ts) and the tpu-busy patterns (src/core/tpu-busy.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTpuShape, tpuFamilyOf, tpuShape, TPU_FAMILIES } from '../../src/core/tpu-chips.js';
import { tpuBusyLine } from '../../src/core/tpu-busy.js';

const shape = (t: string): [number, number] | undefined => {
  const s = tpuShape(t);
  return s ? [s.chips, s.hosts] : undefined;
};

test('v4 and v5p count TensorCores, two per chip: v5p-8 = 4 chips on 1 host, v5p-16 = 8 chips on 2 hosts', () => {
  assert.deepEqual(shape('v5p-8'), [4, 1]);
  assert.deepEqual(shape('v5p-16'), [8, 2]);
  assert.deepEqual(shape('v4-8'), [4, 1]);
  assert.deepEqual(shape('v4-32'), [16, 4]);
  assert.equal(TPU_FAMILIES.v5p.countsTensorCores, true);
});

test('v5e (v5litepod) and v6e count chips: up to 8 on one host, then 4 per host', () => {
  assert.deepEqual(shape('v5litepod-8'), [8, 1]);
  assert.deepEqual(shape('v5litepod-4'), [4, 1]);
  assert.deepEqual(shape('v5litepod-16'), [16, 4]);
  assert.deepEqual(shape('v5e-8'), [8, 1]);
  assert.deepEqual(shape('v6e-8'), [8, 1]);
  assert.deepEqual(shape('v6e-256'), [256, 64]);
  assert.equal(tpuFamilyOf('v5litepod-8')?.generation, 'TPU v5e');
});

test('an unknown family or a malformed type has no shape, and says so', () => {
  assert.equal(tpuShape('v99-8'), undefined);
  assert.equal(tpuShape('v5p'), undefined);
  assert.equal(tpuShape('hasOwnProperty-8'), undefined);
  assert.equal(describeTpuShape('v99-8'), 'v99-8 (chips unknown)');
  assert.equal(describeTpuShape('v5p-8'), 'v5p-8: 4 chips of TPU v5p on 1 host');
});

test('tpu-busy: what libtpu and JAX print when another process owns the chips', () => {
  assert.match(
    tpuBusyLine("INFO: Unable to initialize backend 'tpu': ABORTED: The TPU is already in use by process with pid 176028. Not attempting to load libtpu.so in this process.")!,
    /pid 176028/,
  );
  assert.ok(tpuBusyLine('I0000 f236.cc:165] libtpu.so already in use by another process probably owned by another user. Run "$ sudo lsof -w /dev/accel0"'));
  assert.ok(tpuBusyLine('RuntimeError: TPU initialization failed: open(/dev/vfio/0): Device or resource busy'));
  assert.equal(tpuBusyLine('step 3: 12.1 ms\nGDNCTL_METRIC {"step_ms": 12.1}'), undefined);
  assert.equal(tpuBusyLine('the TPU is in use for training'), undefined);
});
