import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chipPeakTflops, TPU_FAMILIES, tpuFamilyOf } from '../../src/core/tpu-chips.js';

test('bf16 peak per chip by family: v4 275, v5e 197, v5p 459, v6e 918 TFLOP/s', () => {
  assert.equal(chipPeakTflops('v4-8'), 275);
  assert.equal(chipPeakTflops('v5p-8'), 459);
  assert.equal(chipPeakTflops('v5p-16'), 459);
  assert.equal(chipPeakTflops('v5litepod-16'), 197);
  assert.equal(chipPeakTflops('v5e-4'), 197);
  assert.equal(chipPeakTflops('v6e-8'), 918);
  assert.deepEqual(Object.values(TPU_FAMILIES).map((f) => `${f.name} ${f.peakTflops}`), ['v4 275', 'v5p 459', 'v5litepod 197', 'v5e 197', 'v6e 918']);
});

test('an unknown family has no peak unless chipPeakTflops overrides it; the override wins for known ones too', () => {
  assert.equal(chipPeakTflops('v7x-8'), undefined);
  assert.equal(chipPeakTflops('gpu-a100'), undefined);
  assert.equal(chipPeakTflops(undefined), undefined);
  assert.equal(chipPeakTflops('v7x-8', 2307), 2307);
  assert.equal(chipPeakTflops('v5p-8', 400), 400);
  assert.equal(chipPeakTflops(undefined, 100), 100);
});

test('family names: v5litepod is v5e, the core count is not part of the family', () => {
  assert.equal(tpuFamilyOf('v5litepod-8')?.generation, 'TPU v5e');
  assert.equal(tpuFamilyOf('V5P-128')?.name, 'v5p');
  assert.equal(tpuFamilyOf('v4'), undefined);
  assert.equal(tpuFamilyOf('v5p-'), undefined);
});
